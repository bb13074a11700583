package migrate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// KrakenD (krakend.io "JWT validation" and "JWT signing"; krakend-jose): each endpoint's
// extra_config "auth/validator" becomes a provider and a rule for the endpoint's path and method;
// "auth/signer" becomes x_signing_keys and the rule's x_sign. KrakenD answers 401 to a missing
// or invalid token and 403 when roles or scopes do not match; the token is read from
// "Authorization: Bearer" (or the cookie named by cookie_key).

var krakendPlaceholder = regexp.MustCompile(`\{[^{}/]+\}`)

func (c *converter) krakend(docs []*document) {
	var signing []json.RawMessage
	for _, d := range docs {
		d.label = "KrakenD configuration"
		if ec, ok := d.root.Obj("extra_config"); ok {
			for _, ns := range []string{"auth/validator", "auth/signer"} {
				if ec.has(ns) {
					ec.seen[ns] = true
					c.drop(ec, ns, "service-level "+ns+" is not converted: KrakenD applies it per endpoint")
				}
			}
		}
		for _, ep := range d.root.List("endpoints") {
			path := ep.Str("endpoint")
			if path == "" || path[0] != '/' {
				ep.fail("endpoint", "want a path starting with /")
			}
			method := strings.ToUpper(ep.Str("method"))
			if method == "" {
				method = "GET"
			}
			ec, ok := ep.Obj("extra_config")
			if !ok {
				continue
			}
			var r *rule
			newRule := func() *rule {
				if r == nil {
					r = &rule{Match: krakendMatch(path)}
					r.Match.Headers = []headerMatcher{methodMatcher([]string{method})}
				}
				return r
			}
			if v, ok := ec.Obj("auth/validator"); ok {
				rr := newRule()
				p, authz := c.krakendValidator(v)
				rr.Requires = requireProvider(c.addProvider("krakend"+krakendName(path), p))
				if authz != nil {
					rr.XAuthorize = authz
				}
			}
			if s, ok := ec.Obj("auth/signer"); ok {
				sign, keys := c.krakendSigner(s)
				if sign != nil {
					c.note("%s: an answer that cannot be signed resets the stream unless Envoy's allow_on_headers_stop_iteration and x_allow_on_headers_stop_iteration are set (then 502); see plugin/EXTENSIONS.md, Signing", s.path)
					newRule().XSign = sign
					signing = append(signing, keys...)
				}
			}
			if r != nil {
				c.cfg.Rules = append(c.cfg.Rules, r)
			}
		}
	}
	if len(signing) > 0 {
		set, _ := json.Marshal(map[string]any{"keys": dedupeKeys(signing)})
		c.cfg.XSigningKeys = &signingKeys{LocalJwks: dataSource{InlineString: string(set)}}
	}
}

func krakendName(path string) string {
	n := strings.Trim(krakendPlaceholder.ReplaceAllString(path, "x"), "/")
	if n == "" {
		return ""
	}
	return "-" + strings.ReplaceAll(n, "/", "-")
}

// krakendMatch: the endpoint's path, exact; {placeholders} match one path segment.
func krakendMatch(path string) routeMatch {
	if !krakendPlaceholder.MatchString(path) {
		return pathMatch(path)
	}
	var b strings.Builder
	last := 0
	for _, loc := range krakendPlaceholder.FindAllStringIndex(path, -1) {
		b.WriteString(regexp.QuoteMeta(path[last:loc[0]]))
		b.WriteString("[^/]+")
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(path[last:]))
	return routeMatch{SafeRegex: &regexMatcher{Regex: b.String()}}
}

func (c *converter) krakendValidator(v obj) (*provider, *policy) {
	p := &provider{Issuer: v.Str("issuer"), Audiences: v.StrsOrStr("audience"),
		FromHeaders: []headerLocation{{Name: "Authorization", ValuePrefix: "Bearer "}}}
	if h := v.Str("auth_header_name"); h != "" {
		v.checkHeader("auth_header_name", h)
		p.FromHeaders[0].Name = h
	}
	if ck := v.Str("cookie_key"); ck != "" {
		p.FromCookies = []string{ck}
	}
	switch {
	case v.has("jwk_local_path"):
		name := v.Str("jwk_local_path")
		p.LocalJwks = &dataSource{InlineString: string(c.readFile(v, "jwk_local_path", name))}
		if v.has("jwk_url") {
			v.seen["jwk_url"] = true
			c.drop(v, "jwk_url", "jwk_local_path is set too, and KrakenD then uses the local file")
		}
	case v.has("jwk_url"):
		p.RemoteJwks = c.remote(v, "jwk_url", v.Str("jwk_url"), "")
		cacheDur, hasDur := v.Int("cache_duration")
		if v.Bool("cache") {
			if !hasDur {
				cacheDur = 900 // KrakenD's default: 15 minutes
			}
			p.RemoteJwks.CacheDuration = fmt.Sprintf("%ds", cacheDur)
		} else {
			if v.has("cache") {
				c.drop(v, "cache", "the filter always caches the JWKS (Envoy's default 600 s; KrakenD fetches on every unknown kid without cache)")
			}
			if hasDur {
				c.drop(v, "cache_duration", "only used with cache: true")
			}
		}
	default:
		v.fail("jwk_url", "missing: KrakenD needs jwk_url or jwk_local_path")
	}
	if len(p.Audiences) > 0 {
		c.note("%s: a token for another audience gets 403 here (Envoy's jwt_authn), where KrakenD answers 401", v.at("audience"))
	}
	if l := v.Str("leeway"); l != "" {
		d, err := time.ParseDuration(l)
		if err != nil || d < 0 {
			v.fail("leeway", fmt.Sprintf("want a duration such as \"1m\", got %q", l))
		}
		s := int64(d / time.Second)
		p.ClockSkewSeconds = &s
	}
	for i, pc := range v.listOfPairs("propagate_claims") {
		if pc[0] == "" {
			v.fail(fmt.Sprintf("propagate_claims[%d][0]", i), "missing claim")
		}
		v.checkHeader(fmt.Sprintf("propagate_claims[%d][1]", i), pc[1])
		p.ClaimToHeaders = append(p.ClaimToHeaders, claimToHeader{ClaimName: pc[0], HeaderName: pc[1]})
	}
	// The authorization checks.
	authz := &policy{}
	if roles := v.Strs("roles"); len(roles) > 0 {
		key := v.Str("roles_key")
		if key == "" {
			v.fail("roles_key", "missing: roles need roles_key")
		}
		cond := claimCondition{AnyOf: roles}
		if v.Bool("roles_key_is_nested") {
			cond.Claim = key
		} else {
			cond.ClaimPath = []string{key}
		}
		authz.Claims = append(authz.Claims, cond)
	} else {
		for _, k := range []string{"roles_key", "roles_key_is_nested"} {
			if v.has(k) {
				v.seen[k] = true
			}
		}
	}
	if scopes := v.Strs("scopes"); len(scopes) > 0 {
		key := v.Str("scopes_key")
		if key == "" {
			v.fail("scopes_key", "missing: scopes need scopes_key")
		}
		cond := claimCondition{Claim: key, Split: "space"}
		switch m := v.Str("scopes_matcher"); m {
		case "", "any":
			cond.AnyOf = scopes
		case "all":
			cond.AllOf = scopes
		default:
			v.fail("scopes_matcher", fmt.Sprintf("want any or all, got %q", m))
		}
		authz.Claims = append(authz.Claims, cond)
	} else {
		for _, k := range []string{"scopes_key", "scopes_matcher"} {
			if v.has(k) {
				v.seen[k] = true
			}
		}
	}
	reasons := map[string]string{
		"alg":                   "the filter has no per-provider algorithm allowlist: it accepts every algorithm the keys allow (a JWKS key's alg member restricts it; none and HMAC with a public key are always refused)",
		"operation_debug":       "debug logging; the filter logs through Envoy at Envoy's log level",
		"disable_jwk_security":  "the URL's scheme decides TLS: define the cluster without TLS for an http URL",
		"jwk_fingerprints":      "certificate pinning is the cluster's TLS configuration in Envoy",
		"cipher_suites":         "cipher suites are the cluster's TLS configuration in Envoy",
		"jwk_local_ca":          "the CA is the cluster's TLS configuration in Envoy",
		"key_identify_strategy": "keys are matched by kid (and alg), as Envoy does",
		"secret_url":            "encrypted key files are not supported: decrypt the JWKS and use jwk_local_path",
	}
	for _, k := range v.unread() {
		r, ok := reasons[k]
		if !ok {
			r = "not a KrakenD auth/validator field jwt-migrate knows"
		}
		c.drop(v, k, r)
	}
	if authz.isAlways() {
		return p, nil
	}
	return p, authz
}

// listOfPairs reads [[a, b], ...].
func (o obj) listOfPairs(key string) [][2]string {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	l, isList := v.([]any)
	if !isList {
		o.fail(key, "want a list of [claim, header] pairs, got "+typeName(v))
	}
	out := make([][2]string, len(l))
	for i, e := range l {
		pair, isList := e.([]any)
		if !isList || len(pair) != 2 {
			o.fail(fmt.Sprintf("%s[%d]", key, i), "want a [claim, header] pair")
		}
		for j := range pair {
			s, isStr := pair[j].(string)
			if !isStr {
				o.fail(fmt.Sprintf("%s[%d][%d]", key, i, j), "want a string, got "+typeName(pair[j]))
			}
			out[i][j] = s
		}
	}
	return out
}

// krakendSigner converts auth/signer into x_sign and the private keys for x_signing_keys.
func (c *converter) krakendSigner(s obj) (*signRule, []json.RawMessage) {
	sign := &signRule{KeysToSign: s.Strs("keys_to_sign"), Kid: s.Str("kid"), Full: s.Bool("full")}
	if len(sign.KeysToSign) == 0 {
		s.fail("keys_to_sign", "missing: nothing to sign")
	}
	if sign.Kid == "" {
		s.fail("kid", "missing: the kid of the signing key")
	}
	alg := s.Str("alg")
	var keys []json.RawMessage
	switch {
	case s.has("jwk_local_path"):
		data := c.readFile(s, "jwk_local_path", s.Str("jwk_local_path"))
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal(data, &set); err != nil || len(set.Keys) == 0 {
			s.fail("jwk_local_path", "the file is not a JWKS with keys")
		}
		keys = set.Keys
		found := false
		for _, k := range keys {
			var meta struct{ Kid, Alg string }
			_ = json.Unmarshal(k, &meta)
			if meta.Kid == sign.Kid {
				found = true
				if alg != "" && meta.Alg != alg {
					c.drop(s, "alg", fmt.Sprintf("the signing algorithm is the key's alg member (%q), not %q", meta.Alg, alg))
				}
			}
		}
		if !found {
			s.fail("kid", fmt.Sprintf("no key with kid %q in %s", sign.Kid, s.Str("jwk_local_path")))
		}
	case s.has("jwk_url"):
		s.seen["jwk_url"] = true
		c.drop(s, "jwk_url", "x_signing_keys takes local keys only: download the private JWKS and name it in jwk_local_path; the endpoint signs nothing until then")
		c.rest(s, "the signer is not converted without local keys")
		return nil, nil
	default:
		s.fail("jwk_local_path", "missing: the signer needs jwk_local_path")
	}
	reasons := map[string]string{
		"disable_jwk_security": "no key is fetched: the keys are inline",
		"jwk_fingerprints":     "no key is fetched: the keys are inline",
		"cipher_suites":        "no key is fetched: the keys are inline",
		"secret_url":           "encrypted key files are not supported: decrypt the JWKS and use jwk_local_path",
	}
	for _, k := range s.unread() {
		r, ok := reasons[k]
		if !ok {
			r = "not a KrakenD auth/signer field jwt-migrate knows"
		}
		c.drop(s, k, r)
	}
	return sign, keys
}

func dedupeKeys(keys []json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	seen := map[string]bool{}
	for _, k := range keys {
		var compact struct{ Kid string }
		_ = json.Unmarshal(k, &compact)
		id := compact.Kid + "\x00" + string(k)
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, k)
	}
	return out
}

package plugin

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
)

// This file renders a verified token into request headers: claim_to_headers (Envoy
// AuthenticatorImpl::addJWTClaimToHeader), Gloo's claims_to_headers (x_claims_to_headers)
// and forward_payload_header.
//
// Rendering, by claim type, in the default "envoy" mode (current Envoy):
//   - string: as is;
//   - number: an integer in [0, 2^64) without decimals, any other number as C's "%f"
//     (six decimals), because Envoy reads every JSON number as a double;
//   - true / false;
//   - object or array: base64 (standard, padded) of its JSON;
//   - null, or an empty string: no header.
//
// Extensions per entry (EXTENSIONS.md): x_render "json" puts objects and arrays as compact
// JSON instead of base64; "joined" puts an array's elements, each rendered as above (nested
// objects and arrays as JSON), joined by x_separator (default ","). A value that would
// contain CR, LF or NUL is never set.

type renderMode uint8

const (
	renderEnvoy renderMode = iota
	renderJSON
	renderJoined
)

type claimHeader struct {
	header    string     // lower case
	claim     string     // the claim as configured (claim_name, or claim_path joined by "."), for logs
	segments  []claimSeg // the claim path: claim_path keys, or claim_name split on the delimiter
	render    renderMode
	separator string
	replace   bool // Gloo append: false; Envoy's claim_to_headers always adds
	// keepRequest: x_claims_to_headers keep_request_value; the client's own values of the
	// header reach the upstream, before the claim's.
	keepRequest bool
}

func compileClaimHeader(raw *config.RawClaimToHeader) *claimHeader {
	c := &claimHeader{header: strings.ToLower(raw.Header), replace: raw.Replace, separator: raw.Separator, claim: raw.ClaimName,
		keepRequest: raw.KeepRequestValue}
	if len(raw.ClaimPath) > 0 {
		c.claim = strings.Join(raw.ClaimPath, ".")
		c.segments = claimSegs(raw.ClaimPath)
	} else {
		d := raw.Delimiter
		if d == "" {
			d = "."
		}
		c.segments = claimSegs(strings.Split(raw.ClaimName, d))
	}
	switch raw.Render {
	case "json":
		c.render = renderJSON
	case "joined":
		c.render = renderJoined
		if c.separator == "" {
			c.separator = ","
		}
	}
	return c
}

// value renders the claim from a token's claims; false when there is nothing to set.
func (c *claimHeader) value(claims gjson.Result) (string, bool) {
	s, ok, _ := c.valueOrUnsafe(claims)
	return s, ok
}

// valueOrUnsafe is value, and whether a value was dropped because it holds CR, LF or NUL
// (which no header value may).
func (c *claimHeader) valueOrUnsafe(claims gjson.Result) (value string, ok, unsafe bool) {
	v := findClaim(claims, c.segments, true)
	if !v.Exists() {
		return "", false, false
	}
	var s string
	switch {
	case v.IsArray() && c.render == renderJoined:
		var b strings.Builder
		n := 0
		v.ForEach(func(_, e gjson.Result) bool {
			es, ok := renderScalar(e)
			if !ok {
				if e.IsObject() || e.IsArray() {
					es, ok = compactJSON(e.Raw), true
				}
			}
			if !ok {
				return true
			}
			if n > 0 {
				b.WriteString(c.separator)
			}
			b.WriteString(es)
			n++
			return true
		})
		s = b.String()
	case v.IsObject() || v.IsArray():
		s = compactJSON(v.Raw)
		if c.render == renderEnvoy {
			s = base64.StdEncoding.EncodeToString([]byte(s))
		}
	default:
		var ok bool
		if s, ok = renderScalar(v); !ok {
			return "", false, false
		}
	}
	if s == "" {
		return "", false, false
	}
	if strings.ContainsAny(s, "\r\n\x00") {
		return "", false, true
	}
	return s, true, false
}

func renderScalar(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.String:
		return v.Str, true
	case gjson.Number:
		return envoyNumber(v.Num), true
	case gjson.True:
		return "true", true
	case gjson.False:
		return "false", true
	}
	return "", false
}

// envoyNumber is Envoy's convertClaimDoubleToString.
func envoyNumber(d float64) string {
	if d < 0 || d >= 18446744073709551616.0 || d != math.Trunc(d) {
		return strconv.FormatFloat(d, 'f', 6, 64)
	}
	return strconv.FormatUint(uint64(d), 10)
}

// compactJSON removes insignificant white space from valid JSON. Envoy re-serialises
// through protobuf (key order unspecified, numbers as doubles); keeping the token's own
// order and number spelling is the stable choice here.
func compactJSON(raw string) string {
	if !strings.ContainsAny(raw, " \t\r\n") {
		return raw
	}
	b := make([]byte, 0, len(raw))
	inString, escaped := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			b = append(b, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '"':
			inString = true
		}
		b = append(b, c)
	}
	return string(b)
}

// payloadHeaderValue is forward_payload_header's value: the token's payload segment
// (base64url, unpadded as in the token), padded with '=' when pad_forward_payload_header.
func payloadHeaderValue(raw string, pad bool) string {
	first := strings.IndexByte(raw, '.')
	second := strings.IndexByte(raw[first+1:], '.') + first + 1
	seg := raw[first+1 : second]
	if pad && len(seg)%4 != 0 {
		seg += strings.Repeat("=", 4-len(seg)%4)
	}
	return seg
}

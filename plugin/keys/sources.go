// Package keys is where a provider's keys come from: local_jwks parsed at configuration time
// (sources.go) and remote_jwks fetched through the proxy (fetcher.go), cached per VM with the
// requests paused for a fetch (cache.go) and shared between the VMs of a plugin through
// shared data, with a lease so that one VM fetches at a time (shared.go).
//
// The request path asks a Source for keys with a Request (its time, and where it registers
// the entries it waits for); a paused request is a Waiter, resumed when its entries are
// answered. The plugin binds each compiled configuration's remote providers to the Store of
// its plugin context (Store.Bind).
package keys

import (
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// Source is where a provider's keys come from. The authenticator asks for them only after
// every cheap check has passed, as Envoy's authenticator.cc does.
//
// local_jwks keys are parsed at configuration time (Static). remote_jwks keys are fetched
// through the proxy and cached per VM and in shared data (cache.go): until they are
// there, keys registers the request as waiting and answers statusPending, and the filter
// pauses the request until the fetch is over, then verifies it again from the start.
type Source interface {
	// Keys returns the keys to verify with now, statusPending (the request is registered
	// with c as waiting for a fetch), or the status to fail with.
	Keys(c Request) (*verifier.KeySet, status.Status)
	// UnknownKey is asked when no key matches the token's kid and alg (an IdP may have
	// rotated its keys): it returns other keys to try once more, statusPending while a
	// refetch runs, or the status to fail with.
	UnknownKey(c Request) (*verifier.KeySet, status.Status)
}

// Request is the request asking for keys: its time, and where it registers the entries it
// waits for.
type Request interface {
	Now() time.Time
	Wait(e *Entry)
}

// Static are keys known at configuration time.
type Static struct{ Set *verifier.KeySet }

func (s Static) Keys(Request) (*verifier.KeySet, status.Status) { return s.Set, status.OK }

func (Static) UnknownKey(Request) (*verifier.KeySet, status.Status) {
	return nil, status.JwksKidAlgMismatch
}

// Envoy's defaults for remote_jwks, and ours for the extensions.
const (
	defaultCacheDuration = 10 * time.Minute
	defaultFailedRefetch = time.Second
	// defaultKidRefetch is the x_unknown_kid_refetch_interval default: a token with an
	// unknown kid refetches the JWKS at most this often (by all VMs together), so a flood of
	// random kids cannot hammer the IdP. 30 s is within what key-rotation libraries use
	// (keyfunc 1 min, jwks-rsa 30 s) and short against IdP rotation overlaps (hours).
	defaultKidRefetch = 30 * time.Second
)

// Remote is a remote_jwks provider's fetch settings, validated and with Envoy's defaults
// applied. Compile builds it; plugin start binds it to a Entry of the plugin context's
// Store, which then serves the provider's keys. Unbound (only in unit tests of compile)
// it has no keys and fails closed.
type Remote struct {
	uri           string
	Cluster       string
	Timeout       time.Duration // http_uri.timeout; 0: Envoy's "none" (see tryTimeout)
	CacheDuration time.Duration
	asyncFetch    bool
	FailedRefetch time.Duration
	Retry         *RetryPolicy
	MaxBytes      int           // x_max_jwks_bytes
	KidRefetch    time.Duration // x_unknown_kid_refetch_interval; 0: never refetch for a kid
	// x_discovery: uri is the OpenID Connect discovery document of issuer; each fetch reads
	// it, then the JWKS at its jwks_uri through jwksCluster (x_jwks_cluster, or Cluster).
	discovery   bool
	issuer      string
	jwksCluster string

	Request          [][2]string // the GET, prebuilt
	metaKey, keysKey string      // shared-data keys
}

func (*Remote) Keys(Request) (*verifier.KeySet, status.Status) {
	return nil, status.JwksFetchFail
}

func (*Remote) UnknownKey(Request) (*verifier.KeySet, status.Status) {
	return nil, status.JwksKidAlgMismatch
}

func NewRemote(r *config.RawRemoteJwks) *Remote {
	k := &Remote{uri: r.Uri, Cluster: r.Cluster, Timeout: r.Timeout, CacheDuration: r.CacheDuration,
		asyncFetch: r.AsyncFetch, FailedRefetch: r.FailedRefetch,
		Retry: newRetryPolicy(r.Retry), MaxBytes: int(r.MaxBytes), KidRefetch: defaultKidRefetch}
	if k.CacheDuration == 0 {
		k.CacheDuration = defaultCacheDuration
	}
	if k.FailedRefetch == 0 {
		k.FailedRefetch = defaultFailedRefetch
	}
	if k.MaxBytes == 0 {
		k.MaxBytes = defaultMaxJwksBytes
	}
	if r.HasKidRefetch {
		k.KidRefetch = r.KidRefetch
	}
	k.Request = jwksRequest(k.uri)
	k.metaKey, k.keysKey = sharedKeys(k.Cluster, k.uri)
	if r.Discovery {
		k.discovery, k.issuer, k.jwksCluster = true, r.Issuer, r.JwksCluster
		if k.jwksCluster == "" {
			k.jwksCluster = k.Cluster
		}
		// The JWKS found through this document on this cluster: not the document itself,
		// which a provider without x_discovery could fetch from the same URI.
		k.metaKey, k.keysKey = sharedKeys(k.Cluster, k.uri+"|d:"+k.jwksCluster)
	}
	return k
}

// id identifies the settings: providers with equal settings share one cache entry (and one
// fetch at a time per VM); a new configuration with the same settings keeps the entry and
// its keys.
func (r *Remote) id() string {
	var b strings.Builder
	b.WriteString(r.Cluster)
	b.WriteByte(0)
	b.WriteString(r.uri)
	for _, d := range []time.Duration{r.Timeout, r.CacheDuration, r.FailedRefetch, r.KidRefetch} {
		b.WriteByte(0)
		b.WriteString(strconv.FormatInt(int64(d), 10))
	}
	b.WriteByte(0)
	b.WriteString(strconv.FormatBool(r.asyncFetch))
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(r.MaxBytes))
	if r.discovery {
		b.WriteString("\x00discovery\x00" + r.issuer + "\x00" + r.jwksCluster)
	}
	if r.Retry != nil {
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(r.Retry.Retries) + "/" + strconv.FormatInt(int64(r.Retry.Base), 10) + "/" +
			strconv.FormatInt(int64(r.Retry.MaxDelay), 10))
	}
	return b.String()
}

// LoadLocal parses local_jwks. Envoy only logs a warning for an unusable inline JWKS and
// then fails every request of the provider; we refuse to start instead, with the reason.
// Keys the verifier skips (unsupported type, weak, use other than sig) are reported as
// warnings: the set stays usable with the others.
func LoadLocal(l *config.RawLocalJwks, lookupEnv func(string) (string, bool), probs *config.Problems, warn func(string)) *verifier.KeySet {
	data := l.Data
	at := config.JoinPath(l.Path, l.Source)
	if l.Source == "environment_variable" {
		v, ok := lookupEnv(l.EnvVar)
		if !ok {
			probs.Add(at, "environment variable "+strconv.Quote(l.EnvVar)+" is not set in the Wasm VM (Envoy passes host variables only when listed in vm_config.environment_variables.host_env_keys)")
			return nil
		}
		data = []byte(v)
	}
	var ks *verifier.KeySet
	var err error
	if l.Format == "pem" {
		ks, err = verifier.ParsePEM(data, verifier.KeyOptions{})
	} else {
		if trimmed := strings.TrimSpace(string(data)); strings.HasPrefix(trimmed, "-----BEGIN") {
			probs.Add(at, `holds PEM, not a JWKS; Envoy accepts only a JWKS here. Set "x_format": "pem" beside it to use a PEM key (an extension)`)
			return nil
		}
		ks, err = verifier.ParseJWKS(data, verifier.KeyOptions{})
	}
	if err != nil {
		probs.Add(at, err.Error())
		return nil
	}
	for _, s := range ks.Skipped {
		w := at + ": key " + strconv.Itoa(s.Index)
		if s.KeyID != "" {
			w += " (kid " + strconv.Quote(s.KeyID) + ")"
		}
		warn(w + " skipped: " + s.Reason.Error())
	}
	return ks
}

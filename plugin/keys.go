package plugin

import (
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// keySource is where a provider's keys come from. The authenticator asks for them only after
// every cheap check has passed, as Envoy's authenticator.cc does.
//
// local_jwks keys are parsed at configuration time (staticKeys). remote_jwks keys are fetched
// through the proxy and cached per VM and in shared data (jwks_cache.go): until they are
// there, keys registers the request as waiting and answers statusPending, and the filter
// pauses the request until the fetch is over, then verifies it again from the start.
type keySource interface {
	// keys returns the keys to verify with now, statusPending (the request is registered
	// with c as waiting for a fetch), or the status to fail with.
	keys(c *verifyContext) (*verifier.KeySet, status.Status)
	// unknownKey is asked when no key matches the token's kid and alg (an IdP may have
	// rotated its keys): it returns other keys to try once more, statusPending while a
	// refetch runs, or the status to fail with.
	unknownKey(c *verifyContext) (*verifier.KeySet, status.Status)
}

// staticKeys are keys known at configuration time.
type staticKeys struct{ set *verifier.KeySet }

func (s staticKeys) keys(*verifyContext) (*verifier.KeySet, status.Status) { return s.set, status.OK }

func (staticKeys) unknownKey(*verifyContext) (*verifier.KeySet, status.Status) {
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

// remoteKeys is a remote_jwks provider's fetch settings, validated and with Envoy's defaults
// applied. Compile builds it; plugin start binds it to a jwksEntry of the plugin context's
// jwksStore, which then serves the provider's keys. Unbound (only in unit tests of compile)
// it has no keys and fails closed.
type remoteKeys struct {
	uri           string
	cluster       string
	timeout       time.Duration // http_uri.timeout; 0: Envoy's "none" (see tryTimeout)
	cacheDuration time.Duration
	asyncFetch    bool
	failedRefetch time.Duration
	retry         *retryPolicy
	maxBytes      int           // x_max_jwks_bytes
	kidRefetch    time.Duration // x_unknown_kid_refetch_interval; 0: never refetch for a kid

	request          [][2]string // the GET, prebuilt
	metaKey, keysKey string      // shared-data keys
}

func (*remoteKeys) keys(*verifyContext) (*verifier.KeySet, status.Status) {
	return nil, status.JwksFetchFail
}

func (*remoteKeys) unknownKey(*verifyContext) (*verifier.KeySet, status.Status) {
	return nil, status.JwksKidAlgMismatch
}

func newRemoteKeys(r *config.RawRemoteJwks) *remoteKeys {
	k := &remoteKeys{uri: r.Uri, cluster: r.Cluster, timeout: r.Timeout, cacheDuration: r.CacheDuration,
		asyncFetch: r.AsyncFetch, failedRefetch: r.FailedRefetch,
		retry: newRetryPolicy(r.Retry), maxBytes: int(r.MaxBytes), kidRefetch: defaultKidRefetch}
	if k.cacheDuration == 0 {
		k.cacheDuration = defaultCacheDuration
	}
	if k.failedRefetch == 0 {
		k.failedRefetch = defaultFailedRefetch
	}
	if k.maxBytes == 0 {
		k.maxBytes = defaultMaxJwksBytes
	}
	if r.HasKidRefetch {
		k.kidRefetch = r.KidRefetch
	}
	k.request = jwksRequest(k.uri)
	k.metaKey, k.keysKey = sharedKeys(k.cluster, k.uri)
	return k
}

// id identifies the settings: providers with equal settings share one cache entry (and one
// fetch at a time per VM); a new configuration with the same settings keeps the entry and
// its keys.
func (r *remoteKeys) id() string {
	var b strings.Builder
	b.WriteString(r.cluster)
	b.WriteByte(0)
	b.WriteString(r.uri)
	for _, d := range []time.Duration{r.timeout, r.cacheDuration, r.failedRefetch, r.kidRefetch} {
		b.WriteByte(0)
		b.WriteString(strconv.FormatInt(int64(d), 10))
	}
	b.WriteByte(0)
	b.WriteString(strconv.FormatBool(r.asyncFetch))
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(r.maxBytes))
	if r.retry != nil {
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(r.retry.retries) + "/" + strconv.FormatInt(int64(r.retry.base), 10) + "/" +
			strconv.FormatInt(int64(r.retry.maxDelay), 10))
	}
	return b.String()
}

// loadLocalKeys parses local_jwks. Envoy only logs a warning for an unusable inline JWKS and
// then fails every request of the provider; we refuse to start instead, with the reason.
// Keys the verifier skips (unsupported type, weak, use other than sig) are reported as
// warnings: the set stays usable with the others.
func loadLocalKeys(l *config.RawLocalJwks, lookupEnv func(string) (string, bool), probs *config.Problems, warn func(string)) *verifier.KeySet {
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

package plugin

import (
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// keySource is where a provider's keys come from. The authenticator asks for them only after
// every cheap check has passed, as Envoy's authenticator.cc does.
//
// local_jwks keys are parsed at configuration time (staticKeys). remote_jwks keys will come
// from a fetcher through the proxy (proxy_http_call to http_uri.cluster) that is not written
// yet: remoteKeys validates and keeps everything that fetcher needs, and until it exists it
// has no keys, so verification fails with Envoy's "Jwks remote fetch is failed". A fetcher
// will implement keys() from a cache filled by callouts and tell the filter to pause while
// the first fetch is in flight.
type keySource interface {
	// keys returns the keys to verify with now, or the status to fail with.
	keys(now time.Time) (*verifier.KeySet, status)
}

// staticKeys are keys known at configuration time.
type staticKeys struct{ set *verifier.KeySet }

func (s staticKeys) keys(time.Time) (*verifier.KeySet, status) { return s.set, statusOK }

// Envoy's defaults for remote_jwks.
const (
	defaultCacheDuration = 10 * time.Minute
	defaultFailedRefetch = time.Second
)

// remoteKeys is a remote_jwks provider, fully validated, whose keys are not fetched yet.
type remoteKeys struct {
	uri           string
	cluster       string
	timeout       time.Duration
	cacheDuration time.Duration
	asyncFetch    bool
	fastListener  bool
	failedRefetch time.Duration
	retry         *rawRetryPolicy
}

func (remoteKeys) keys(time.Time) (*verifier.KeySet, status) { return nil, statusJwksFetchFail }

func newRemoteKeys(r *rawRemoteJwks) remoteKeys {
	k := remoteKeys{uri: r.uri, cluster: r.cluster, timeout: r.timeout, cacheDuration: r.cacheDuration,
		asyncFetch: r.asyncFetch, fastListener: r.fastListener, failedRefetch: r.failedRefetch, retry: r.retry}
	if k.cacheDuration == 0 {
		k.cacheDuration = defaultCacheDuration
	}
	if k.failedRefetch == 0 {
		k.failedRefetch = defaultFailedRefetch
	}
	return k
}

// loadLocalKeys parses local_jwks. Envoy only logs a warning for an unusable inline JWKS and
// then fails every request of the provider; we refuse to start instead, with the reason.
// Keys the verifier skips (unsupported type, weak, use other than sig) are reported as
// warnings: the set stays usable with the others.
func loadLocalKeys(l *rawLocalJwks, lookupEnv func(string) (string, bool), probs *problems, warn func(string)) *verifier.KeySet {
	data := l.data
	at := joinPath(l.path, l.source)
	if l.source == "environment_variable" {
		v, ok := lookupEnv(l.envVar)
		if !ok {
			probs.add(at, "environment variable "+strconv.Quote(l.envVar)+" is not set in the Wasm VM (Envoy passes host variables only when listed in vm_config.environment_variables.host_env_keys)")
			return nil
		}
		data = []byte(v)
	}
	var ks *verifier.KeySet
	var err error
	if l.format == "pem" {
		ks, err = verifier.ParsePEM(data, verifier.KeyOptions{})
	} else {
		if trimmed := strings.TrimSpace(string(data)); strings.HasPrefix(trimmed, "-----BEGIN") {
			probs.add(at, `holds PEM, not a JWKS; Envoy accepts only a JWKS here. Set "x_format": "pem" beside it to use a PEM key (an extension)`)
			return nil
		}
		ks, err = verifier.ParseJWKS(data, verifier.KeyOptions{})
	}
	if err != nil {
		probs.add(at, err.Error())
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

package plugin

import (
	"testing"
	"time"
)

func TestRemoteKeysFailUntilFetchingExists(t *testing.T) {
	rt := mustLoad(t, `{"providers":{"r":{"remote_jwks":{"http_uri":{"uri":"https://idp/jwks","cluster":"idp","timeout":"2s"}}}}}`)
	ks, st := rt.byName["r"].keys.keys(now0())
	if ks != nil || st != statusJwksFetchFail {
		t.Errorf("keys = %v, %q; want none and %q", ks, st, statusJwksFetchFail)
	}
	rk := rt.byName["r"].keys.(remoteKeys)
	if rk.cluster != "idp" || rk.timeout != 2*time.Second || rk.cacheDuration != 10*time.Minute || rk.failedRefetch != time.Second {
		t.Errorf("remote source = %+v (defaults: 10m cache, 1s refetch)", rk)
	}
}

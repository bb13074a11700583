package plugin

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/jsonstr"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// Envoy writes payload_in_metadata, header_in_metadata and failed_status_in_metadata into
// the request's dynamic metadata (namespace envoy.filters.http.jwt_authn). A Wasm filter
// cannot write dynamic metadata; the equivalent it has is proxy_set_property, which Envoy
// stores as filter state. Each entry becomes one property:
//
//	path ["jwt_authn.<name>"]  ->  Envoy filter state "wasm.jwt_authn.<name>"
//
// whose value is the JSON text of what Envoy would put under <name>: the payload (with
// normalize_payload_in_metadata applied), the protected header, or
// {"code":<jwt_verify_lib status number>,"message":"<status text>"}. Other Wasm filters read it
// with proxy_get_property(["jwt_authn.<name>"]), CEL with filter_state["wasm.jwt_authn.<name>"].

const metadataPropertyPrefix = "jwt_authn."

// metaEntry is one property to set.
type metaEntry struct {
	key   string // the configured name; the property path is metadataPropertyPrefix + key
	value []byte
}

// payloadMetadata renders a verified payload, splitting the listed top-level string claims
// on spaces into lists (Envoy setPayloadMetadata with space_delimited_claims).
func payloadMetadata(claims gjson.Result, spaceDelimited []string) []byte {
	if len(spaceDelimited) == 0 {
		return []byte(compactJSON(claims.Raw))
	}
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	claims.ForEach(func(k, v gjson.Result) bool {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(compactJSON(k.Raw))
		b.WriteByte(':')
		if v.Type == gjson.String && contains(spaceDelimited, k.Str) {
			b.WriteByte('[')
			m := 0
			for _, part := range strings.Split(v.Str, " ") {
				if part == "" {
					continue
				}
				if m > 0 {
					b.WriteByte(',')
				}
				m++
				b.WriteString(jsonstr.Quote(part))
			}
			b.WriteByte(']')
			return true
		}
		b.WriteString(compactJSON(v.Raw))
		return true
	})
	b.WriteByte('}')
	return []byte(b.String())
}

func failedStatusMetadata(s status.Status) []byte {
	return []byte(`{"code":` + strconv.Itoa(int(s)) + `,"message":` + jsonstr.Quote(s.String()) + `}`)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Package envoyconfig checks that a plugin configuration, without this filter's x_ extension
// keys, is a JwtAuthentication Envoy itself accepts (go-control-plane's proto: protojson rejects
// unknown fields, Validate applies the proto's constraints). The examples' tests use it, and
// jwt-migrate (package migrate) checks every configuration it writes with it.
package envoyconfig

import (
	"encoding/json"
	"fmt"
	"strings"

	jwtv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	"google.golang.org/protobuf/encoding/protojson"
)

// Accepts parses a plugin configuration as Envoy's JwtAuthentication, after removing every x_
// key at any depth.
func Accepts(config []byte) error {
	var v any
	if err := json.Unmarshal(config, &v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	stripped, err := json.Marshal(WithoutExtensions(v))
	if err != nil {
		return err
	}
	var msg jwtv3.JwtAuthentication
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(stripped, &msg); err != nil {
		return fmt.Errorf("protojson: %w", err)
	}
	if err := msg.Validate(); err != nil {
		return fmt.Errorf("Validate: %w", err)
	}
	return nil
}

// WithoutExtensions returns a copy of a decoded JSON value without the object keys that start
// with "x_" (this project's extensions, which Envoy does not know), at any depth.
func WithoutExtensions(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if !strings.HasPrefix(k, "x_") {
				out[k] = WithoutExtensions(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = WithoutExtensions(val)
		}
		return out
	default:
		return v
	}
}

package signer

import (
	"errors"
	"io"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// Why SignMembers refused a body. The texts are short, fixed and safe to send to a client:
// they never quote the body.
var (
	ErrBodyNotObject   = errors.New("response body is not a JSON object without duplicate members")
	ErrMemberNotObject = errors.New("a member to sign is not a JSON object")
	ErrNoMemberToSign  = errors.New("response body has none of the members to sign")
)

// SignMembers replaces each top-level member of body named in names whose value is a JSON
// object by a signature of that object: a compact JWS as a JSON string, or with full the
// flattened JWS JSON object. Other members are kept as they are, in order. It fails when
// body is not a strict JSON object (UTF-8, no duplicate members, nesting at most MaxNesting
// deep), when a named member is not
// an object, when none of names is present, or when signing fails; the caller must then send
// nothing of body.
func SignMembers(body []byte, names []string, k *Key, full bool, random io.Reader) ([]byte, error) {
	s := string(body)
	if !verifier.JSONDepthWithin(body, MaxNesting) || !verifier.StrictJSONObject(s) {
		return nil, ErrBodyNotObject
	}
	out := make([]byte, 0, len(body)+len(body)/2+512)
	out = append(out, '{')
	signed := 0
	var err error
	gjson.Parse(s).ForEach(func(key, v gjson.Result) bool {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, key.Raw...)
		out = append(out, ':')
		if !listed(names, key.Str) {
			out = append(out, v.Raw...)
			return true
		}
		if !v.IsObject() {
			err = ErrMemberNotObject
			return false
		}
		var tok string
		if full {
			tok, err = k.SignFlattened(v.Raw, random)
			out = append(out, tok...)
		} else {
			tok, err = k.SignCompact(v.Raw, random)
			out = append(append(append(out, '"'), tok...), '"')
		}
		signed++
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	if signed == 0 {
		return nil, ErrNoMemberToSign
	}
	return append(out, '}'), nil
}

func listed(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

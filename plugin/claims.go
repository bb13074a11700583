package plugin

import "github.com/tidwall/gjson"

// This file is the one claim-path walker of claim headers and x_authorize.

// claimSeg is one member name of a claim's path.
type claimSeg struct {
	name string
	// get: name is a plain gjson path component (gjson.Escape leaves it unchanged), so
	// gjson's Get finds it, skipping the members before it without parsing them. Other names
	// (with ".", "/", "*", "@", ...) are found by visiting the members, which never allocates,
	// where Get would unescape the component on every call.
	get bool
}

func claimSegs(names []string) []claimSeg {
	out := make([]claimSeg, len(names))
	for i, n := range names {
		out[i] = claimSeg{name: n, get: gjson.Escape(n) == n}
	}
	return out
}

// findClaim walks nested objects by literal member names: every segment is a member name,
// no gjson path syntax is involved, so claim names may hold dots, '*', '#' or anything else;
// only objects are entered, never arrays by index. The verifier refuses a repeated member
// name only at the top level of the payload; inside a nested object, last picks the last
// member of a repeated name (claim headers: Envoy's StructUtils::GetValue over a protobuf
// Struct) and !last the first (x_authorize, which may then use gjson's Get).
func findClaim(claims gjson.Result, path []claimSeg, last bool) gjson.Result {
	node := claims
	for _, seg := range path {
		if !node.IsObject() {
			return gjson.Result{}
		}
		if seg.get && !last {
			node = node.Get(seg.name)
		} else {
			var found gjson.Result
			node.ForEach(func(k, v gjson.Result) bool {
				if k.Str == seg.name {
					found = v
					return last
				}
				return true
			})
			node = found
		}
		if !node.Exists() {
			return gjson.Result{}
		}
	}
	return node
}

package verifier

import "github.com/tidwall/gjson"

// StrictJSONObject reports whether s is exactly what this package accepts as a token header
// or payload: one valid JSON object, UTF-8, with paired \u surrogates and without duplicate
// top-level member names. The signer uses it so that it never signs a payload the verifier
// (and so the filter) would refuse.
func StrictJSONObject(s string) bool {
	if !isJSONObject(s) {
		return false
	}
	var (
		seen memberSet
		dup  bool
	)
	gjson.Parse(s).ForEach(func(k, _ gjson.Result) bool {
		if !seen.add(k.Str) {
			dup = true
			return false
		}
		return true
	})
	return !dup
}

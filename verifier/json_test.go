package verifier

import (
	"strconv"
	"testing"
)

func TestMemberSetFindsDuplicatesInBothModes(t *testing.T) {
	for _, n := range []int{1, smallMembers - 1, smallMembers, smallMembers + 1, 5 * smallMembers} {
		var m memberSet
		for i := 0; i < n; i++ {
			if !m.add("m" + strconv.Itoa(i)) {
				t.Fatalf("n=%d: m%d reported as duplicate", n, i)
			}
		}
		for _, i := range []int{0, n / 2, n - 1} {
			if m.add("m" + strconv.Itoa(i)) {
				t.Fatalf("n=%d: duplicate m%d not found", n, i)
			}
		}
		if !m.add("fresh") {
			t.Fatalf("n=%d: new name reported as duplicate", n)
		}
	}
}

func TestIsJSONObject(t *testing.T) {
	tests := map[string]bool{
		`{}`:               true,
		` {"a":1} `:        true,
		`{"a":{"b":[1]}}`:  true,
		`[]`:               false,
		`"s"`:              false,
		`1`:                false,
		`null`:             false,
		``:                 false,
		`{"a":1}{}`:        false,
		`{"a":1,}`:         false,
		`{'a':1}`:          false,
		`{"a":1} x`:        false,
		"{\"a\":\"\x01\"}": false,
		// What protobuf's JSON parser (Envoy's) refuses and gjson.Valid does not.
		"{\"a\":\"t\xd3M\"}":               false, // not UTF-8
		"{\"\xff\":1}":                     false,
		`{"a":"\ud83d\ude00"}`:             true, // a surrogate pair
		`{"a":"\uD83D\uDE00 and \u00e9"}`:  true,
		`{"a":"\ud83d"}`:                   false, // high surrogate alone
		`{"a":"\ud83dx"}`:                  false,
		`{"a":"\ud83d\u0041"}`:             false, // high surrogate, then no low one
		`{"a":"\ude00"}`:                   false, // low surrogate alone
		`{"a":"\\ud83d"}`:                  true,  // an escaped backslash, then text
		`{"a":"\\\ud83d\ude00","b":"\\u"}`: true,
		`{"a":"é"}`:                        true,
	}
	for in, want := range tests {
		if got := isJSONObject(in); got != want {
			t.Errorf("isJSONObject(%q) = %v, want %v", in, got, want)
		}
	}
}

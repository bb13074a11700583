package config

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// This file reads proto3 JSON the way protojson does, with gjson and without generated
// types: both the proto field name (snake_case) and its JSON name (lowerCamelCase) are
// accepted, unknown and duplicate members are errors, null means "not set", integers may be
// JSON numbers or strings, Durations are "1.5s" strings (the {"seconds": N} object form that
// Envoy's YAML examples use is accepted too). Every problem is collected with its JSON path;
// nothing stops at the first one.

// Problems collects configuration errors as "<json path>: <what is wrong>".
type Problems struct{ List []string }

func (p *Problems) Add(path, msg string) {
	if path == "" {
		path = "(root)"
	}
	p.List = append(p.List, path+": "+msg)
}

func JoinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// lowerCamel is protoc's JSON name of a snake_case field name.
func lowerCamel(snake string) string {
	if !strings.Contains(snake, "_") {
		return snake
	}
	var b strings.Builder
	up := false
	for i := 0; i < len(snake); i++ {
		c := snake[i]
		if c == '_' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b.WriteByte(c)
	}
	return b.String()
}

// object is one decoded JSON object of a known message type. A nil *object stands for an
// absent (or null) message: every getter then returns the zero value.
type object struct {
	path  string
	probs *Problems
	vals  map[string]gjson.Result // canonical field name -> value; null members are left out
}

// decodeObject checks that v is an object whose members are all among fields (snake_case;
// names starting with "x_" are our extensions and accepted only as written).
func decodeObject(v gjson.Result, path string, probs *Problems, fields ...string) *object {
	if !v.Exists() || v.Type == gjson.Null {
		return nil
	}
	if !v.IsObject() {
		probs.Add(path, "must be an object")
		return nil
	}
	o := &object{path: path, probs: probs, vals: make(map[string]gjson.Result, len(fields))}
	seen := make(map[string]bool, len(fields))
	v.ForEach(func(k, val gjson.Result) bool {
		key := k.String()
		name := ""
		for _, f := range fields {
			if key == f || (!strings.HasPrefix(f, "x_") && key == lowerCamel(f)) {
				name = f
				break
			}
		}
		switch {
		case name == "" && strings.HasPrefix(key, "x_"):
			probs.Add(JoinPath(path, key), "unknown extension field (known extensions are listed in plugin/EXTENSIONS.md)")
		case name == "":
			probs.Add(JoinPath(path, key), "unknown field")
		case seen[name]:
			probs.Add(JoinPath(path, key), "duplicate field")
		default:
			seen[name] = true
			if val.Type != gjson.Null {
				o.vals[name] = val
			}
		}
		return true
	})
	return o
}

func (o *object) has(name string) bool {
	if o == nil {
		return false
	}
	_, ok := o.vals[name]
	return ok
}

func (o *object) at(name string) string {
	if o == nil {
		return name
	}
	return JoinPath(o.path, name)
}

func (o *object) raw(name string) (gjson.Result, bool) {
	if o == nil {
		return gjson.Result{}, false
	}
	v, ok := o.vals[name]
	return v, ok
}

func (o *object) str(name string) string {
	v, ok := o.raw(name)
	if !ok {
		return ""
	}
	if v.Type != gjson.String {
		o.probs.Add(o.at(name), "must be a string")
		return ""
	}
	return v.Str
}

func (o *object) boolean(name string) bool {
	v, ok := o.raw(name)
	if !ok {
		return false
	}
	if v.Type != gjson.True && v.Type != gjson.False {
		o.probs.Add(o.at(name), "must be true or false")
		return false
	}
	return v.Type == gjson.True
}

// uint32Field reads a uint32 (also a google.protobuf.UInt32Value, whose JSON form is the bare
// number).
func (o *object) uint32Field(name string) uint32 {
	v, ok := o.raw(name)
	if !ok {
		return 0
	}
	n, good := parseUint(v, math.MaxUint32)
	if !good {
		o.probs.Add(o.at(name), "must be an integer in [0, 4294967295]")
	}
	return uint32(n)
}

func (o *object) int64Field(name string) int64 {
	v, ok := o.raw(name)
	if !ok {
		return 0
	}
	n, good := parseInt(v)
	if !good {
		o.probs.Add(o.at(name), "must be a 64-bit integer")
	}
	return n
}

// numberText is the text of an integer field as protojson reads it: a JSON number, or a
// string holding one (proto3 JSON writes 64-bit integers as strings).
func numberText(v gjson.Result) (string, bool) {
	switch v.Type {
	case gjson.Number:
		return v.Raw, true
	case gjson.String:
		return v.Str, true
	}
	return "", false
}

// parseUint accepts what protojson accepts for unsigned integers: a JSON number or a string
// holding one, integral, in range.
func parseUint(v gjson.Result, limit uint64) (uint64, bool) {
	s, ok := numberText(v)
	if !ok {
		return 0, false
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return n, n <= limit
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > float64(limit) {
		return 0, false
	}
	return uint64(f), true
}

// parseInt is parseUint for signed 64-bit integers.
func parseInt(v gjson.Result) (int64, bool) {
	s, ok := numberText(v)
	if !ok {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// array returns the elements of a repeated field with their paths.
func (o *object) array(name string) []gjson.Result {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	if !v.IsArray() {
		o.probs.Add(o.at(name), "must be an array")
		return nil
	}
	return v.Array()
}

func (o *object) strings(name string) []string {
	var out []string
	for i, e := range o.array(name) {
		if e.Type != gjson.String {
			o.probs.Add(indexPath(o.at(name), i), "must be a string")
			continue
		}
		out = append(out, e.Str)
	}
	return out
}

// mapEntry is one entry of a proto map<string, M> field.
type mapEntry struct {
	key string
	val gjson.Result
}

func (o *object) mapping(name string) []mapEntry {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	if !v.IsObject() {
		o.probs.Add(o.at(name), "must be an object (a map)")
		return nil
	}
	var out []mapEntry
	seen := map[string]bool{}
	v.ForEach(func(k, val gjson.Result) bool {
		if seen[k.String()] {
			o.probs.Add(JoinPath(o.at(name), k.String()), "duplicate map key")
			return true
		}
		seen[k.String()] = true
		out = append(out, mapEntry{key: k.String(), val: val})
		return true
	})
	return out
}

func (o *object) obj(name string, fields ...string) *object {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	return decodeObject(v, o.at(name), o.probs, fields...)
}

// empty reads a google.protobuf.Empty: present means set.
func (o *object) empty(name string) bool {
	if !o.has(name) {
		return false
	}
	o.obj(name)
	return true
}

// oneof returns the member of the oneof group that is set, "" when none is; more than one
// is an error, as in protojson.
func (o *object) oneof(names ...string) string {
	set := ""
	for _, n := range names {
		if !o.has(n) {
			continue
		}
		if set != "" {
			o.probs.Add(o.at(n), "only one of "+strings.Join(names, ", ")+" may be set (already set: "+set+")")
			continue
		}
		set = n
	}
	return set
}

// maxDurationSeconds is google.protobuf.Duration's range.
const maxDurationSeconds = 315576000000

// duration reads a google.protobuf.Duration. The second result is false when the field is
// absent or invalid (invalid is reported).
func (o *object) duration(name string) (time.Duration, bool) {
	v, ok := o.raw(name)
	if !ok {
		return 0, false
	}
	d, err := parseDuration(v)
	if err != "" {
		o.probs.Add(o.at(name), err)
		return 0, false
	}
	return d, true
}

func parseDuration(v gjson.Result) (time.Duration, string) {
	const bad = `must be a duration such as "1.5s" (or {"seconds": 1, "nanos": 500000000})`
	var secs, nanos int64
	switch {
	case v.Type == gjson.String:
		s, ok := strings.CutSuffix(v.Str, "s")
		if !ok || s == "" {
			return 0, bad
		}
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		whole, frac, hasFrac := strings.Cut(s, ".")
		if whole == "" || !allDigits(whole) || (hasFrac && (frac == "" || len(frac) > 9 || !allDigits(frac))) {
			return 0, bad
		}
		n, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, bad
		}
		secs = n
		if hasFrac {
			f, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
			nanos = f
		}
		if neg {
			secs, nanos = -secs, -nanos
		}
	case v.IsObject():
		probs := &Problems{}
		o := decodeObject(v, "", probs, "seconds", "nanos")
		secs = o.int64Field("seconds")
		nanos = o.int64Field("nanos")
		if len(probs.List) > 0 || nanos <= -1e9 || nanos >= 1e9 || (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
			return 0, bad
		}
	default:
		return 0, bad
	}
	if secs > maxDurationSeconds || secs < -maxDurationSeconds {
		return 0, "duration out of range"
	}
	// time.Duration holds about ±292 years; clamp what is beyond (only ever compared).
	if secs > math.MaxInt64/int64(time.Second)-1 {
		return time.Duration(math.MaxInt64), ""
	}
	if secs < math.MinInt64/int64(time.Second)+1 {
		return time.Duration(math.MinInt64), ""
	}
	return time.Duration(secs)*time.Second + time.Duration(nanos), ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// bytesField reads a proto bytes field: base64, standard or URL alphabet, padded or not, as
// protojson accepts.
func (o *object) bytesField(name string) []byte {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	if v.Type != gjson.String {
		o.probs.Add(o.at(name), "must be a base64 string")
		return nil
	}
	s := strings.TrimRight(v.Str, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		o.probs.Add(o.at(name), "is not valid base64")
		return nil
	}
	return b
}

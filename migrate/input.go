package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// MaxInputBytes bounds the input: source configurations are small; anything larger is refused
// before parsing.
const MaxInputBytes = 4 << 20

// maxDepth bounds the nesting of a document (objects and arrays), so hostile input costs little.
const maxDepth = 64

// InputError is bad input: not YAML, a wrong kind, a field of the wrong type. Doc is the
// 1-based document number in the input (0: the input as a whole); Path the field's path in it.
type InputError struct {
	Doc  int
	Path string
	Msg  string
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.Doc > 0 {
		fmt.Fprintf(&b, "document %d: ", e.Doc)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// document is one YAML or JSON document of the input, as generic JSON values.
type document struct {
	index int    // 1-based position in the input
	label string // "Kind namespace/name" for messages, when known
	root  obj
}

// splitDocuments cuts a multi-document YAML stream at its "---" lines and converts each
// non-empty document to JSON values (numbers kept as json.Number).
func splitDocuments(input []byte) ([]*document, error) {
	if len(input) > MaxInputBytes {
		return nil, &InputError{Msg: fmt.Sprintf("input is %d bytes, more than the %d allowed", len(input), MaxInputBytes)}
	}
	var docs []*document
	for i, part := range splitYAMLStream(input) {
		if len(bytes.TrimSpace(stripComments(part))) == 0 {
			continue
		}
		js, err := yaml.YAMLToJSONStrict(part)
		if err != nil {
			return nil, &InputError{Doc: i + 1, Msg: "not YAML or JSON: " + oneLine(err.Error())}
		}
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, &InputError{Doc: i + 1, Msg: "not YAML or JSON: " + oneLine(err.Error())}
		}
		if d := depth(v, 0); d > maxDepth {
			return nil, &InputError{Doc: i + 1, Msg: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &InputError{Doc: i + 1, Msg: "want an object (a mapping), got " + typeName(v)}
		}
		d := &document{index: i + 1}
		d.root = obj{doc: d, m: m, seen: map[string]bool{}}
		docs = append(docs, expandList(d)...)
	}
	if len(docs) == 0 {
		return nil, &InputError{Msg: "no document in the input"}
	}
	return docs, nil
}

// expandList turns a Kubernetes List (what kubectl get -o yaml prints for several resources)
// into one document per item; their paths start with items[i].
func expandList(d *document) []*document {
	if d.root.m["kind"] != "List" || d.root.m["apiVersion"] != "v1" {
		return []*document{d}
	}
	var out []*document
	for _, item := range d.root.List("items") {
		doc := &document{index: d.index}
		item.doc = doc
		doc.root = item
		out = append(out, doc)
	}
	return out
}

// splitYAMLStream cuts at document separators: a line that is "---", possibly followed by
// white space or a comment.
func splitYAMLStream(input []byte) [][]byte {
	var parts [][]byte
	start := 0
	for pos := 0; pos <= len(input); {
		end := bytes.IndexByte(input[pos:], '\n')
		if end < 0 {
			end = len(input)
		} else {
			end += pos
		}
		line := bytes.TrimRight(input[pos:end], "\r")
		if bytes.HasPrefix(line, []byte("---")) {
			rest := bytes.TrimSpace(line[3:])
			if len(rest) == 0 || rest[0] == '#' {
				parts = append(parts, input[start:pos])
				start = end + 1
				if start > len(input) {
					start = len(input)
				}
			}
		}
		pos = end + 1
	}
	return append(parts, input[start:])
}

func stripComments(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			out = append(out, t...)
		}
	}
	return out
}

func depth(v any, d int) int {
	if d > maxDepth {
		return d
	}
	max := d
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			if n := depth(e, d+1); n > max {
				max = n
			}
		}
	case []any:
		for _, e := range t {
			if n := depth(e, d+1); n > max {
				max = n
			}
		}
	}
	return max
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// obj reads one JSON object of a document, remembering which members were read so that the
// rest can be reported as dropped. Accessors panic with an *InputError on a wrong type; Convert
// recovers exactly that type (and nothing else) into an error return.
type obj struct {
	doc  *document
	path string
	m    map[string]any
	seen map[string]bool
}

func (o obj) at(key string) string {
	if key == "" {
		return o.path
	}
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

func (o obj) fail(key, msg string) {
	panic(&InputError{Doc: o.doc.index, Path: o.at(key), Msg: msg})
}

func (o obj) get(key string) (any, bool) {
	o.seen[key] = true
	v, ok := o.m[key]
	if ok && v == nil {
		return nil, false
	}
	return v, ok
}

// has reports whether key is present (not null), without marking it read.
func (o obj) has(key string) bool { v, ok := o.m[key]; return ok && v != nil }

func (o obj) Str(key string) string {
	v, ok := o.get(key)
	if !ok {
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		o.fail(key, "want a string, got "+typeName(v))
	}
	return s
}

func (o obj) Bool(key string) bool {
	v, ok := o.get(key)
	if !ok {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		o.fail(key, "want a boolean, got "+typeName(v))
	}
	return b
}

// Int reads a whole number (a JSON number or a string of digits, as protojson accepts).
func (o obj) Int(key string) (int64, bool) {
	v, ok := o.get(key)
	if !ok {
		return 0, false
	}
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = t
	default:
		o.fail(key, "want a whole number, got "+typeName(v))
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		o.fail(key, fmt.Sprintf("want a whole number between 0 and %d, got %q", int64(1)<<40, text))
	}
	return n, true
}

func (o obj) Strs(key string) []string {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	l, isList := v.([]any)
	if !isList {
		o.fail(key, "want a list of strings, got "+typeName(v))
	}
	out := make([]string, len(l))
	for i, e := range l {
		s, isStr := e.(string)
		if !isStr {
			o.fail(fmt.Sprintf("%s[%d]", key, i), "want a string, got "+typeName(e))
		}
		out[i] = s
	}
	return out
}

// StrsOrStr reads a list of strings, or a single string as a list of one.
func (o obj) StrsOrStr(key string) []string {
	if v, ok := o.m[key].(string); ok {
		o.seen[key] = true
		return []string{v}
	}
	return o.Strs(key)
}

func (o obj) Obj(key string) (obj, bool) {
	v, ok := o.get(key)
	if !ok {
		return obj{}, false
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		o.fail(key, "want an object, got "+typeName(v))
	}
	return obj{doc: o.doc, path: o.at(key), m: m, seen: map[string]bool{}}, true
}

func (o obj) List(key string) []obj {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	l, isList := v.([]any)
	if !isList {
		o.fail(key, "want a list, got "+typeName(v))
	}
	out := make([]obj, len(l))
	for i, e := range l {
		m, isObj := e.(map[string]any)
		p := fmt.Sprintf("%s[%d]", o.at(key), i)
		if !isObj {
			panic(&InputError{Doc: o.doc.index, Path: p, Msg: "want an object, got " + typeName(e)})
		}
		out[i] = obj{doc: o.doc, path: p, m: m, seen: map[string]bool{}}
	}
	return out
}

// Map reads an object whose members are objects (a map by name), in name order.
func (o obj) Map(key string) []named {
	m, ok := o.Obj(key)
	if !ok {
		return nil
	}
	names := make([]string, 0, len(m.m))
	for k := range m.m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]named, 0, len(names))
	for _, n := range names {
		v, _ := m.Obj(n)
		if v.m == nil {
			v = obj{doc: o.doc, path: m.at(n), m: map[string]any{}, seen: map[string]bool{}}
		}
		out = append(out, named{name: n, obj: v})
	}
	return out
}

type named struct {
	name string
	obj
}

// headerName is Envoy's HTTP_HEADER_NAME rule for header names in its configuration.
var headerName = regexp.MustCompile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$")

// checkHeader fails unless value is a header name Envoy accepts.
func (o obj) checkHeader(key, value string) {
	if !headerName.MatchString(value) {
		o.fail(key, fmt.Sprintf("%q is not an HTTP header name", value))
	}
}

// Raw returns a member's JSON value.
func (o obj) Raw(key string) (any, bool) { return o.get(key) }

// unread lists the members not read, in name order.
func (o obj) unread() []string {
	var out []string
	for k, v := range o.m {
		if !o.seen[k] && v != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

package difftest

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Member is one JSON object member whose name and value are kept as raw JSON
// text, so that tests can write what a JSON encoder never would: duplicate
// names, escaped names, numbers such as 1.5e9, invalid values.
type Member struct {
	Name  string // raw JSON string including its quotes, e.g. `"alg"`
	Value string // raw JSON value, e.g. `"RS256"` or `1700000000`
}

// Object is a JSON object with its members in order.
type Object []Member

// String renders the object as compact JSON.
func (o Object) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.Name)
		b.WriteByte(':')
		b.WriteString(m.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// Get returns the raw value of the first member called name.
func (o Object) Get(name string) (string, bool) {
	q := Quote(name)
	for _, m := range o {
		if m.Name == q {
			return m.Value, true
		}
	}
	return "", false
}

// Set replaces the value of the first member called name, or appends one.
func (o Object) Set(name, rawValue string) Object {
	q := Quote(name)
	for i, m := range o {
		if m.Name == q {
			o[i].Value = rawValue
			return o
		}
	}
	return append(o, Member{q, rawValue})
}

// Del removes every member called name.
func (o Object) Del(name string) Object {
	q := Quote(name)
	out := o[:0]
	for _, m := range o {
		if m.Name != q {
			out = append(out, m)
		}
	}
	return out
}

// Clone returns a copy that can be edited without touching o.
func (o Object) Clone() Object { return append(Object(nil), o...) }

// Quote returns s as a JSON string. Only what JSON requires is escaped;
// other UTF-8 passes through, as most JWT issuers write it.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteString(strconv.FormatInt(int64(r)>>4, 16))
			b.WriteString(strconv.FormatInt(int64(r)&15, 16))
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Int renders an integer JSON value.
func Int(n int64) string { return strconv.FormatInt(n, 10) }

// StringArray renders a JSON array of strings.
func StringArray(ss ...string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = Quote(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

package oauth

import "strings"

// Challenge renders one WWW-Authenticate challenge (RFC 9110 §11.6.1): the scheme, then each
// parameter as name="value" separated by ", ". Values are written as quoted strings with '"'
// and '\' escaped and control characters dropped, so no value can end the header or add a
// parameter. Parameters with an empty value are left out.
func Challenge(scheme string, params ...[2]string) string {
	var b strings.Builder
	b.WriteString(scheme)
	first := true
	for _, p := range params {
		if p[1] == "" {
			continue
		}
		if first {
			b.WriteByte(' ')
			first = false
		} else {
			b.WriteString(", ")
		}
		b.WriteString(p[0])
		b.WriteString(`="`)
		for i := 0; i < len(p[1]); i++ {
			c := p[1][i]
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c == 0x7f:
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

package oauth

import "strings"

// MaxURIBytes bounds a URI this package normalises (a proof's htu, a request's URI).
const MaxURIBytes = 4096

// NormalizeHTU returns the form of an absolute http or https URI in which a DPoP proof's htu and
// the request's URI are compared (RFC 9449 §4.3 check 9 and its note): the query and fragment
// dropped, then RFC 3986 §6.2.2 syntax-based normalisation (scheme and host in lower case,
// percent-encodings with upper-case hex digits and those of unreserved characters decoded, dot
// segments removed) and §6.2.3 scheme-based normalisation (the default port and an empty port
// dropped, an empty path written "/").
//
// Refused: other schemes, no authority, userinfo (no legitimate htu carries credentials), an
// empty host, a port that is not a decimal number up to 65535, bytes outside printable ASCII, a
// broken percent-encoding, and anything longer than MaxURIBytes.
func NormalizeHTU(uri string) (string, error) {
	if len(uri) > MaxURIBytes {
		return "", errURIMalformed
	}
	if i := strings.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	for i := 0; i < len(uri); i++ {
		if uri[i] <= ' ' || uri[i] >= 0x7f {
			return "", errURIMalformed
		}
	}
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "", errURIMalformed
	}
	var defaultPort string
	switch {
	case strings.EqualFold(scheme, "https"):
		scheme, defaultPort = "https", "443"
	case strings.EqualFold(scheme, "http"):
		scheme, defaultPort = "http", "80"
	default:
		return "", errURIMalformed
	}
	authority, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	host, port, err := splitAuthority(authority)
	if err != nil {
		return "", err
	}
	if port == defaultPort {
		port = ""
	}
	path, err = normalizePercent(path)
	if err != nil {
		return "", err
	}
	path = removeDotSegments(path)
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(host) + 1 + len(port) + len(path))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(path)
	return b.String(), nil
}

// splitAuthority returns the lower-case host and the port without leading zeros ("" when
// absent or empty).
func splitAuthority(a string) (host, port string, err error) {
	if strings.IndexByte(a, '@') >= 0 {
		return "", "", errURIMalformed
	}
	hostEnd := len(a)
	if strings.HasPrefix(a, "[") {
		i := strings.IndexByte(a, ']')
		if i < 0 {
			return "", "", errURIMalformed
		}
		hostEnd = i + 1
		if hostEnd < len(a) && a[hostEnd] != ':' {
			return "", "", errURIMalformed
		}
	} else if i := strings.IndexByte(a, ':'); i >= 0 {
		hostEnd = i
	}
	host = a[:hostEnd]
	if host == "" || host == "[]" {
		return "", "", errURIMalformed
	}
	if hostEnd < len(a) {
		port = a[hostEnd+1:]
		for len(port) > 1 && port[0] == '0' {
			port = port[1:]
		}
		if len(port) > 5 {
			return "", "", errURIMalformed
		}
		n := 0
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return "", "", errURIMalformed
			}
			n = n*10 + int(port[i]-'0')
		}
		if n > 65535 {
			return "", "", errURIMalformed
		}
	}
	host, err = normalizePercent(host)
	if err != nil {
		return "", "", err
	}
	return lowerASCII(host), port, nil
}

// normalizePercent writes percent-encodings with upper-case hex digits and decodes those of
// unreserved characters (RFC 3986 §6.2.2.1, §6.2.2.2). It returns s itself when nothing changes.
func normalizePercent(s string) (string, error) {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(s) {
			return "", errPercentMalformed
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", errPercentMalformed
		}
		i += 2
		d := hi<<4 | lo
		if isUnreserved(d) {
			b = append(b, d)
			continue
		}
		const hexUpper = "0123456789ABCDEF"
		b = append(b, '%', hexUpper[d>>4], hexUpper[d&15])
	}
	return string(b), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// isUnreserved is RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~".
func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// removeDotSegments is RFC 3986 §5.2.4.
func removeDotSegments(in string) string {
	if !strings.Contains(in, ".") {
		return in
	}
	out := make([]byte, 0, len(in))
	trimLast := func() {
		for len(out) > 0 {
			last := out[len(out)-1]
			out = out[:len(out)-1]
			if last == '/' {
				return
			}
		}
	}
	for len(in) > 0 {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			trimLast()
		case in == "/..":
			in = "/"
			trimLast()
		case in == "." || in == "..":
			in = ""
		default:
			i := 0
			if in[0] == '/' {
				i = 1
			}
			j := strings.IndexByte(in[i:], '/')
			if j < 0 {
				j = len(in)
			} else {
				j += i
			}
			out = append(out, in[:j]...)
			in = in[j:]
		}
	}
	return string(out)
}

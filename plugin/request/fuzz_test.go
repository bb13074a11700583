package request

import (
	"strings"
	"testing"
)

// FuzzQueryAndCookies: parsing the query string and cookies of any request never panics, and
// what the extractor finds agrees with the parse: the first occurrence (Envoy's rule) is the
// first of every occurrence (x_require_valid_tokens); a query value holds no '&' before
// decoding; a cookie holds no ';' and its name no leading space.
func FuzzQueryAndCookies(f *testing.F) {
	f.Add("/api?access_token=a.b.c&x=1&access_token=d", "jwt=a; jwt=\"b\"", "jwt=c", "access_token", "jwt")
	f.Add("/?%61ccess_token=%2e%zz&=&&a", " jwt = x ;;=;jwt", "", "access_token", " jwt ")
	f.Add("/p?q#frag&q=1", "a=\"\"; b=\"", "c=;d", "q", "b")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, path, cookie1, cookie2, param, cookie string) {
		r := NewRequest([][2]string{{":path", path}, {"cookie", cookie1}, {"x", "y"}, {"cookie", cookie2}})
		e := NewExtractor(LocationSource{Params: []string{param}, Cookies: []string{cookie}})
		first := e.Extract(r, nil)
		every := e.ExtractEvery(r, nil)
		firstParam, hasParam := r.DecodedParam(param)
		firstCookie, hasCookie := r.Cookie(cookie)
		var params, cookies []string
		for _, x := range every {
			if x.Loc.Kind == LocParam {
				params = append(params, x.Token)
			} else {
				cookies = append(cookies, x.Token)
			}
		}
		if hasParam != (len(params) > 0) || hasParam && params[0] != firstParam {
			t.Fatalf("param %q: first %q %v, every %q", param, firstParam, hasParam, params)
		}
		if hasCookie != (len(cookies) > 0) || hasCookie && cookies[0] != firstCookie {
			t.Fatalf("cookie %q: first %q %v, every %q", cookie, firstCookie, hasCookie, cookies)
		}
		want := 0
		if hasParam {
			want++
		}
		if hasCookie {
			want++
		}
		if len(first) != want {
			t.Fatalf("Extract found %d tokens, want %d", len(first), want)
		}
		if len(params) > strings.Count(path, "&")+1 {
			t.Fatalf("%d occurrences of %q in %q", len(params), param, path)
		}
		for _, p := range r.rawQuery {
			if strings.ContainsRune(p.name, '&') || strings.ContainsRune(p.value, '&') {
				t.Fatalf("raw query parameter %q=%q holds '&'", p.name, p.value)
			}
			if _, ok := r.RawParam(p.name); !ok {
				t.Fatalf("RawParam(%q) lost it", p.name)
			}
		}
		for _, c := range r.cookies {
			if strings.ContainsRune(c.name, ';') || strings.ContainsRune(c.value, ';') || strings.HasPrefix(c.name, " ") && strings.TrimLeft(c.name, " ") != "" {
				t.Fatalf("cookie %q=%q", c.name, c.value)
			}
		}
	})
}

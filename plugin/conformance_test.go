package plugin_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// The conformance suite: every case file of testdata/conformance (jwt_verify_lib's vectors) and
// testdata/cases (Envoy's jwt_authn behaviour) run on both runners. The case format is described
// in testdata/README.md. A case file is the spec; when a request fails, the message says what was
// expected, what came back and where the expectation comes from.

// caseDirs are searched in this order; file names must be unique across them.
func caseDirs() []string { return []string{"testdata/conformance", "testdata/cases"} }

// minEnvoyCases is the size the Envoy part of the suite must keep (issue 5: at least 150).
const minEnvoyCases = 150

func TestConformance(t *testing.T) {
	for _, cf := range loadCaseFiles(t) {
		t.Run(cf.id, func(t *testing.T) { runCaseFile(t, cf) })
	}
}

// TestConformanceCaseFiles checks the suite itself: every file decodes strictly, every request
// states at least its status, names are unique, and the Envoy part keeps its size.
func TestConformanceCaseFiles(t *testing.T) {
	files := loadCaseFiles(t)
	envoyRequests := 0
	for _, cf := range files {
		if strings.HasPrefix(cf.path, "testdata/cases") {
			envoyRequests += len(cf.Requests)
		}
	}
	if envoyRequests < minEnvoyCases {
		t.Errorf("testdata/cases holds %d requests, want at least %d", envoyRequests, minEnvoyCases)
	}
	if len(files) == 0 {
		t.Fatal("no case files found")
	}
}

// caseFile is one JSON file of the suite.
type caseFile struct {
	Name         string          `json:"name"`
	Source       string          `json:"source"`
	Note         string          `json:"note"`
	Now          unixTime        `json:"now"`
	Config       json.RawMessage `json:"config"`
	EnvoyInvalid bool            `json:"envoy_invalid"`
	JWKSServer   *jwksServer     `json:"jwks_server"`
	JWKSServers  []jwksServer    `json:"jwks_servers"`
	Requests     []caseRequest   `json:"requests"`

	id   string // file name without .json: the subtest name
	path string
}

// jwksServer is what a remote_jwks cluster answers.
type jwksServer struct {
	Cluster string          `json:"cluster"`
	Path    string          `json:"path"`
	Status  int             `json:"status"`
	Body    json.RawMessage `json:"body"`
	BodyRaw *string         `json:"body_raw"`
}

type caseRequest struct {
	Name         string      `json:"name"`
	Source       string      `json:"source"`
	Note         string      `json:"note"`
	Sig          string      `json:"sig"`
	EnvoyUnclear bool        `json:"envoy_unclear"`
	Method       string      `json:"method"`
	Path         string      `json:"path"`
	Headers      headerList  `json:"headers"`
	Expect       expectation `json:"expect"`
}

type expectation struct {
	Status                int                     `json:"status"`
	StatusIn              []int                   `json:"status_in"`
	BodyEquals            *string                 `json:"body_equals"`
	BodyContains          string                  `json:"body_contains"`
	HeaderPresent         []string                `json:"header_present"`
	HeaderAbsent          []string                `json:"header_absent"`
	HeaderEquals          map[string]string       `json:"header_equals"`
	UpstreamHeaders       map[string]headerValues `json:"upstream_headers"`
	UpstreamHeadersAbsent []string                `json:"upstream_headers_absent"`
	UpstreamPath          *string                 `json:"upstream_path"`
}

// unixTime is Unix seconds written as a JSON number or string; zero means unset.
type unixTime int64

func (u *unixTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("now: %q is not Unix seconds", s)
	}
	*u = unixTime(n)
	return nil
}

// headerValues is one header's value or values (one header line each).
type headerValues []string

func (v *headerValues) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*v = headerValues{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("header value %s: want a string or a list of strings", b)
	}
	*v = many
	return nil
}

// headerList keeps the headers in the order the case file gives them.
type headerList []headerEntry

type headerEntry struct {
	name   string
	values headerValues
}

func (l *headerList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("headers: want an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("headers: %w", err)
		}
		var vals headerValues
		if err := dec.Decode(&vals); err != nil {
			return fmt.Errorf("headers.%v: %w", tok, err)
		}
		*l = append(*l, headerEntry{name: strings.ToLower(tok.(string)), values: vals})
	}
	return nil
}

func loadCaseFiles(t *testing.T) []*caseFile {
	t.Helper()
	var files []*caseFile
	seen := map[string]string{}
	for _, dir := range caseDirs() {
		paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			t.Fatalf("listing %s: %v", dir, err)
		}
		sort.Strings(paths)
		for _, p := range paths {
			cf, err := readCaseFile(p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if other, dup := seen[cf.id]; dup {
				t.Fatalf("%s: name %q is also used by %s", p, cf.id, other)
			}
			seen[cf.id] = p
			files = append(files, cf)
		}
	}
	return files
}

func readCaseFile(path string) (*caseFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt expect field must not pass silently
	cf := &caseFile{path: filepath.ToSlash(path), id: strings.TrimSuffix(filepath.Base(path), ".json")}
	if err := dec.Decode(cf); err != nil {
		return nil, err
	}
	if len(cf.Config) == 0 {
		return nil, fmt.Errorf("no config")
	}
	if len(cf.Requests) == 0 {
		return nil, fmt.Errorf("no requests")
	}
	if cf.JWKSServer != nil {
		cf.JWKSServers = append([]jwksServer{*cf.JWKSServer}, cf.JWKSServers...)
	}
	names := map[string]bool{}
	for i, rq := range cf.Requests {
		switch {
		case rq.Name == "":
			return nil, fmt.Errorf("requests[%d]: no name", i)
		case names[rq.Name]:
			return nil, fmt.Errorf("requests[%d]: name %q used twice", i, rq.Name)
		case rq.Expect.Status == 0 && len(rq.Expect.StatusIn) == 0:
			return nil, fmt.Errorf("request %q: expect has neither status nor status_in", rq.Name)
		}
		names[rq.Name] = true
	}
	return cf, nil
}

// remote reports whether the file's config needs JWKS fetched through the proxy.
func (cf *caseFile) remote() bool { return len(cf.JWKSServers) > 0 }

// serverFor picks the JWKS server a callout is meant for: by cluster, then by path.
func (cf *caseFile) serverFor(c filtertest.Callout) *jwksServer {
	var byCluster []*jwksServer
	for i := range cf.JWKSServers {
		if cf.JWKSServers[i].Cluster == c.Cluster {
			byCluster = append(byCluster, &cf.JWKSServers[i])
		}
	}
	if len(byCluster) == 1 {
		return byCluster[0]
	}
	path, _ := c.Headers.Get(":path")
	path, _, _ = strings.Cut(path, "?")
	for _, s := range byCluster {
		if s.Path == path {
			return s
		}
	}
	return nil
}

func (s *jwksServer) response() filtertest.CalloutResponse {
	status := s.Status
	if status == 0 {
		status = 200
	}
	body := []byte(s.Body)
	if s.BodyRaw != nil {
		body = []byte(*s.BodyRaw)
	}
	return filtertest.CalloutResponse{
		Headers: filtertest.Headers{{":status", strconv.Itoa(status)}, {"content-type", "application/json"}},
		Body:    body,
	}
}

// fileState is shared by the requests of one file on one runner, as one Envoy serves them all.
type fileState struct {
	sawCallout bool // the filter dispatched at least one callout
}

func runCaseFile(t *testing.T, cf *caseFile) {
	opt := filtertest.Options{Config: cf.Config}
	if cf.Now != 0 {
		opt.Now = time.Unix(int64(cf.Now), 0).UTC()
	}
	filtertest.Run(t, opt, func(t *testing.T, h filtertest.Host) {
		st := &fileState{}
		answerCallouts(h, cf, st) // e.g. a fetch dispatched at plugin start
		for _, rq := range cf.Requests {
			t.Run(rq.Name, func(t *testing.T) { runRequest(t, h, cf, rq, st) })
		}
		if cf.remote() && !st.sawCallout {
			t.Errorf("%s serves remote_jwks, but the filter never fetched: the file tests nothing of the fetch", cf.path)
		}
	})
}

// answerCallouts answers every pending callout from the file's JWKS servers until none is left;
// a callout to a cluster the file does not serve fails the way Envoy reports a failed call.
func answerCallouts(h filtertest.Host, cf *caseFile, st *fileState) {
	for round := 0; round < 16; round++ {
		pending := h.Callouts()
		if len(pending) == 0 {
			return
		}
		st.sawCallout = true
		// Newest first: the native emulator reuses the ID of an answered callout.
		for i := len(pending) - 1; i >= 0; i-- {
			c := pending[i]
			if srv := cf.serverFor(c); srv != nil {
				h.Respond(c.ID, srv.response())
			} else {
				h.Fail(c.ID)
			}
		}
	}
}

// outcome is what came back for one request.
type outcome struct {
	local    *filtertest.LocalResponse
	status   uint32
	response filtertest.Headers // what the client sees
	upstream filtertest.Headers // nil unless the request reached the upstream
}

func runRequest(t *testing.T, h filtertest.Host, cf *caseFile, rq caseRequest, st *fileState) {
	s := h.NewStream()
	defer s.Done()
	s.SendRequestHeaders(rq.requestHeaders(), true)
	answerCallouts(h, cf, st)

	var got outcome
	switch lr := s.LocalResponse(); {
	case lr != nil:
		got = outcome{local: lr, status: lr.Status, response: lr.Headers}
	case s.Paused():
		t.Fatalf("%s: the filter still holds the request after every callout was answered (pending callouts: %d)",
			rq.describe(), len(h.Callouts()))
	default:
		got = outcome{status: 200, upstream: s.RequestHeaders()}
		s.SendResponseHeaders(filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}}, true)
		got.response = s.ResponseHeaders()
	}

	problems := rq.Expect.check(got)
	if len(problems) == 0 {
		return
	}
	t.Errorf("%s\n  expected: %s\n  got:      %s\n  mismatches:\n    - %s%s",
		rq.describe(), rq.Expect.describe(), got.describe(), strings.Join(problems, "\n    - "), rq.provenance(cf))
}

// requestHeaders builds the request as Envoy hands it to the filter: pseudo-headers first.
func (rq caseRequest) requestHeaders() filtertest.Headers {
	pseudo := map[string]string{":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "https"}
	if rq.Method != "" {
		pseudo[":method"] = rq.Method
	}
	if rq.Path != "" {
		pseudo[":path"] = rq.Path
	}
	var rest filtertest.Headers
	for _, e := range rq.Headers {
		switch {
		case e.name == "host" && len(e.values) > 0:
			pseudo[":authority"] = e.values[0]
		case strings.HasPrefix(e.name, ":") && len(e.values) > 0:
			pseudo[e.name] = e.values[0]
		default:
			for _, v := range e.values {
				rest = append(rest, [2]string{e.name, v})
			}
		}
	}
	hs := filtertest.Headers{{":method", pseudo[":method"]}, {":path", pseudo[":path"]},
		{":authority", pseudo[":authority"]}, {":scheme", pseudo[":scheme"]}}
	return append(hs, rest...)
}

// check returns one line per expectation that does not hold.
func (e expectation) check(got outcome) []string {
	var p []string
	if e.Status != 0 && int(got.status) != e.Status {
		p = append(p, fmt.Sprintf("status: want %d, got %d", e.Status, got.status))
	}
	if len(e.StatusIn) > 0 && !slices.Contains(e.StatusIn, int(got.status)) {
		p = append(p, fmt.Sprintf("status: want one of %v, got %d", e.StatusIn, got.status))
	}
	if e.BodyEquals != nil || e.BodyContains != "" {
		switch {
		case got.local == nil:
			p = append(p, "body: expected a local reply, but the request reached the upstream")
		case e.BodyEquals != nil && string(got.local.Body) != *e.BodyEquals:
			p = append(p, fmt.Sprintf("body: want %q, got %q", *e.BodyEquals, got.local.Body))
		case e.BodyContains != "" && !strings.Contains(string(got.local.Body), e.BodyContains):
			p = append(p, fmt.Sprintf("body: want it to contain %q, got %q", e.BodyContains, got.local.Body))
		}
	}
	for _, name := range e.HeaderPresent {
		if len(got.response.Values(name)) == 0 {
			p = append(p, fmt.Sprintf("response header %s: want present, got none", name))
		}
	}
	for _, name := range e.HeaderAbsent {
		if v := got.response.Values(name); len(v) > 0 {
			p = append(p, fmt.Sprintf("response header %s: want absent, got %q", name, v))
		}
	}
	for _, name := range sortedKeys(e.HeaderEquals) {
		if v := got.response.Values(name); !slices.Equal(v, []string{e.HeaderEquals[name]}) {
			p = append(p, fmt.Sprintf("response header %s: want %q, got %q", name, e.HeaderEquals[name], v))
		}
	}
	wantsUpstream := len(e.UpstreamHeaders) > 0 || len(e.UpstreamHeadersAbsent) > 0 || e.UpstreamPath != nil
	if wantsUpstream && got.upstream == nil {
		return append(p, "upstream: expected the request to reach the upstream, but the filter answered it")
	}
	for _, name := range sortedKeys(e.UpstreamHeaders) {
		want := []string(e.UpstreamHeaders[name])
		if v := got.upstream.Values(name); !slices.Equal(v, want) {
			p = append(p, fmt.Sprintf("upstream header %s: want %s, got %s", name, abbrevList(want), abbrevList(v)))
		}
	}
	for _, name := range e.UpstreamHeadersAbsent {
		if v := got.upstream.Values(name); len(v) > 0 {
			p = append(p, fmt.Sprintf("upstream header %s: want absent, got %s", name, abbrevList(v)))
		}
	}
	if e.UpstreamPath != nil {
		if path, _ := got.upstream.Get(":path"); path != *e.UpstreamPath {
			p = append(p, fmt.Sprintf("upstream :path: want %s, got %s", abbrev(*e.UpstreamPath), abbrev(path)))
		}
	}
	return p
}

func (rq caseRequest) describe() string {
	method := rq.Method
	if method == "" {
		method = "GET"
	}
	path := rq.Path
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("request %q (%s %s)", rq.Name, method, abbrev(path))
}

func (rq caseRequest) provenance(cf *caseFile) string {
	var b strings.Builder
	if rq.EnvoyUnclear {
		b.WriteString("\n  envoy_unclear: Envoy's behaviour here changed across versions or is unconfirmed")
	}
	if rq.Note != "" {
		fmt.Fprintf(&b, "\n  note: %s", rq.Note)
	}
	src := rq.Source
	if src == "" {
		src = cf.Source
	}
	fmt.Fprintf(&b, "\n  source: %s (%s)", src, cf.path)
	return b.String()
}

func (e expectation) describe() string {
	var parts []string
	if e.Status != 0 {
		parts = append(parts, fmt.Sprintf("status %d", e.Status))
	}
	if len(e.StatusIn) > 0 {
		parts = append(parts, fmt.Sprintf("status in %v", e.StatusIn))
	}
	if e.BodyEquals != nil {
		parts = append(parts, fmt.Sprintf("body %q", *e.BodyEquals))
	}
	if e.BodyContains != "" {
		parts = append(parts, fmt.Sprintf("body containing %q", e.BodyContains))
	}
	for _, n := range sortedKeys(e.HeaderEquals) {
		parts = append(parts, fmt.Sprintf("%s: %q", n, e.HeaderEquals[n]))
	}
	for _, n := range sortedKeys(e.UpstreamHeaders) {
		parts = append(parts, fmt.Sprintf("upstream %s: %s", n, abbrevList(e.UpstreamHeaders[n])))
	}
	if len(e.UpstreamHeadersAbsent) > 0 {
		parts = append(parts, fmt.Sprintf("upstream without %v", e.UpstreamHeadersAbsent))
	}
	if e.UpstreamPath != nil {
		parts = append(parts, "upstream :path "+abbrev(*e.UpstreamPath))
	}
	return strings.Join(parts, "; ")
}

func (o outcome) describe() string {
	if o.local != nil {
		return fmt.Sprintf("local reply %d, body %q, headers %s", o.local.Status, o.local.Body, abbrevHeaders(o.local.Headers))
	}
	return fmt.Sprintf("reached the upstream with %s", abbrevHeaders(o.upstream))
}

// abbrev shortens the long values (mostly tokens) so a failure stays readable.
func abbrev(s string) string {
	const max = 72
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q…(%d bytes)", s[:48], len(s))
}

func abbrevList(v []string) string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = abbrev(s)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

func abbrevHeaders(h filtertest.Headers) string {
	out := make([]string, len(h))
	for i, kv := range h {
		out[i] = kv[0] + "=" + abbrev(kv[1])
	}
	return "{" + strings.Join(out, " ") + "}"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

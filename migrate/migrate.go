// Package migrate converts the JWT configuration of other gateways (Istio, Gloo Edge, Gloo Mesh,
// KrakenD, agentgateway) into this filter's configuration: Envoy's JwtAuthentication JSON plus
// the x_ keys of plugin/EXTENSIONS.md. Every source field is either converted or reported as a
// Drop with the reason; nothing is dropped silently. cmd/jwt-migrate is the command around it.
package migrate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/envoyconfig"
)

// Kinds are the sources Convert reads, as named by jwt-migrate's -from flag.
var Kinds = []string{"istio", "gloo-edge", "gloo-mesh", "krakend", "agentgateway"}

// Options configure one conversion.
type Options struct {
	// ReadFile reads a file the source names (KrakenD's jwk_local_path, agentgateway's
	// jwks.file), relative to the input file. Nil: such files cannot be read (an input error).
	ReadFile func(name string) ([]byte, error)
}

// Drop is a source field that was not carried over.
type Drop struct {
	Doc    int    // 1-based document number
	Label  string // the document's kind and name, when known
	Path   string // the field's path in the document
	Reason string
	// Widens is set when dropping the field lets through requests the source refused (an
	// authorization rule): the line starts with "WARNING:".
	Widens bool
}

func (d Drop) String() string {
	var b strings.Builder
	if d.Widens {
		b.WriteString("WARNING: ")
	}
	fmt.Fprintf(&b, "document %d", d.Doc)
	if d.Label != "" {
		fmt.Fprintf(&b, " (%s)", d.Label)
	}
	fmt.Fprintf(&b, ": %s: dropped: %s", d.Path, d.Reason)
	return b.String()
}

// Cluster is an Envoy cluster the configuration names (for a remote JWKS), which the user must
// define in Envoy.
type Cluster struct {
	Name string
	Host string
	Port int
	TLS  bool
	// URIs are the URIs fetched through it.
	URIs []string
}

func (c Cluster) String() string {
	tls := "plain HTTP (no TLS)"
	if c.TLS {
		tls = "TLS (SNI " + c.Host + ")"
	}
	return fmt.Sprintf("cluster %s: host %s, port %d, %s; fetches %s", c.Name, c.Host, c.Port, tls, strings.Join(c.URIs, ", "))
}

// Result is a conversion's output.
type Result struct {
	// Config is the filter's configuration, indented JSON.
	Config   []byte
	Drops    []Drop
	Clusters []Cluster
	// Notes are further facts the user should know (no field was dropped for them).
	Notes []string
}

// Convert reads input (YAML or JSON, several YAML documents allowed) of the given kind. An
// *InputError is bad input; any other error is a configuration the filter cannot express at all.
func Convert(kind string, input []byte, opt Options) (res *Result, err error) {
	docs, err := splitDocuments(input)
	if err != nil {
		return nil, err
	}
	c := &converter{opt: opt, cfg: &filterConfig{Providers: map[string]*provider{}}, clusters: map[string]*Cluster{},
		providerByJSON: map[string]string{}}
	defer func() {
		if r := recover(); r != nil {
			ie, ok := r.(*InputError)
			if !ok {
				panic(r)
			}
			res, err = nil, ie
		}
	}()
	switch kind {
	case "istio":
		c.istio(docs)
	case "gloo-edge":
		c.glooEdge(docs)
	case "gloo-mesh":
		c.glooMesh(docs)
	case "krakend":
		c.krakend(docs)
	case "agentgateway":
		c.agentgateway(docs)
	default:
		return nil, &InputError{Msg: fmt.Sprintf("unknown source kind %q (want one of %s)", kind, strings.Join(Kinds, ", "))}
	}
	return c.result()
}

type converter struct {
	opt            Options
	cfg            *filterConfig
	providerByJSON map[string]string
	drops          []Drop
	notes          []string
	clusters       map[string]*Cluster
}

func (c *converter) drop(o obj, key, reason string) {
	c.drops = append(c.drops, Drop{Doc: o.doc.index, Label: o.doc.label, Path: o.at(key), Reason: reason})
}

func (c *converter) dropWidens(o obj, key, reason string) {
	c.drops = append(c.drops, Drop{Doc: o.doc.index, Label: o.doc.label, Path: o.at(key), Reason: reason, Widens: true})
}

// rest reports every member of o that was not read as dropped.
func (c *converter) rest(o obj, reason string) {
	for _, k := range o.unread() {
		c.drop(o, k, reason)
	}
}

func (c *converter) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

func (c *converter) result() (*Result, error) {
	if len(c.cfg.Providers) == 0 && c.cfg.XSigningKeys == nil {
		return nil, &InputError{Msg: "the input has no JWT configuration to convert"}
	}
	if len(c.cfg.Providers) == 0 {
		c.cfg.Providers = nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c.cfg); err != nil {
		return nil, err
	}
	// The output must be a configuration Envoy's own proto accepts (without the x_ keys): an
	// unusual value that slipped through the checks above is refused here, never written.
	if err := envoyconfig.Accepts(buf.Bytes()); err != nil {
		return nil, &InputError{Msg: "the converted configuration would not be accepted by Envoy: " + oneLine(err.Error())}
	}
	res := &Result{Config: buf.Bytes(), Drops: c.drops, Notes: c.notes}
	names := make([]string, 0, len(c.clusters))
	for n := range c.clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		res.Clusters = append(res.Clusters, *c.clusters[n])
	}
	return res, nil
}

// addProvider adds p under a name derived from base; an identical provider already present is
// reused. It returns the name.
func (c *converter) addProvider(base string, p *provider) string {
	key, _ := json.Marshal(p)
	if name, ok := c.providerByJSON[string(key)]; ok {
		return name
	}
	name := sanitizeName(base)
	for i := 2; c.cfg.Providers[name] != nil; i++ {
		name = sanitizeName(base) + "-" + strconv.Itoa(i)
	}
	c.cfg.Providers[name] = p
	c.providerByJSON[string(key)] = name
	return name
}

func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "provider"
	}
	return b.String()
}

// defaultFetchTimeout is http_uri.timeout when the source has none (Envoy requires one; Istio's
// default is 5 s).
const defaultFetchTimeout = "5s"

// remote makes a remote_jwks for uri, with a cluster named after the URI's host, and records
// the cluster. o and key name the source field, for the error on a bad URL.
func (c *converter) remote(o obj, key, uri, timeout string) *remoteJwks {
	cl, err := clusterFor(uri)
	if err != nil {
		o.fail(key, err.Error())
	}
	if timeout == "" {
		timeout = defaultFetchTimeout
	}
	if have := c.clusters[cl.Name]; have != nil {
		if have.Port != cl.Port || have.TLS != cl.TLS {
			o.fail(key, fmt.Sprintf("%s needs cluster %s with port %d, TLS %v, but another URL of the input needs it with port %d, TLS %v",
				uri, cl.Name, cl.Port, cl.TLS, have.Port, have.TLS))
		}
		if !contains(have.URIs, uri) {
			have.URIs = append(have.URIs, uri)
		}
	} else {
		c.clusters[cl.Name] = cl
	}
	return &remoteJwks{HTTPURI: httpURI{URI: uri, Cluster: cl.Name, Timeout: timeout}}
}

// clusterFor derives the cluster of an http(s) URL: jwks_ and the host with every character
// other than a letter or digit replaced by "_", plus the port when it is not the scheme's.
func clusterFor(uri string) (*Cluster, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("want an absolute http or https URL without user info, got %q", uri)
	}
	host := strings.ToLower(u.Hostname())
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	name := "jwks_" + clusterSafe(host)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("bad port in %q", uri)
		}
		if n != port {
			name += "_" + p
		}
		port = n
	}
	if host == "" || net.ParseIP(host) == nil && strings.ContainsAny(host, " /\\") {
		return nil, fmt.Errorf("bad host in %q", uri)
	}
	return &Cluster{Name: name, Host: host, Port: port, TLS: u.Scheme == "https", URIs: []string{uri}}, nil
}

func clusterSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// discovery makes a remote_jwks that discovers the keys from the issuer's OpenID configuration
// (x_discovery).
func (c *converter) discovery(o obj, key, issuer, timeout string) *remoteJwks {
	if u, err := url.Parse(issuer); err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		o.fail(key, fmt.Sprintf("no jwksUri or jwks, and the keys cannot be discovered from the issuer %q, which is not an http(s) URL: set jwksUri or jwks", issuer))
	}
	uri := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	r := c.remote(o, key, uri, timeout)
	r.XDiscovery = true
	c.note("%s: the keys are discovered from %s (x_discovery); if its jwks_uri names another host, define that cluster too and set remote_jwks.x_jwks_cluster", o.at(key), uri)
	return r
}

// duration reads a duration ("300s", "5m", "1h30m"; Kubernetes and Gloo write either) and
// writes it as proto3 JSON does: seconds with an "s".
func (o obj) duration(key string) string {
	text := o.Str(key)
	if text == "" {
		return ""
	}
	d, err := time.ParseDuration(text)
	if err != nil || d < 0 || d > 100*365*24*time.Hour {
		o.fail(key, fmt.Sprintf("want a duration such as \"300s\" or \"5m\", got %q", text))
	}
	return protoDuration(d)
}

func protoDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", int64(d/time.Second))
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// localKeys is a local_jwks for key material: a JWKS, or PEM (x_format "pem").
func localKeys(material string) *dataSource {
	if strings.Contains(material, "-----BEGIN ") {
		return &dataSource{InlineString: material, XFormat: "pem"}
	}
	return &dataSource{InlineString: material}
}

func (c *converter) readFile(o obj, key, name string) []byte {
	if c.opt.ReadFile == nil {
		o.fail(key, "names a file, but files cannot be read here")
	}
	data, err := c.opt.ReadFile(name)
	if err != nil {
		o.fail(key, "cannot read "+strconv.Quote(name)+": "+oneLine(err.Error()))
	}
	return data
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// kindOf reads a Kubernetes-style document's apiVersion, kind and name, and sets its label.
func kindOf(d *document) (apiVersion, kind string) {
	apiVersion = d.root.Str("apiVersion")
	kind = d.root.Str("kind")
	name := ""
	if md, ok := d.root.Obj("metadata"); ok {
		name = md.Str("name")
		if ns := md.Str("namespace"); ns != "" {
			name = ns + "/" + name
		}
	}
	d.label = strings.TrimSpace(kind + " " + name)
	return apiVersion, kind
}

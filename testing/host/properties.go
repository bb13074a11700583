package host

import (
	"net"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// Properties follow Envoy Context::getProperty: the path is split at NUL bytes; the first part
// names a top-level attribute (Envoy's CEL StreamActivation, then the plugin_* tokens, then
// filter state set with proxy_set_property); later parts select map keys or message fields.
// Values are Envoy-encoded (serializeValue): strings raw, int64/uint64/timestamps as 8 bytes
// little-endian, bools as 1 byte, maps as serialised pairs, messages as protobuf.

// propValue is an attribute value before serialisation.
type propValue struct {
	raw   []byte // scalar, already encoded
	attrs map[string]func() (propValue, bool)
	order []string // keys of attrs, for serialising the whole map
	isMap bool     // serialises as pairs; otherwise raw (a scalar or a protobuf message)
}

func strProp(s string) (propValue, bool) { return propValue{raw: []byte(s)}, true }
func i64Prop(v int64) (propValue, bool)  { return propValue{raw: le64(uint64(v))}, true }
func u64Prop(v uint64) (propValue, bool) { return propValue{raw: le64(v)}, true }
func boolProp(b bool) (propValue, bool) {
	if b {
		return propValue{raw: []byte{1}}, true
	}
	return propValue{raw: []byte{0}}, true
}

func mapProp(order []string, attrs map[string]func() (propValue, bool)) (propValue, bool) {
	return propValue{attrs: attrs, order: order, isMap: true}, true
}

// serialize encodes a value; a map becomes pairs of its present keys.
func (p propValue) serialize() []byte {
	if !p.isMap {
		return p.raw
	}
	var pairs [][2]string
	for _, k := range p.order {
		if v, ok := p.attrs[k](); ok {
			pairs = append(pairs, [2]string{k, string(v.serialize())})
		}
	}
	return encodePairs(pairs)
}

// property resolves path for context c.
func (v *vm) property(c *hctx, path string) ([]byte, Status) {
	parts := strings.Split(path, "\x00")
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return nil, StatusNotFound
	}
	val, ok := v.topLevel(c, parts[0])
	if !ok {
		return nil, StatusNotFound
	}
	for _, part := range parts[1:] {
		if val.attrs == nil {
			return nil, StatusNotFound
		}
		get, ok := val.attrs[part]
		if !ok {
			return nil, StatusNotFound
		}
		if val, ok = get(); !ok {
			return nil, StatusNotFound
		}
	}
	return val.serialize(), StatusOK
}

func (v *vm) topLevel(c *hctx, name string) (propValue, bool) {
	var s *Stream
	if c != nil {
		s = c.stream
	}
	o := v.h.opts
	switch name {
	case "plugin_name":
		return strProp(o.PluginName)
	case "plugin_root_id":
		return strProp(o.RootID)
	case "plugin_vm_id":
		return strProp(o.VMID)
	case "node":
		return nodeProp(o.Node)
	case "listener_direction":
		return i64Prop(0) // UNSPECIFIED: the plugin is not on a listener with a direction
	}
	if s == nil {
		// The root context has no stream info: every per-request attribute is absent.
		return propValue{}, false
	}
	switch name {
	case "request":
		return s.requestProp()
	case "response":
		return s.responseProp()
	case "source":
		return peerProp(s.opts.SourceAddress)
	case "destination":
		return peerProp(s.opts.DestinationAddress)
	case "connection":
		return s.connectionProp()
	case "connection_id":
		return u64Prop(uint64(s.c.id))
	case "route_name":
		return strProp("")
	}
	// proxy_set_property values, stored as Envoy filter state "wasm.<name>".
	if val, ok := c.filterState[name]; ok {
		return propValue{raw: val}, true
	}
	return propValue{}, false
}

// headersReachable mirrors Envoy's activation headers: request_headers_ while the module may
// touch them, or the access-log copy during proxy_on_log.
func (s *Stream) headersReachable() bool { return s.reqLive || s.inLog }

func (s *Stream) requestProp() (propValue, bool) {
	hdr := func(name string) func() (propValue, bool) {
		return func() (propValue, bool) {
			if !s.headersReachable() {
				return propValue{}, false
			}
			if v, ok := headerValue(s.reqHeaders, name); ok {
				return strProp(v)
			}
			return propValue{}, false
		}
	}
	path := func() (string, bool) {
		if !s.headersReachable() {
			return "", false
		}
		return headerValue(s.reqHeaders, ":path")
	}
	attrs := map[string]func() (propValue, bool){
		"path":      hdr(":path"),
		"host":      hdr(":authority"),
		"scheme":    hdr(":scheme"),
		"method":    hdr(":method"),
		"referer":   hdr("referer"),
		"useragent": hdr("user-agent"),
		"id":        hdr("x-request-id"),
		"url_path": func() (propValue, bool) {
			p, ok := path()
			if !ok {
				return propValue{}, false
			}
			if i := strings.IndexByte(p, '?'); i >= 0 {
				p = p[:i]
			}
			return strProp(p)
		},
		"query": func() (propValue, bool) {
			p, ok := path()
			if !ok {
				return propValue{}, false
			}
			if i := strings.IndexByte(p, '?'); i >= 0 {
				return strProp(p[i+1:])
			}
			return strProp("")
		},
		"headers": func() (propValue, bool) {
			if !s.headersReachable() {
				return propValue{}, false
			}
			return headersProp(s.reqHeaders)
		},
		"time":     func() (propValue, bool) { return i64Prop(s.t0.UnixNano()) },
		"protocol": func() (propValue, bool) { return strProp(s.opts.Protocol) },
	}
	return mapProp([]string{"path", "url_path", "host", "scheme", "method", "headers", "referer", "useragent", "time", "id", "protocol", "query"}, attrs)
}

func (s *Stream) responseProp() (propValue, bool) {
	respHeaders := func() ([][2]string, bool) {
		return s.clientResponseHeaders(), s.localDirect || s.respLive || s.inLog
	}
	attrs := map[string]func() (propValue, bool){
		"code": func() (propValue, bool) {
			h, ok := respHeaders()
			if !ok {
				return propValue{}, false
			}
			st, ok := headerValue(h, ":status")
			n, err := strconv.ParseInt(st, 10, 64)
			if !ok || err != nil {
				return propValue{}, false
			}
			return i64Prop(n)
		},
		"code_details": func() (propValue, bool) {
			if s.local != nil {
				return strProp(s.local.Details)
			}
			return propValue{}, false
		},
		"headers": func() (propValue, bool) {
			h, ok := respHeaders()
			if !ok {
				return propValue{}, false
			}
			return headersProp(h)
		},
	}
	return mapProp([]string{"code", "code_details", "headers"}, attrs)
}

func (s *Stream) connectionProp() (propValue, bool) {
	attrs := map[string]func() (propValue, bool){
		"mtls":                  func() (propValue, bool) { return boolProp(s.opts.MTLS) },
		"requested_server_name": func() (propValue, bool) { return strProp(s.opts.RequestedServerName) },
		"id":                    func() (propValue, bool) { return u64Prop(uint64(s.c.id)) },
		"sha256_peer_certificate_digest": func() (propValue, bool) {
			if s.opts.PeerCertificateSHA256 == "" {
				return propValue{}, false
			}
			return strProp(s.opts.PeerCertificateSHA256)
		},
	}
	return mapProp([]string{"mtls", "requested_server_name", "id", "sha256_peer_certificate_digest"}, attrs)
}

// peerProp is Envoy's PeerWrapper: address "ip:port" and port as int64.
func peerProp(addr string) (propValue, bool) {
	attrs := map[string]func() (propValue, bool){
		"address": func() (propValue, bool) { return strProp(addr) },
		"port": func() (propValue, bool) {
			_, p, err := net.SplitHostPort(addr)
			if err != nil {
				return propValue{}, false
			}
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return propValue{}, false
			}
			return i64Prop(n)
		},
	}
	return mapProp([]string{"address", "port"}, attrs)
}

// headersProp is a header map as CEL sees it: lower-case names, repeated values joined by ",".
func headersProp(h [][2]string) (propValue, bool) {
	attrs := map[string]func() (propValue, bool){}
	var order []string
	for _, kv := range h {
		name := kv[0]
		if _, seen := attrs[name]; seen {
			continue
		}
		order = append(order, name)
		attrs[name] = func() (propValue, bool) {
			return strProp(strings.Join(headerValues(h, name), ","))
		}
	}
	return mapProp(order, attrs)
}

// nodeProp is envoy.config.core.v3.Node: the whole message serialises as protobuf (fields 1
// id and 2 cluster); node\0id and node\0cluster select the strings.
func nodeProp(n Node) (propValue, bool) {
	var msg []byte
	if n.ID != "" {
		msg = protowire.AppendTag(msg, 1, protowire.BytesType)
		msg = protowire.AppendString(msg, n.ID)
	}
	if n.Cluster != "" {
		msg = protowire.AppendTag(msg, 2, protowire.BytesType)
		msg = protowire.AppendString(msg, n.Cluster)
	}
	return propValue{raw: msg, attrs: map[string]func() (propValue, bool){
		"id":      func() (propValue, bool) { return strProp(n.ID) },
		"cluster": func() (propValue, bool) { return strProp(n.Cluster) },
	}}, true
}

func headerValue(h [][2]string, name string) (string, bool) {
	for _, kv := range h {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

func headerValues(h [][2]string, name string) []string {
	var out []string
	for _, kv := range h {
		if kv[0] == name {
			out = append(out, kv[1])
		}
	}
	return out
}

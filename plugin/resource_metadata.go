package plugin

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
)

// metadataDetails is the response code details of the RFC 9728 document's local reply.
const metadataDetails = "jwt_authn_protected_resource_metadata"

// serveMetadata answers GET and HEAD of the x_protected_resource paths with the RFC 9728
// document (§3.2: 200, application/json), before any rule is looked at; it reports whether it
// did. HEAD gets the headers without the body.
func (f *httpContext) serveMetadata(req *request.Request) bool {
	pr := f.rt.res.protected
	if pr == nil {
		return false
	}
	m := req.Method()
	if (m != "GET" && m != "HEAD") || !pr.Serves(req.Path()) {
		return false
	}
	headers := [][2]string{
		{"content-type", "application/json"},
		{"access-control-allow-origin", "*"},
	}
	var body []byte
	if m == "GET" {
		body = pr.Document()
	}
	f.state = stateResponded
	if err := sendLocalReply(200, headers, body, metadataDetails); err != nil {
		proxywasm.LogCritical("jwt_authn: sending the protected resource metadata failed: " + err.Error())
	}
	return true
}

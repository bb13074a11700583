package request

// Prefix is the location's value_prefix ("" for the whole value, and for parameters and
// cookies): with the header name it tells how a token was presented, such as the DPoP scheme
// (Authorization: DPoP <token>) of RFC 9449 §7.1.
func (l *location) Prefix() string { return l.prefix }

// Package p256 verifies ECDSA P-256 signatures against a public key whose
// multiples are precomputed, for the verifier's ES256 keys.
//
// Why: in wasm, Go's crypto/ecdsa runs the generic constant-time P-256 code
// (no assembly, no 64x64->128 multiply), about 1 ms per signature on wazero,
// four RSA-2048 checks. Verification handles only public data (the key, the
// message, the signature), so it needs no constant time, and keys are
// long-lived: a table of multiples of the public point Q, computed once per
// key object (once per JWKS version), turns u2*Q into 43 additions with no
// doubling, as a static table of the generator does for u1*G.
//
// Layout: field.go (arithmetic modulo p and modulo n on 4x64-bit limbs in
// Montgomery form, math/bits), point.go (Jacobian points, mixed addition,
// doubling), table.go (the 6-bit signed-window tables and Verify).
//
// Nothing here is constant time: never use it with secret scalars.
package p256

import "math/bits"

// elem is a number modulo p or n in Montgomery form (x*2^256 mod m), four
// 64-bit limbs, least significant first.
type elem [4]uint64

// modulus is p or n with the Montgomery constant -m^-1 mod 2^64.
type modulus struct {
	m   elem
	inv uint64
	rr  elem // 2^512 mod m, to enter Montgomery form
}

var (
	// p = 2^256 - 2^224 + 2^192 + 2^96 - 1
	fp = modulus{
		m:   elem{0xffffffffffffffff, 0x00000000ffffffff, 0, 0xffffffff00000001},
		inv: 1,
		rr:  elem{0x0000000000000003, 0xfffffffbffffffff, 0xfffffffffffffffe, 0x00000004fffffffd},
	}
	// n, the order of the group
	fn = modulus{
		m:   elem{0xf3b9cac2fc632551, 0xbce6faada7179e84, 0xffffffffffffffff, 0xffffffff00000000},
		inv: 0xccd1c8aaee00bc4f,
		rr:  elem{0x83244c95be79eea2, 0x4699799c49bd6fa6, 0x2845b2392b6bec59, 0x66e12d94f3d95620},
	}
)

// mul sets z = x*y/2^256 mod m (CIOS Montgomery multiplication). x, y < m.
func (md *modulus) mul(z, x, y *elem) {
	var t0, t1, t2, t3, t4 uint64
	m := &md.m
	for i := 0; i < 4; i++ {
		yi := y[i]
		var c, hi, lo, cc uint64
		// t += x*yi
		hi, lo = bits.Mul64(x[0], yi)
		t0, cc = bits.Add64(t0, lo, 0)
		c = hi + cc
		hi, lo = bits.Mul64(x[1], yi)
		lo, cc = bits.Add64(lo, c, 0)
		hi += cc
		t1, cc = bits.Add64(t1, lo, 0)
		c = hi + cc
		hi, lo = bits.Mul64(x[2], yi)
		lo, cc = bits.Add64(lo, c, 0)
		hi += cc
		t2, cc = bits.Add64(t2, lo, 0)
		c = hi + cc
		hi, lo = bits.Mul64(x[3], yi)
		lo, cc = bits.Add64(lo, c, 0)
		hi += cc
		t3, cc = bits.Add64(t3, lo, 0)
		c = hi + cc
		t4, cc = bits.Add64(t4, c, 0)
		t5 := cc
		// t = (t + q*m) / 2^64
		q := t0 * md.inv
		hi, lo = bits.Mul64(q, m[0])
		_, cc = bits.Add64(t0, lo, 0)
		c = hi + cc
		hi, lo = bits.Mul64(q, m[1])
		lo, cc = bits.Add64(lo, c, 0)
		hi += cc
		t0, cc = bits.Add64(t1, lo, 0)
		c = hi + cc
		hi, lo = bits.Mul64(q, m[2])
		lo, cc = bits.Add64(lo, c, 0)
		hi += cc
		t1, cc = bits.Add64(t2, lo, 0)
		c = hi + cc
		hi, lo = bits.Mul64(q, m[3])
		lo, cc = bits.Add64(lo, c, 0)
		hi += cc
		t2, cc = bits.Add64(t3, lo, 0)
		c = hi + cc
		t3, cc = bits.Add64(t4, c, 0)
		t4 = t5 + cc
	}
	// t < 2m: subtract m once if t >= m.
	r0, b := bits.Sub64(t0, m[0], 0)
	r1, b := bits.Sub64(t1, m[1], b)
	r2, b := bits.Sub64(t2, m[2], b)
	r3, b := bits.Sub64(t3, m[3], b)
	_, b = bits.Sub64(t4, 0, b)
	if b == 0 {
		z[0], z[1], z[2], z[3] = r0, r1, r2, r3
	} else {
		z[0], z[1], z[2], z[3] = t0, t1, t2, t3
	}
}

// add sets z = x+y mod m.
func (md *modulus) add(z, x, y *elem) {
	m := &md.m
	t0, c := bits.Add64(x[0], y[0], 0)
	t1, c := bits.Add64(x[1], y[1], c)
	t2, c := bits.Add64(x[2], y[2], c)
	t3, c := bits.Add64(x[3], y[3], c)
	r0, b := bits.Sub64(t0, m[0], 0)
	r1, b := bits.Sub64(t1, m[1], b)
	r2, b := bits.Sub64(t2, m[2], b)
	r3, b := bits.Sub64(t3, m[3], b)
	_, b = bits.Sub64(c, 0, b)
	if b == 0 {
		z[0], z[1], z[2], z[3] = r0, r1, r2, r3
	} else {
		z[0], z[1], z[2], z[3] = t0, t1, t2, t3
	}
}

// sub sets z = x-y mod m.
func (md *modulus) sub(z, x, y *elem) {
	m := &md.m
	t0, b := bits.Sub64(x[0], y[0], 0)
	t1, b := bits.Sub64(x[1], y[1], b)
	t2, b := bits.Sub64(x[2], y[2], b)
	t3, b := bits.Sub64(x[3], y[3], b)
	if b != 0 {
		var c uint64
		t0, c = bits.Add64(t0, m[0], 0)
		t1, c = bits.Add64(t1, m[1], c)
		t2, c = bits.Add64(t2, m[2], c)
		t3, _ = bits.Add64(t3, m[3], c)
	}
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}

// toMont sets z to x (any 256-bit value below m) in Montgomery form.
func (md *modulus) toMont(z, x *elem) { md.mul(z, x, &md.rr) }

// fromMont sets z to x out of Montgomery form.
func (md *modulus) fromMont(z, x *elem) {
	one := elem{1}
	md.mul(z, x, &one)
}

// exp sets z = x^e (Montgomery form in and out), e given as plain limbs;
// 4-bit fixed windows, variable time.
func (md *modulus) exp(z, x *elem, e *elem) {
	var tab [16]elem
	md.toMont(&tab[0], &elem{1})
	tab[1] = *x
	for i := 2; i < 16; i++ {
		md.mul(&tab[i], &tab[i-1], x)
	}
	acc := tab[0]
	for i := 63; i >= 0; i-- {
		if i != 63 {
			for j := 0; j < 4; j++ {
				md.mul(&acc, &acc, &acc)
			}
		}
		w := (e[i/16] >> (uint(i%16) * 4)) & 15
		if w != 0 {
			md.mul(&acc, &acc, &tab[w])
		}
	}
	*z = acc
}

// inv sets z = x^-1 (Montgomery form in and out) by Fermat: x^(m-2). x != 0.
func (md *modulus) invert(z, x *elem) {
	e := md.m
	e[0] -= 2 // both moduli end in a limb >= 2
	md.exp(z, x, &e)
}

func (x *elem) isZero() bool { return x[0]|x[1]|x[2]|x[3] == 0 }

// less reports whether x < y as plain integers.
func (x *elem) less(y *elem) bool {
	_, b := bits.Sub64(x[0], y[0], 0)
	_, b = bits.Sub64(x[1], y[1], b)
	_, b = bits.Sub64(x[2], y[2], b)
	_, b = bits.Sub64(x[3], y[3], b)
	return b != 0
}

// setBytes reads 32 big-endian bytes.
func (x *elem) setBytes(b []byte) {
	_ = b[31]
	for i := 0; i < 4; i++ {
		o := 24 - 8*i
		x[i] = uint64(b[o])<<56 | uint64(b[o+1])<<48 | uint64(b[o+2])<<40 | uint64(b[o+3])<<32 |
			uint64(b[o+4])<<24 | uint64(b[o+5])<<16 | uint64(b[o+6])<<8 | uint64(b[o+7])
	}
}

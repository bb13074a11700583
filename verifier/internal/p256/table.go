package p256

import (
	"encoding/hex"
	"sync"
)

// Scalars are split into 43 signed 6-bit digits d_i in [-31, 32] with
// k = sum d_i 2^(6i); a table holds j*2^(6i)*P for every window i and
// j = 1..32, so k*P is 43 mixed additions (a negative digit negates y).
const (
	windows    = 43
	windowBits = 6
	perWindow  = 1 << (windowBits - 1)
)

// Table is the precomputed multiples of one public point: 43*32 affine
// points, 88 KiB. Immutable once built; safe for concurrent use.
type Table struct {
	pts [windows][perWindow]affine
}

var (
	curveB elem // b in Montgomery form
	gTable = sync.OnceValue(func() *Table {
		var x, y elem
		fromHex(&x, "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
		fromHex(&y, "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
		fp.toMont(&x, &x)
		fp.toMont(&y, &y)
		return build(&affine{x, y})
	})
)

func init() {
	fromHex(&curveB, "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b")
	fp.toMont(&curveB, &curveB)
}

func fromHex(x *elem, s string) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("p256: bad constant")
	}
	x.setBytes(b)
}

// NewTable checks that (x, y), 32-byte big-endian coordinates, is a point of
// P-256 and returns its table, or nil. Building costs about 1,400 point
// additions and one inversion.
func NewTable(x, y []byte) *Table {
	if len(x) != 32 || len(y) != 32 {
		return nil
	}
	var a affine
	a.x.setBytes(x)
	a.y.setBytes(y)
	if !a.x.less(&fp.m) || !a.y.less(&fp.m) {
		return nil
	}
	fp.toMont(&a.x, &a.x)
	fp.toMont(&a.y, &a.y)
	// y^2 = x^3 - 3x + b
	var l, r, t elem
	fp.mul(&l, &a.y, &a.y)
	fp.mul(&r, &a.x, &a.x)
	fp.mul(&r, &r, &a.x)
	fp.add(&t, &a.x, &a.x)
	fp.add(&t, &t, &a.x)
	fp.sub(&r, &r, &t)
	fp.add(&r, &r, &curveB)
	if l != r {
		return nil
	}
	return build(&a)
}

func build(a *affine) *Table {
	pts := make([]jacobian, windows*perWindow)
	var base jacobian
	base.x, base.y = a.x, a.y
	fp.toMont(&base.z, &elem{1})
	for i := 0; i < windows; i++ {
		row := pts[i*perWindow : (i+1)*perWindow]
		row[0] = base
		row[1].double(&base)
		for j := 2; j < perWindow; j++ {
			row[j].add(&row[j-1], &base)
		}
		base.double(&row[perWindow-1]) // 64 * base
	}
	t := new(Table)
	dst := make([]affine, windows*perWindow)
	normalize(dst, pts)
	for i := 0; i < windows; i++ {
		copy(t.pts[i][:], dst[i*perWindow:(i+1)*perWindow])
	}
	return t
}

// recode splits k (< 2^256) into the signed digits.
func recode(k *elem) [windows]int8 {
	var d [windows]int8
	carry := uint64(0)
	for i := 0; i < windows; i++ {
		pos := uint(i * windowBits)
		w := k[pos/64] >> (pos % 64)
		if pos%64 > 64-windowBits && pos/64 < 3 {
			w |= k[pos/64+1] << (64 - pos%64)
		}
		w = w&(1<<windowBits-1) + carry
		if w > perWindow {
			d[i] = int8(int64(w) - 1<<windowBits)
			carry = 1
		} else {
			d[i] = int8(w)
			carry = 0
		}
	}
	return d
}

// accumulate adds k*P to acc with P's table.
func (t *Table) accumulate(acc *jacobian, k *elem) {
	d := recode(k)
	for i, di := range d {
		switch {
		case di > 0:
			acc.addAffine(acc, &t.pts[i][di-1])
		case di < 0:
			a := t.pts[i][-di-1]
			fp.sub(&a.y, &elem{}, &a.y)
			acc.addAffine(acc, &a)
		}
	}
}

// Verify reports whether (r, s), 32-byte big-endian, is an ECDSA signature
// of hash by the table's point, as crypto/ecdsa.Verify decides: r and s in
// [1, n-1], e the leftmost 256 bits of hash, and x(e/s*G + r/s*Q) = r mod n.
func (t *Table) Verify(hash, r, s []byte) bool {
	if len(r) != 32 || len(s) != 32 {
		return false
	}
	var re, se, e elem
	re.setBytes(r)
	se.setBytes(s)
	if re.isZero() || se.isZero() || !re.less(&fn.m) || !se.less(&fn.m) {
		return false
	}
	var hb [32]byte
	if len(hash) >= 32 {
		copy(hb[:], hash[:32])
	} else {
		copy(hb[32-len(hash):], hash)
	}
	e.setBytes(hb[:])
	if !e.less(&fn.m) {
		fn.sub(&e, &e, &fn.m) // e < 2^256 < 2n
	}
	// w = s^-1 (Montgomery form); u1 = e*w, u2 = r*w come out plain.
	var w, u1, u2 elem
	fn.toMont(&w, &se)
	fn.invert(&w, &w)
	fn.mul(&u1, &e, &w)
	fn.mul(&u2, &re, &w)
	var acc jacobian
	gTable().accumulate(&acc, &u1)
	t.accumulate(&acc, &u2)
	if acc.z.isZero() {
		return false
	}
	return xMatches(&acc, &re)
}

// xMatches reports whether x(P) mod n = r for P not at infinity, without
// an inversion: X = r Z^2, or X = (r+n) Z^2 when r+n < p (x in [n, p)).
func xMatches(p *jacobian, r *elem) bool {
	var z2, rm, c elem
	fp.mul(&z2, &p.z, &p.z)
	fp.toMont(&rm, r)
	fp.mul(&c, &rm, &z2)
	if c == p.x {
		return true
	}
	rn, carry := addPlain(r, &fn.m)
	if carry != 0 || !rn.less(&fp.m) {
		return false
	}
	fp.toMont(&rm, &rn)
	fp.mul(&c, &rm, &z2)
	return c == p.x
}

func addPlain(x, y *elem) (elem, uint64) {
	var z elem
	var c uint64
	for i := 0; i < 4; i++ {
		s := x[i] + y[i]
		c1 := uint64(0)
		if s < x[i] {
			c1 = 1
		}
		s2 := s + c
		if s2 < s {
			c1 = 1
		}
		z[i], c = s2, c1
	}
	return z, c
}

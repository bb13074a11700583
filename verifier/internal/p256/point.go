package p256

// Points on y^2 = x^3 - 3x + b over GF(p), coordinates in Montgomery form.

// jacobian is (X:Y:Z) standing for (X/Z^2, Y/Z^3); Z = 0 is the point at
// infinity.
type jacobian struct{ x, y, z elem }

// affine is a point other than infinity.
type affine struct{ x, y elem }

// double sets q = 2p (dbl-2001-b, a = -3).
func (q *jacobian) double(p *jacobian) {
	if p.z.isZero() {
		*q = *p
		return
	}
	var delta, gamma, beta, alpha, t1, t2 elem
	fp.mul(&delta, &p.z, &p.z)
	fp.mul(&gamma, &p.y, &p.y)
	fp.mul(&beta, &p.x, &gamma)
	fp.sub(&t1, &p.x, &delta)
	fp.add(&t2, &p.x, &delta)
	fp.mul(&alpha, &t1, &t2)
	fp.add(&t1, &alpha, &alpha)
	fp.add(&alpha, &alpha, &t1) // 3(X-delta)(X+delta)
	// Z3 = (Y+Z)^2 - gamma - delta
	fp.add(&t1, &p.y, &p.z)
	fp.mul(&t1, &t1, &t1)
	fp.sub(&t1, &t1, &gamma)
	fp.sub(&q.z, &t1, &delta)
	// X3 = alpha^2 - 8beta
	fp.add(&beta, &beta, &beta)
	fp.add(&beta, &beta, &beta) // 4beta
	fp.add(&t2, &beta, &beta)   // 8beta
	fp.mul(&t1, &alpha, &alpha)
	fp.sub(&q.x, &t1, &t2)
	// Y3 = alpha(4beta - X3) - 8gamma^2
	fp.sub(&t1, &beta, &q.x)
	fp.mul(&t1, &alpha, &t1)
	fp.mul(&gamma, &gamma, &gamma)
	fp.add(&gamma, &gamma, &gamma)
	fp.add(&gamma, &gamma, &gamma)
	fp.add(&gamma, &gamma, &gamma)
	fp.sub(&q.y, &t1, &gamma)
}

// addAffine sets q = p + a (madd-2007-bl), handling infinity, p = a and
// p = -a.
func (q *jacobian) addAffine(p *jacobian, a *affine) {
	if p.z.isZero() {
		q.x, q.y = a.x, a.y
		fp.toMont(&q.z, &elem{1})
		return
	}
	var z1z1, u2, s2, h, hh, i, j, r, v, t elem
	fp.mul(&z1z1, &p.z, &p.z)
	fp.mul(&u2, &a.x, &z1z1)
	fp.mul(&s2, &a.y, &p.z)
	fp.mul(&s2, &s2, &z1z1)
	fp.sub(&h, &u2, &p.x)
	fp.sub(&r, &s2, &p.y)
	if h.isZero() {
		if r.isZero() {
			q.double(p)
			return
		}
		*q = jacobian{}
		return
	}
	fp.add(&r, &r, &r)
	fp.mul(&hh, &h, &h)
	fp.add(&i, &hh, &hh)
	fp.add(&i, &i, &i)
	fp.mul(&j, &h, &i)
	fp.mul(&v, &p.x, &i)
	// Z3 = (Z1+H)^2 - Z1Z1 - HH
	fp.add(&t, &p.z, &h)
	fp.mul(&t, &t, &t)
	fp.sub(&t, &t, &z1z1)
	fp.sub(&q.z, &t, &hh)
	// Y3 uses Y1: keep it before X3 may overwrite p (q may be p).
	var y1j elem
	fp.mul(&y1j, &p.y, &j)
	// X3 = r^2 - J - 2V
	fp.mul(&t, &r, &r)
	fp.sub(&t, &t, &j)
	fp.sub(&t, &t, &v)
	fp.sub(&q.x, &t, &v)
	// Y3 = r(V - X3) - 2 Y1 J
	fp.sub(&t, &v, &q.x)
	fp.mul(&t, &r, &t)
	fp.add(&y1j, &y1j, &y1j)
	fp.sub(&q.y, &t, &y1j)
}

// add sets q = p1 + p2 (add-2007-bl), handling infinity and equal or
// opposite points.
func (q *jacobian) add(p1, p2 *jacobian) {
	if p1.z.isZero() {
		*q = *p2
		return
	}
	if p2.z.isZero() {
		*q = *p1
		return
	}
	var z1z1, z2z2, u1, u2, s1, s2, h, i, j, r, v, t elem
	fp.mul(&z1z1, &p1.z, &p1.z)
	fp.mul(&z2z2, &p2.z, &p2.z)
	fp.mul(&u1, &p1.x, &z2z2)
	fp.mul(&u2, &p2.x, &z1z1)
	fp.mul(&s1, &p1.y, &p2.z)
	fp.mul(&s1, &s1, &z2z2)
	fp.mul(&s2, &p2.y, &p1.z)
	fp.mul(&s2, &s2, &z1z1)
	fp.sub(&h, &u2, &u1)
	fp.sub(&r, &s2, &s1)
	if h.isZero() {
		if r.isZero() {
			q.double(p1)
			return
		}
		*q = jacobian{}
		return
	}
	fp.add(&r, &r, &r)
	fp.add(&i, &h, &h)
	fp.mul(&i, &i, &i)
	fp.mul(&j, &h, &i)
	fp.mul(&v, &u1, &i)
	// Z3 = ((Z1+Z2)^2 - Z1Z1 - Z2Z2) H
	fp.add(&t, &p1.z, &p2.z)
	fp.mul(&t, &t, &t)
	fp.sub(&t, &t, &z1z1)
	fp.sub(&t, &t, &z2z2)
	fp.mul(&q.z, &t, &h)
	// X3 = r^2 - J - 2V
	fp.mul(&t, &r, &r)
	fp.sub(&t, &t, &j)
	fp.sub(&t, &t, &v)
	fp.sub(&q.x, &t, &v)
	// Y3 = r(V - X3) - 2 S1 J
	fp.sub(&t, &v, &q.x)
	fp.mul(&t, &r, &t)
	fp.mul(&s1, &s1, &j)
	fp.add(&s1, &s1, &s1)
	fp.sub(&q.y, &t, &s1)
}

// normalize converts points (none at infinity) to affine with one
// inversion (Montgomery's trick).
func normalize(dst []affine, src []jacobian) {
	prefix := make([]elem, len(src))
	acc := src[0].z
	prefix[0] = acc
	for k := 1; k < len(src); k++ {
		fp.mul(&acc, &acc, &src[k].z)
		prefix[k] = acc
	}
	var inv elem
	fp.invert(&inv, &acc)
	for k := len(src) - 1; k >= 0; k-- {
		zinv := inv
		if k > 0 {
			fp.mul(&zinv, &inv, &prefix[k-1])
			fp.mul(&inv, &inv, &src[k].z)
		}
		var z2 elem
		fp.mul(&z2, &zinv, &zinv)
		fp.mul(&dst[k].x, &src[k].x, &z2)
		fp.mul(&z2, &z2, &zinv)
		fp.mul(&dst[k].y, &src[k].y, &z2)
	}
}

package p256

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

func toBig(x *elem) *big.Int {
	var b [32]byte
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(b[24-8*i:], x[i])
	}
	return new(big.Int).SetBytes(b[:])
}

func fromBig(v *big.Int) elem {
	var e elem
	e.setBytes(v.FillBytes(make([]byte, 32)))
	return e
}

// The constants are those of the curve Go's crypto/elliptic knows.
func TestConstants(t *testing.T) {
	params := elliptic.P256().Params()
	r := new(big.Int).Lsh(big.NewInt(1), 256)
	for _, c := range []struct {
		name string
		md   *modulus
		m    *big.Int
	}{{"p", &fp, params.P}, {"n", &fn, params.N}} {
		if toBig(&c.md.m).Cmp(c.m) != 0 {
			t.Errorf("%s: modulus %x", c.name, toBig(&c.md.m))
		}
		rr := new(big.Int).Exp(r, big.NewInt(2), c.m)
		if toBig(&c.md.rr).Cmp(rr) != 0 {
			t.Errorf("%s: rr %x, want %x", c.name, toBig(&c.md.rr), rr)
		}
		// inv*m = -1 mod 2^64
		if c.md.inv*c.md.m[0] != ^uint64(0) {
			t.Errorf("%s: inv %x", c.name, c.md.inv)
		}
	}
	var b elem
	fp.fromMont(&b, &curveB)
	if toBig(&b).Cmp(params.B) != 0 {
		t.Errorf("b %x", toBig(&b))
	}
	g := gTable().pts[0][0]
	var gx, gy elem
	fp.fromMont(&gx, &g.x)
	fp.fromMont(&gy, &g.y)
	if toBig(&gx).Cmp(params.Gx) != 0 || toBig(&gy).Cmp(params.Gy) != 0 {
		t.Error("G")
	}
}

// Field and scalar arithmetic against math/big on random and edge values.
func TestArithmetic(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for _, md := range []*modulus{&fp, &fn} {
		m := toBig(&md.m)
		edge := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), new(big.Int).Sub(m, big.NewInt(1)), new(big.Int).Sub(m, big.NewInt(2)), new(big.Int).Rsh(m, 1)}
		vals := append([]*big.Int{}, edge...)
		for i := 0; i < 200; i++ {
			var b [32]byte
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			vals = append(vals, new(big.Int).Mod(new(big.Int).SetBytes(b[:]), m))
		}
		rinv := new(big.Int).ModInverse(new(big.Int).Lsh(big.NewInt(1), 256), m)
		for i, a := range vals {
			bv := vals[(i*7+3)%len(vals)]
			ea, eb := fromBig(a), fromBig(bv)
			var z elem
			md.mul(&z, &ea, &eb)
			want := new(big.Int).Mul(a, bv)
			want.Mul(want, rinv).Mod(want, m)
			if toBig(&z).Cmp(want) != 0 {
				t.Fatalf("mul(%x, %x) = %x, want %x", a, bv, toBig(&z), want)
			}
			md.add(&z, &ea, &eb)
			if want.Add(a, bv).Mod(want, m); toBig(&z).Cmp(want) != 0 {
				t.Fatalf("add")
			}
			md.sub(&z, &ea, &eb)
			if want.Sub(a, bv).Mod(want, m); toBig(&z).Cmp(want) != 0 {
				t.Fatalf("sub")
			}
			if a.Sign() != 0 {
				var am, inv, back elem
				md.toMont(&am, &ea)
				md.invert(&inv, &am)
				md.fromMont(&back, &inv)
				if want.ModInverse(a, m); toBig(&back).Cmp(want) != 0 {
					t.Fatalf("invert(%x)", a)
				}
			}
		}
	}
}

// TestRecode: the digits sum back to the scalar.
func TestRecode(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(3, 4))
	n := toBig(&fn.m)
	for i := 0; i < 2000; i++ {
		var b [32]byte
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if i%3 == 0 {
			for j := range b {
				b[j] = 0xff // windows of all ones carry
			}
			b[rng.IntN(32)] = byte(rng.Uint32())
		}
		k := new(big.Int).Mod(new(big.Int).SetBytes(b[:]), n)
		e := fromBig(k)
		d := recode(&e)
		sum := new(big.Int)
		for w := windows - 1; w >= 0; w-- {
			if d[w] < -31 || d[w] > 32 {
				t.Fatalf("digit %d", d[w])
			}
			sum.Lsh(sum, windowBits).Add(sum, big.NewInt(int64(d[w])))
		}
		if sum.Cmp(k) != 0 {
			t.Fatalf("recode(%x) sums to %x", k, sum)
		}
	}
}

func mustTable(t testing.TB, pub *ecdsa.PublicKey) *Table {
	b, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	tab := NewTable(b[1:33], b[33:])
	if tab == nil {
		t.Fatal("NewTable refused a valid key")
	}
	return tab
}

// TestDifferential: 12,000 cases against crypto/ecdsa.Verify natively, over
// 40 keys: valid signatures, and signatures, messages or keys changed.
func TestDifferential(t *testing.T) {
	cases := 12000
	if testing.Short() {
		cases = 1200
	}
	rng := mrand.New(mrand.NewPCG(5, 6))
	n := elliptic.P256().Params().N
	type key struct {
		priv *ecdsa.PrivateKey
		tab  *Table
	}
	keys := make([]key, 40)
	for i := range keys {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = key{priv, mustTable(t, &priv.PublicKey)}
	}
	valid, invalid := 0, 0
	for i := 0; i < cases; i++ {
		k := keys[rng.IntN(len(keys))]
		msg := make([]byte, 1+rng.IntN(64))
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		h := sha256.Sum256(msg)
		rb, sb, err := ecdsa.Sign(rand.Reader, k.priv, h[:])
		if err != nil {
			t.Fatal(err)
		}
		r, s := rb.FillBytes(make([]byte, 32)), sb.FillBytes(make([]byte, 32))
		tab := k.tab
		pub := &k.priv.PublicKey
		hash := h[:]
		switch i % 8 {
		case 0, 1, 2: // valid
		case 3: // a bit flipped in r or s
			sig := append(append([]byte{}, r...), s...)
			sig[rng.IntN(64)] ^= 1 << rng.IntN(8)
			r, s = sig[:32], sig[32:]
		case 4: // another message
			hash = append([]byte{}, hash...)
			hash[rng.IntN(32)] ^= 1 << rng.IntN(8)
		case 5: // another key
			o := keys[(rng.IntN(len(keys)-1)+1+indexOf(keys, k))%len(keys)]
			tab, pub = o.tab, &o.priv.PublicKey
		case 6: // s replaced by n-s (valid too: ECDSA is malleable), or r+n-like edge values
			sn := new(big.Int).Sub(n, sb)
			s = sn.FillBytes(make([]byte, 32))
		case 7: // edge scalars
			switch rng.IntN(5) {
			case 0:
				r = make([]byte, 32)
			case 1:
				s = n.FillBytes(make([]byte, 32))
			case 2:
				s = new(big.Int).Sub(n, big.NewInt(1)).FillBytes(make([]byte, 32))
			case 3:
				r = bytes.Repeat([]byte{0xff}, 32)
			case 4:
				s = append(make([]byte, 31), 1)
			}
		}
		want := ecdsa.Verify(pub, hash, new(big.Int).SetBytes(r), new(big.Int).SetBytes(s))
		if got := tab.Verify(hash, r, s); got != want {
			t.Fatalf("case %d (kind %d): Verify = %v, crypto/ecdsa says %v", i, i%8, got, want)
		}
		if want {
			valid++
		} else {
			invalid++
		}
	}
	t.Logf("%d valid, %d invalid", valid, invalid)
	if valid < cases/3 || invalid < cases/4 {
		t.Fatalf("unbalanced cases: %d valid, %d invalid", valid, invalid)
	}
}

func indexOf[T comparable](s []T, v T) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// TestXMatches: the final comparison, also where x(R) lies in [n, p) and
// the signature's r is x-n (a case random signatures reach with
// probability 2^-128, so it is built directly).
func TestXMatches(t *testing.T) {
	params := elliptic.P256().Params()
	p, n := params.P, params.N
	rng := mrand.New(mrand.NewPCG(7, 8))
	for i := 0; i < 500; i++ {
		var x *big.Int
		if i%2 == 0 {
			x = new(big.Int).Add(n, big.NewInt(int64(rng.IntN(1<<30)))) // in [n, p)
		} else {
			x = randBelow(rng, n)
		}
		z := new(big.Int).Add(big.NewInt(1), randBelow(rng, new(big.Int).Sub(p, big.NewInt(1))))
		X := new(big.Int).Mul(x, new(big.Int).Mul(z, z))
		X.Mod(X, p)
		var pt jacobian
		pt.x, pt.z = fromBig(X), fromBig(z)
		fp.toMont(&pt.x, &pt.x)
		fp.toMont(&pt.z, &pt.z)
		r := new(big.Int).Mod(x, n)
		re := fromBig(r)
		if !xMatches(&pt, &re) {
			t.Fatalf("x %x, r %x: refused", x, r)
		}
		bad := fromBig(new(big.Int).Mod(new(big.Int).Add(r, big.NewInt(1)), n))
		if xMatches(&pt, &bad) {
			t.Fatalf("x %x: r+1 accepted", x)
		}
	}
}

func randBelow(rng *mrand.Rand, m *big.Int) *big.Int {
	b := make([]byte, 40)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(b), m)
}

func TestNewTableRefuses(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := priv.PublicKey.Bytes()
	x, y := b[1:33], append([]byte{}, b[33:]...)
	y[31] ^= 1
	if NewTable(x, y) != nil {
		t.Error("point off the curve accepted")
	}
	if NewTable(bytes.Repeat([]byte{0xff}, 32), y) != nil {
		t.Error("x >= p accepted")
	}
	if NewTable(x[:31], y) != nil {
		t.Error("short x accepted")
	}
}

// FuzzVerify: any signature and hash decide as crypto/ecdsa does.
func FuzzVerify(f *testing.F) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	tab := mustTable(f, &priv.PublicKey)
	h := sha256.Sum256([]byte("seed"))
	r, s, _ := ecdsa.Sign(rand.Reader, priv, h[:])
	f.Add(h[:], r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32)))
	f.Add([]byte{}, make([]byte, 32), make([]byte, 32))
	f.Fuzz(func(t *testing.T, hash, r, s []byte) {
		if len(r) != 32 || len(s) != 32 {
			if tab.Verify(hash, r, s) {
				t.Fatal("accepted r or s of the wrong size")
			}
			return
		}
		want := ecdsa.Verify(&priv.PublicKey, hash, new(big.Int).SetBytes(r), new(big.Int).SetBytes(s))
		if got := tab.Verify(hash, r, s); got != want {
			t.Fatalf("Verify = %v, crypto/ecdsa says %v", got, want)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tab := mustTable(b, &priv.PublicKey)
	h := sha256.Sum256([]byte("bench"))
	rb, sb, _ := ecdsa.Sign(rand.Reader, priv, h[:])
	r, s := rb.FillBytes(make([]byte, 32)), sb.FillBytes(make([]byte, 32))
	gTable()
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			if !tab.Verify(h[:], r, s) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("crypto-ecdsa", func(b *testing.B) {
		for b.Loop() {
			if !ecdsa.Verify(&priv.PublicKey, h[:], rb, sb) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("NewTable", func(b *testing.B) {
		for b.Loop() {
			mustTable(b, &priv.PublicKey)
		}
	})
}

package difftest

import (
	"bytes"
	"encoding/base64"
	"strings"
)

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// compactMutations edit the finished token text. They decide what to do when
// the draft is made (so that the choice comes from the seed) and apply it in
// finish, once the signature exists.
func compactMutations() []mutation {
	return []mutation{
		{KindFlipBit, 60, func(g *Generator, d *draft) (string, error) {
			seg, bit := g.rng.Intn(3), g.rng.Int()
			d.compact = func(t string) string {
				return editSegment(t, seg, func(s string) string {
					raw, err := b64.DecodeString(s)
					if err != nil || len(raw) == 0 {
						return s + "A"
					}
					i := bit % (len(raw) * 8)
					raw[i/8] ^= 1 << (i % 8)
					return b64.EncodeToString(raw)
				})
			}
			return KindFlipBit, nil
		}},
		{KindFlipChar, 40, flipChar},
		{KindNonCanonical, 20, func(g *Generator, d *draft) (string, error) {
			seg, pick := g.rng.Intn(3), g.rng.Int()
			changed := false
			d.compact = func(t string) string {
				out := editSegment(t, seg, func(s string) string { return nonCanonical(s, pick) })
				changed = out != t
				return out
			}
			// Whether the chosen segment has spare bits depends on its length,
			// which only finish knows: a segment without is left valid.
			d.kindAfter = func() string {
				if changed {
					return KindNonCanonical
				}
				return KindValid
			}
			return KindNonCanonical, nil
		}},
		{KindStdAlphabet, 10, func(g *Generator, d *draft) (string, error) {
			d.compact = func(t string) string {
				out := strings.NewReplacer("-", "+", "_", "/").Replace(t)
				if out == t { // nothing to replace: put a '+' in the signature
					return t[:len(t)-1] + "+"
				}
				return out
			}
			return KindStdAlphabet, nil
		}},
		{KindPadding, 15, func(g *Generator, d *draft) (string, error) {
			seg := g.rng.Intn(3)
			d.compact = func(t string) string {
				return editSegment(t, seg, func(s string) string {
					switch len(s) % 4 {
					case 2:
						return s + "=="
					case 3:
						return s + "="
					}
					return s + "===="
				})
			}
			return KindPadding, nil
		}},
		{KindLineBreak, 20, func(g *Generator, d *draft) (string, error) {
			seg, pos, brk := g.rng.Intn(3), g.rng.Int(), g.pick("\n", "\r\n", "\r")
			d.compact = func(t string) string {
				return editSegment(t, seg, func(s string) string {
					i := pos % (len(s) + 1)
					return s[:i] + brk + s[i:]
				})
			}
			return KindLineBreak, nil
		}},
		{KindWhitespace, 15, func(g *Generator, d *draft) (string, error) {
			seg, pos, ws := g.rng.Intn(3), g.rng.Int(), g.pick(" ", "\t", "  ")
			switch g.rng.Intn(3) {
			case 0:
				d.compact = func(t string) string { return ws + t }
			case 1:
				d.compact = func(t string) string { return t + ws }
			default:
				d.compact = func(t string) string {
					return editSegment(t, seg, func(s string) string {
						i := pos % (len(s) + 1)
						return s[:i] + ws + s[i:]
					})
				}
			}
			return KindWhitespace, nil
		}},
		{KindSwapSegments, 20, func(g *Generator, d *draft) (string, error) {
			i := g.rng.Intn(3)
			j := (i + 1 + g.rng.Intn(2)) % 3
			d.compact = func(t string) string {
				s := segments(t)
				s[i], s[j] = s[j], s[i]
				return strings.Join(s, ".")
			}
			return KindSwapSegments, nil
		}},
		{KindTruncate, 25, func(g *Generator, d *draft) (string, error) {
			cut := g.rng.Int()
			d.compact = func(t string) string { return t[:cut%len(t)] }
			return KindTruncate, nil
		}},
		{KindExtraSegment, 15, func(g *Generator, d *draft) (string, error) {
			extra := g.pick(".", ".AAAA", ".eyJ9", "..")
			if g.rng.Intn(2) == 0 {
				d.compact = func(t string) string { return t + extra }
			} else {
				d.compact = func(t string) string {
					i := strings.IndexByte(t, '.')
					return t[:i] + extra + t[i:]
				}
			}
			return KindExtraSegment, nil
		}},
		{KindTrailingJunk, 10, func(g *Generator, d *draft) (string, error) {
			junk := g.pick("!", "\x00", "é", "%3D", "=", "#", "/")
			d.compact = func(t string) string { return t + junk }
			return KindTrailingJunk, nil
		}},
		{KindEmptySegment, 10, func(g *Generator, d *draft) (string, error) {
			seg := g.rng.Intn(2)
			d.compact = func(t string) string { return editSegment(t, seg, func(string) string { return "" }) }
			return KindEmptySegment, nil
		}},
		{KindJWE, 5, func(g *Generator, d *draft) (string, error) {
			d.compact = func(t string) string {
				s := segments(t)
				return s[0] + "." + s[1] + ".AAAA.AAAA." + s[2]
			}
			return KindJWE, nil
		}},
	}
}

// flipChar replaces one character of a segment with another base64url
// character. When the new character differs only in bits the encoding does
// not use, the segment still decodes to the same bytes under a lenient
// decoder: the result is then KindNonCanonical, not a flip.
func flipChar(g *Generator, d *draft) (string, error) {
	seg, pos, repl := g.rng.Intn(3), g.rng.Int(), g.rng.Intn(len(b64Alphabet)-1)
	var changedBytes bool
	d.compact = func(t string) string {
		return editSegment(t, seg, func(s string) string {
			if s == "" {
				changedBytes = true
				return "A"
			}
			i := pos % len(s)
			alphabet := strings.Replace(b64Alphabet, s[i:i+1], "", 1)
			out := s[:i] + alphabet[repl%len(alphabet):repl%len(alphabet)+1] + s[i+1:]
			changedBytes = !sameBytes(s, out)
			return out
		})
	}
	// The kind is settled once the token exists; finishKind reads it back.
	d.kindAfter = func() string {
		if changedBytes {
			return KindFlipChar
		}
		return KindNonCanonical
	}
	return KindFlipChar, nil
}

// nonCanonical sets unused low bits in the last character of a segment whose
// length leaves some (length mod 4 of 2 or 3). It returns the segment
// unchanged when there are none.
func nonCanonical(s string, pick int) string {
	var spare int
	switch len(s) % 4 {
	case 2:
		spare = 4
	case 3:
		spare = 2
	default:
		return s
	}
	last := strings.IndexByte(b64Alphabet, s[len(s)-1])
	if last < 0 {
		return s
	}
	low := 1 + pick%((1<<spare)-1) // never zero: some spare bit set
	v := (last &^ ((1 << spare) - 1)) | low
	return s[:len(s)-1] + b64Alphabet[v:v+1]
}

// sameBytes reports whether two segments decode to the same bytes under Go's
// lenient base64 decoding (the decoding go-jose uses).
func sameBytes(a, b string) bool {
	x, errA := base64.RawURLEncoding.DecodeString(a)
	y, errB := base64.RawURLEncoding.DecodeString(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}

// editSegment applies edit to segment i of a token (if the token has it).
func editSegment(t string, i int, edit func(string) string) string {
	s := segments(t)
	if i >= len(s) {
		return t
	}
	s[i] = edit(s[i])
	return strings.Join(s, ".")
}

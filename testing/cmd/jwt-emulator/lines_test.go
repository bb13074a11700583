package main

import "testing"

func TestLineColumn(t *testing.T) {
	raw := []byte("{\n  \"a\": 1,\n  x\n}")
	cases := []struct {
		offset    int64
		line, col int
	}{
		{1, 1, 1},   // just past '{'
		{3, 2, 1},   // just past the first byte of line 2
		{15, 3, 3},  // just past 'x'
		{100, 4, 1}, // past the end: the last byte
	}
	for _, c := range cases {
		if l, col := lineColumn(raw, c.offset); l != c.line || col != c.col {
			t.Errorf("offset %d: line %d column %d, want %d %d", c.offset, l, col, c.line, c.col)
		}
	}
}

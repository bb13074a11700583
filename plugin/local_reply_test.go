package plugin

import (
	"encoding/binary"
	"testing"
)

func TestSerializeHeadersIsTheProxyWasmMapFormat(t *testing.T) {
	b := serializeHeaders([][2]string{{"a", "xy"}, {"bc", ""}})
	want := []byte{}
	for _, n := range []uint32{2, 1, 2, 2, 0} {
		want = binary.LittleEndian.AppendUint32(want, n)
	}
	want = append(want, "a\x00xy\x00bc\x00\x00"...)
	if string(b) != string(want) {
		t.Errorf("got %q\nwant %q", b, want)
	}
	if got := serializeHeaders(nil); len(got) != 4 || binary.LittleEndian.Uint32(got) != 0 {
		t.Errorf("empty map = %q", got)
	}
}

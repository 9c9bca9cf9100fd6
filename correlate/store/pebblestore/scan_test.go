package pebblestore

import (
	"bytes"
	"testing"
)

// TestLowerASCII checks the eight-bytes-at-a-time lower-casing against
// bytes.ToLower on every byte value, at every alignment.
func TestLowerASCII(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	for start := 0; start < 8; start++ {
		in := append([]byte(nil), all[start:]...)
		want := make([]byte, len(in))
		for i, c := range in {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			want[i] = c
		}
		lowerASCII(in)
		if !bytes.Equal(in, want) {
			t.Fatalf("start %d: %q, want %q", start, in, want)
		}
	}
}

package store

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestParseTraceID(t *testing.T) {
	full := TraceID{Hi: 0x4bf92f3577b34da6, Lo: 0xa3ce929d0e0e4736}
	tests := []struct {
		name string
		in   string
		want []TraceID
		err  bool
	}{
		{"32 hex", "4bf92f3577b34da6a3ce929d0e0e4736", []TraceID{full}, false},
		{"upper case", "4BF92F3577B34DA6A3CE929D0E0E4736", []TraceID{full}, false},
		{"0x prefix", "0x4bf92f3577b34da6a3ce929d0e0e4736", []TraceID{full}, false},
		{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", []TraceID{full}, false},
		{"16 hex", "a3ce929d0e0e4736", []TraceID{{Lo: 0xa3ce929d0e0e4736, Only64: true}}, false},
		{"short hex padded", "abc", []TraceID{{Lo: 0xabc, Only64: true}}, false},
		{"decimal, also read as hex", "11803532876627986230", []TraceID{{Lo: 11803532876627986230, Only64: true}, {Hi: 0x1180, Lo: 0x3532876627986230}}, false},
		{"17-20 digits beyond 64 bits are no id", "18446744073709551616", nil, true},
		{"digits read both ways", "1234", []TraceID{{Lo: 1234, Only64: true}, {Lo: 0x1234, Only64: true}}, false},
		{"padded 32 with zero high", "0000000000000000a3ce929d0e0e4736", []TraceID{{Lo: 0xa3ce929d0e0e4736, Only64: true}}, false},
		{"all zero", "00000000000000000000000000000000", nil, true},
		{"empty", "", nil, true},
		{"not hex", "xyz", nil, true},
		{"too long", "4bf92f3577b34da6a3ce929d0e0e47360", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTraceID(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTraceIDString(t *testing.T) {
	id := TraceID{Lo: 0xabc}
	if got, want := id.String(), "00000000000000000000000000000abc"; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

// TestHexIDMatchesDigitLoop checks the table decoder against the plain
// definition: every digit shifted in, any case, left-padded, at every
// length, with a bad byte anywhere.
func TestHexIDMatchesDigitLoop(t *testing.T) {
	ref := func(s string) (TraceID, bool) {
		if len(s) == 0 || len(s) > 32 {
			return TraceID{}, false
		}
		var id TraceID
		for i := 0; i < len(s); i++ {
			v, ok := hexVal(s[i])
			if !ok {
				return TraceID{}, false
			}
			id.Hi = id.Hi<<4 | id.Lo>>60
			id.Lo = id.Lo<<4 | uint64(v)
		}
		id.Only64 = id.Hi == 0
		return id, true
	}
	const alphabet = "0123456789abcdefABCDEF"
	r := rand.New(rand.NewPCG(7, 7))
	for n := 0; n <= 34; n++ {
		for k := 0; k < 200; k++ {
			b := make([]byte, n)
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			if n > 0 && k%4 == 0 {
				b[r.IntN(n)] = byte(r.IntN(256))
			}
			s := string(b)
			got, gotOK := hexID(s)
			want, wantOK := ref(s)
			if got != want || gotOK != wantOK {
				t.Fatalf("hexID(%q) = %+v %v, want %+v %v", s, got, gotOK, want, wantOK)
			}
		}
	}
}

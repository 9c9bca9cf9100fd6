//go:build !race

package parse

import "testing"

// Allocation pins: a record costs one allocation (one string backs Raw and
// every other field not found verbatim in it); Assembler.Add into a slice
// with room costs exactly that.
func TestAllocs(t *testing.T) {
	for _, tt := range []struct {
		name string
		line []byte
		want float64
	}{
		{"JSON", benchJSON[0], 1},
		{"JSON escaped msg", []byte(`{"msg":"a \"quoted\" word","trace_id":"0af7651916cd43dd8448eb211c80319c"}`), 1},
		{"zap console", benchText[0], 1},
		{"slog text", benchText[1], 1},
		{"zerolog console colours", benchText[3], 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			cfg := &Config{}
			ParseLine(tt.line, &r, cfg)
			if got := testing.AllocsPerRun(200, func() { ParseLine(tt.line, &r, cfg) }); got != tt.want {
				t.Errorf("ParseLine: %v allocs, want %v", got, tt.want)
			}
			a := NewAssembler("/var/log/app/app.log", Config{})
			recs := make([]Record, 0, 4)
			recs = a.Add(recs, tt.line, 0, 1)
			n := int64(1)
			if got := testing.AllocsPerRun(200, func() {
				n++
				recs = a.Add(recs[:0], tt.line, n*1000, n)
			}); got != tt.want {
				t.Errorf("Assembler.Add: %v allocs, want %v", got, tt.want)
			}
		})
	}
	r := Record{File: "f", Msg: "m", TraceID: "0af7651916cd43dd8448eb211c80319c"}
	buf := make([]byte, 0, 512)
	if got := testing.AllocsPerRun(100, func() { buf = r.AppendJSON(buf[:0]) }); got != 0 {
		t.Errorf("AppendJSON: %v allocs", got)
	}
}

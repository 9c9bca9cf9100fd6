//go:build !race

package logxbridge

import (
	"fmt"
	"testing"

	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

func TestWriterAllocs(t *testing.T) {
	tests := []struct {
		name   string
		opts   []logbridge.Option
		fields []logx.LogField
	}{
		{"OTel from logx keys", nil, []logx.LogField{logx.Field("caller", "a.go:1"), logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan), logx.Field("trace_flags", "01")}},
		{"OTel and Datadog with service", []logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.Datadog), logbridge.WithService("gateway")},
			[]logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan)}},
		{"no ids", nil, []logx.LogField{logx.Field("caller", "a.go:1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter(discard{}, tt.opts...)
			w.Info("warm", tt.fields...)
			if n := testing.AllocsPerRun(100, func() { w.Info("form stored", tt.fields...) }); n != 0 {
				t.Errorf("Info allocates %v times a line, want 0", n)
			}
		})
	}
}

// TestWriterNewSpanAllocs pins what a span's first line costs: the span's
// logx fields (one entry) and logbridge's encoding of the span (one).
func TestWriterNewSpanAllocs(t *testing.T) {
	w := NewWriter(discard{}, logbridge.WithService("gateway"))
	var ids [1 << 12][]logx.LogField
	for i := range ids {
		span := fmt.Sprintf("%016x", i+1)
		ids[i] = []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", span), logx.Field("trace_flags", "01")}
	}
	i := 0
	n := testing.AllocsPerRun(1000, func() {
		w.Info("form stored", ids[i%len(ids)]...)
		i++
	})
	if n != 2 {
		t.Errorf("a new span's first line allocates %v times, want 2", n)
	}
}

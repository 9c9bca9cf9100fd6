//go:build !race

package logxbridge

import (
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

package bridge

import (
	"context"
	"github.com/traceline/traceline/logbridge"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// The pieces of an adapter's cost per line, each alone on hot data: the
// span context read through OpenTelemetry's API, the ids' hex and the
// template's whole rendering. bench/floors_test.go sets them beside whole
// lines.
//
//	go test -run '^$' -bench . -count 5 ./logbridge

var benchSC = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c},
	SpanID:     trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31},
	TraceFlags: trace.FlagsSampled,
})

var benchOK bool

func BenchmarkFromContext(b *testing.B) {
	ctx := context.WithValue(trace.ContextWithSpanContext(context.Background(), benchSC), benchKey{}, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, benchOK = logbridge.FromContext(ctx)
	}
}

type benchKey struct{}

func BenchmarkIDsHex(b *testing.B) {
	var out [48]byte
	tid, sid := benchSC.TraceID(), benchSC.SpanID()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		putTraceHex((*[32]byte)(out[:32]), &tid)
		putSpanHex((*[16]byte)(out[32:]), &sid)
	}
}

func BenchmarkTemplateAppend(b *testing.B) {
	t := New().JSONTemplate()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = t.Append(buf[:100], benchSC)
	}
}

package tracesource

import (
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

// The decoders read whatever a network peer or a file hands them: they
// must return an error for garbage, never panic, and everything they do
// return must be normalised. Seeds live in testdata/fuzz/.

func FuzzDecodeV3(f *testing.F) {
	f.Add([]byte(v3Doc))
	f.Add([]byte(`{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"CvdlGRbNQ92ESOshHIAxnA==","spanId":"t61rcWkgMzE=","startTimeUnixNano":1e30}]}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := DecodeV3(data)
		if err != nil {
			return
		}
		checkNormalised(t, ts)
	})
}

func FuzzDecodeClassic(f *testing.F) {
	f.Add([]byte(classicDoc))
	f.Add([]byte(`[{"traceID":"1","spans":[{"spanID":"2","startTime":"-9223372036854775808","duration":9223372036854775807,"references":[{"refType":"child_of","spanID":"3"}]}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := DecodeClassic(data)
		if err != nil {
			return
		}
		checkNormalised(t, ts)
	})
}

func checkNormalised(t *testing.T, ts []traces.Trace) {
	t.Helper()
	for _, tr := range ts {
		if n, ok := NormalizeTraceID(tr.TraceID); !ok || n != tr.TraceID {
			t.Fatalf("trace id %q not normalised", tr.TraceID)
		}
		for _, s := range tr.Spans {
			if s.TraceID != tr.TraceID {
				t.Fatalf("span %q of trace %q in trace %q", s.SpanID, s.TraceID, tr.TraceID)
			}
			if n, ok := NormalizeSpanID(s.SpanID); !ok || n != s.SpanID {
				t.Fatalf("span id %q not normalised", s.SpanID)
			}
			if s.ParentSpanID != "" {
				if n, ok := NormalizeSpanID(s.ParentSpanID); !ok || n != s.ParentSpanID {
					t.Fatalf("parent id %q not normalised", s.ParentSpanID)
				}
			}
			if s.Duration < 0 {
				t.Fatalf("negative duration %v", s.Duration)
			}
			if !s.Start.IsZero() && s.Start.Location() != time.UTC {
				t.Fatalf("start %v not UTC", s.Start)
			}
		}
	}
}

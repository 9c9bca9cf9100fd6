package join_test

import (
	"testing"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

// TestSilentErrorClientSpan: a failed client span whose server span (its
// child) holds the lines is not a silent error; without those lines, or
// for a span of another kind, it is.
func TestSilentErrorClientSpan(t *testing.T) {
	const root, call, server = "0000000000000001", "0000000000000002", "0000000000000003"
	tests := []struct {
		name       string
		callKind   string
		serverLogs bool
		want       bool
	}{
		{"client span, server span holds the lines", "client", true, false},
		{"producer span, consumer span holds the lines", "producer", true, false},
		{"client span, server span silent too", "client", false, true},
		{"internal span with a child holding lines", "internal", true, true},
		{"span of unknown kind", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := span(call, root, "gateway", 1, 8)
			c.Kind, c.Error = tt.callKind, true
			sv := span(server, call, "forms", 2, 6)
			sv.Kind, sv.Error = "server", true
			tr := traces.Trace{TraceID: tid, Spans: []traces.Span{span(root, "", "gateway", 0, 10), c, sv}}
			var recs []parse.Record
			if tt.serverLogs {
				r := rec("forms", 3)
				r.SpanID = server
				recs = append(recs, r)
			}
			j := join.Join(tr, recs)
			var got *join.Span
			for i := range j.Spans {
				if j.Spans[i].SpanID == call {
					got = &j.Spans[i]
				}
			}
			if got.SilentError != tt.want {
				t.Errorf("client span SilentError = %v, want %v", got.SilentError, tt.want)
			}
			wantCount := 0
			if tt.want {
				wantCount++
			}
			if !tt.serverLogs {
				wantCount++ // the server span in error says nothing either
			}
			if j.SilentErrors != wantCount {
				t.Errorf("SilentErrors = %d, want %d", j.SilentErrors, wantCount)
			}
		})
	}
}

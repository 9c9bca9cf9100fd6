package notifyworker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/traceline/traceline/adapters/zerologbridge"
)

// syncBuffer is a bytes.Buffer safe for the worker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// TestDroppedContext pins the example's two paths: deliver keeps the
// request's trace (its line carries the id of its own child span), escalate
// drops it (its line carries no trace at all).
func TestDroppedContext(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})

	var out syncBuffer
	w := &worker{log: zerolog.New(&out).Hook(zerologbridge.NewHook()), tracer: tp.Tracer("test")}
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tests := []struct {
		outcome string
		lines   map[string]bool // message → has trace_id
	}{
		{"accepted", map[string]bool{"notification queued": true, "study monitor notified": true}},
		{"rejected", map[string]bool{"notification queued": true, "study monitor notified": true,
			"rejected submission escalated to the safety desk": false}},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			out.b.Reset()
			h := newHandler(w)
			req := httptest.NewRequest(http.MethodPost, "/notifications", strings.NewReader(`{"patient_id":"P-1","outcome":"`+tt.outcome+`"}`))
			req.Header.Set("Traceparent", parent)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			w.inflight.Wait()
			if rec.Code != http.StatusAccepted {
				t.Fatalf("status = %d, want 202", rec.Code)
			}
			got := map[string]bool{}
			sc := bufio.NewScanner(bytes.NewReader(out.b.Bytes()))
			for sc.Scan() {
				var line map[string]any
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatal(err)
				}
				id, _ := line["trace_id"].(string)
				if id != "" && id != "4bf92f3577b34da6a3ce929d0e0e4736" {
					t.Errorf("%v: trace_id %s, want the request's", line["message"], id)
				}
				got[line["message"].(string)] = id != ""
			}
			if len(got) != len(tt.lines) {
				t.Errorf("lines %v, want %v", got, tt.lines)
			}
			for msg, traced := range tt.lines {
				if g, ok := got[msg]; !ok || g != traced {
					t.Errorf("%q: logged %v, traced %v; want traced %v", msg, ok, g, traced)
				}
			}
		})
	}
}

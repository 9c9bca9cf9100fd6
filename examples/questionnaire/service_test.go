package questionnaire

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/traceline/traceline/adapters/slogbridge"
)

func TestRoutes(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	var logs bytes.Buffer
	mux := newMux(slog.New(slogbridge.NewJSONHandler(&logs, nil)))

	tests := []struct {
		name, method, path, body string
		status                   int
		msg                      string // the line logged for it
		spanError                bool
	}{
		{"definition", "GET", "/questionnaires/phq-9", "", 200, "definition served", false},
		{"unknown definition", "GET", "/questionnaires/sf-36", "", 404, "unknown questionnaire", false},
		{"valid answers", "POST", "/questionnaires/gad-7/validate", `{"answers":[0,1,2,3,0,1,2]}`, 200, "answers valid", false},
		{"answer out of range", "POST", "/questionnaires/gad-7/validate", `{"answers":[0,1,7,3,0,1,2]}`, 422, "answers rejected", true},
		{"too few answers", "POST", "/questionnaires/phq-9/validate", `{"answers":[0]}`, 422, "answers rejected", true},
		{"not JSON", "POST", "/questionnaires/phq-9/validate", `answers`, 422, "answers rejected", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			spans.Reset()
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), tt.method, tt.path, strings.NewReader(tt.body)))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log line %q: %v", logs.String(), err)
			}
			ended := spans.Ended()
			if len(ended) != 1 {
				t.Fatalf("%d spans, want 1", len(ended))
			}
			sc := ended[0].SpanContext()
			if line["msg"] != tt.msg || line["trace_id"] != sc.TraceID().String() || line["span_id"] != sc.SpanID().String() {
				t.Errorf("line %v, want msg %q under span %s/%s", line, tt.msg, sc.TraceID(), sc.SpanID())
			}
			if got := ended[0].Status().Code.String() == "Error"; got != tt.spanError {
				t.Errorf("span error = %v, want %v", got, tt.spanError)
			}
		})
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("healthz = %d, want 200", rec.Code)
	}
}

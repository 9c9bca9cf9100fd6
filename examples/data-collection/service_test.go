package datacollection

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/adapters/zapbridge"
)

// TestStore checks the request's trace through all three instrumentations:
// otelgin's server span, otelhttp's client span to the questionnaire
// service (with its traceparent) and GORM's statement spans, and the zap
// lines carrying the server span's ids.
func TestStore(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})

	var gotParent string
	questionnaire := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotParent = r.Header.Get("Traceparent")
		if strings.Contains(r.URL.Path, "bad") {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = w.Write([]byte(`{"error":"item 1: answer 7 outside 0..3"}`))
			return
		}
		_, _ = w.Write([]byte(`{"valid":true}`))
	}))
	defer questionnaire.Close()

	db, err := openStore(filepath.Join(t.TempDir(), "answers.db"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&logs), zap.InfoLevel)
	s := &server{log: zap.New(zapbridge.NewCore(core)), db: db, client: questionnaire.Client(), questionnaire: questionnaire.URL}
	s.client.Transport = otelhttp.NewTransport(s.client.Transport)
	router := newRouter(s)

	tests := []struct {
		name, questionnaire string
		status              int
		msgs                []string
		sqlSpans            bool
	}{
		{"stored", "phq-9", http.StatusCreated, []string{"submission received", "answers stored"}, true},
		{"rejected", "bad", http.StatusUnprocessableEntity, []string{"submission received", "answers invalid"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans.Reset()
			logs.Reset()
			rec := httptest.NewRecorder()
			body := `{"patient_id":"P-1","questionnaire_id":"` + tt.questionnaire + `","answers":[1,2]}`
			router.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/submissions", strings.NewReader(body)))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			var server sdktrace.ReadOnlySpan
			var sql bool
			for _, sp := range spans.Ended() {
				switch {
				case sp.SpanKind().String() == "server":
					server = sp
				case sp.InstrumentationScope().Name == "gorm.io/plugin/opentelemetry":
					sql = true
				}
			}
			if server == nil {
				t.Fatalf("no server span among %d", len(spans.Ended()))
			}
			if sql != tt.sqlSpans {
				t.Errorf("GORM spans = %v, want %v", sql, tt.sqlSpans)
			}
			if !strings.Contains(gotParent, server.SpanContext().TraceID().String()) {
				t.Errorf("questionnaire got traceparent %q, want trace %s", gotParent, server.SpanContext().TraceID())
			}
			var msgs []string
			sc := bufio.NewScanner(&logs)
			for sc.Scan() {
				var line map[string]any
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatal(err)
				}
				if line["span_id"] != server.SpanContext().SpanID().String() {
					t.Errorf("%v: span_id %v, want the server span's %s", line["msg"], line["span_id"], server.SpanContext().SpanID())
				}
				msgs = append(msgs, line["msg"].(string))
			}
			if strings.Join(msgs, "|") != strings.Join(tt.msgs, "|") {
				t.Errorf("lines %q, want %q", msgs, tt.msgs)
			}
		})
	}
}

package server

import (
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// The service traces its own requests, as it asks every service to: each
// request runs in a server span — a child of the caller's span when the
// request carries a W3C traceparent — named for its route
// ("GET /api/v1/traces/{traceID}"), and what the service logs about a
// request is logged with that span's context, so its lines carry trace_id
// and span_id through the logger's adapter (slogbridge in `correlate
// serve`). Without Config.TracerProvider the spans are not exported: they
// exist only to give the log lines their ids, and their trace_flags say
// "not sampled", which is why no trace source will have them.

const tracerName = "github.com/traceline/traceline/correlate/server"

// idOnlyProvider makes spans that carry ids but are never sampled unless
// the caller's are: log lines get a trace id, and nothing is recorded.
func idOnlyProvider() *sdktrace.TracerProvider {
	return sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
}

// traceRequests runs next in a server span per request.
func (s *Server) traceRequests(next http.Handler) http.Handler {
	tracer := s.tracer.Tracer(tracerName)
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(ctx)
		next.ServeHTTP(sw, r) // the mux sets r.Pattern on this request
		if r.Pattern != "" {
			span.SetName(r.Pattern)
			span.SetAttributes(attribute.String("http.route", r.Pattern))
		}
		span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
		if sw.status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(sw.status))
			s.log.WarnContext(ctx, "request failed", "method", r.Method, "path", truncatePath(r.URL.Path),
				"status", sw.status, "took", time.Since(start).Round(time.Microsecond).String())
			return
		}
		if s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.DebugContext(ctx, "request served", "method", r.Method, "path", truncatePath(r.URL.Path),
				"status", sw.status, "took", time.Since(start).Round(time.Microsecond).String())
		}
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush passes on to the connection: /api/v1/entries streams.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

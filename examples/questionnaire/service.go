package questionnaire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/examples/internal/telemetry"
)

// Run serves the questionnaire service until ctx is done, then shuts it
// down gracefully and flushes its spans.
func Run(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	out, closeLog, err := openLog(c.LogFile)
	if err != nil {
		return err
	}
	defer closeLog()

	// The set-up a real service copies: slog's JSON handler with
	// slogbridge's trace fields (NewJSONHandler: the same lines as
	// NewHandler wrapping slog.NewJSONHandler, cheaper), so every *Context
	// call carries the span's ids. The
	// service's name goes on every line, traced or not (logbridge's
	// WithService names only traced lines; coverage needs the others too).
	logger := slog.New(slogbridge.NewJSONHandler(out, &slog.HandlerOptions{AddSource: true})).
		With("service.name", "questionnaire")

	shutdown, err := telemetry.Start(ctx, "questionnaire", c.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer flush(shutdown)

	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("questionnaire: listen: %w", err)
	}
	logger.Info("questionnaire service listening", "addr", ln.Addr().String())
	return serve(ctx, &http.Server{Handler: newMux(logger), ReadHeaderTimeout: 5 * time.Second}, ln)
}

// newMux routes the service's requests, each route in an otelhttp handler
// named for its pattern.
func newMux(logger *slog.Logger) *http.ServeMux {
	s := &server{log: logger}
	mux := http.NewServeMux()
	route := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, otelhttp.NewHandler(h, pattern))
	}
	route("GET /questionnaires/{id}", s.definition)
	route("POST /questionnaires/{id}/validate", s.validate)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux
}

type server struct {
	log *slog.Logger
}

func (s *server) definition(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	def, ok := definitions[id]
	if !ok {
		s.log.WarnContext(ctx, "unknown questionnaire", "questionnaire_id", id)
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown questionnaire " + id})
		return
	}
	s.log.InfoContext(ctx, "definition served", "questionnaire_id", id, "items", len(def.Items))
	writeJSON(w, http.StatusOK, def)
}

func (s *server) validate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	def, ok := definitions[id]
	if !ok {
		s.log.WarnContext(ctx, "unknown questionnaire", "questionnaire_id", id)
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown questionnaire " + id})
		return
	}
	var body struct {
		Answers []int `json:"answers"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		s.reject(ctx, w, id, fmt.Sprintf("answers are not JSON: %v", err))
		return
	}
	if len(body.Answers) != len(def.Items) {
		s.reject(ctx, w, id, fmt.Sprintf("%d answers for %d items", len(body.Answers), len(def.Items)))
		return
	}
	for i, a := range body.Answers {
		if it := def.Items[i]; a < it.Min || a > it.Max {
			s.reject(ctx, w, id, fmt.Sprintf("item %d: answer %d outside %d..%d", i+1, a, it.Min, it.Max))
			return
		}
	}
	s.log.InfoContext(ctx, "answers valid", "questionnaire_id", id, "answers", len(body.Answers))
	writeJSON(w, http.StatusOK, map[string]bool{"valid": true})
}

// reject answers 422. otelhttp leaves a server span's status unset for a
// 4xx, so the handler marks the span failed itself: an invalid answer is
// exactly what the study team wants to find in the trace store.
func (s *server) reject(ctx context.Context, w http.ResponseWriter, id, reason string) {
	span := trace.SpanFromContext(ctx)
	span.SetStatus(codes.Error, reason)
	s.log.ErrorContext(ctx, "answers rejected", "questionnaire_id", id, "reason", reason)
	writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// openLog opens the JSON log file for appending; an empty path is stdout.
func openLog(path string) (*os.File, func(), error) {
	if path == "" {
		return os.Stdout, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("questionnaire: log file: %w", err)
	}
	return f, func() { _ = f.Close() }, nil
}

// serve runs srv on ln until ctx is done, then gives in-flight requests
// five seconds to finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("questionnaire: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("questionnaire: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("questionnaire: serve: %w", err)
	}
	return nil
}

func flush(shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = shutdown(ctx)
}

package notifyworker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/adapters/zerologbridge"
	"github.com/traceline/traceline/examples/internal/telemetry"
)

// Notification is what the gateway asks the worker to tell the study
// monitor.
type Notification struct {
	SubmissionID    uint   `json:"submission_id,omitempty"`
	PatientID       string `json:"patient_id"`
	QuestionnaireID string `json:"questionnaire_id"`
	Outcome         string `json:"outcome"` // "accepted" or "rejected"
	Reason          string `json:"reason,omitempty"`
}

// Run serves the notify-worker until ctx is done, waits for deliveries in
// flight, and flushes its spans.
func Run(ctx context.Context, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	out := os.Stdout
	if c.LogFile != "" {
		f, err := os.OpenFile(c.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("notify-worker: log file: %w", err)
		}
		defer f.Close()
		out = f
	}

	// The set-up a real service copies: the hook writes the trace fields of
	// each event's context. The service's name goes on every line, traced
	// or not (logbridge's WithService names only traced lines; coverage
	// needs the others too). zerolog's default time has whole seconds.
	zerolog.TimeFieldFormat = time.RFC3339Nano
	logger := zerolog.New(out).With().Timestamp().Caller().Str("service.name", "notify-worker").Logger().
		Hook(zerologbridge.NewHook())

	shutdown, err := telemetry.Start(ctx, "notify-worker", c.OTLPEndpoint)
	if err != nil {
		return err
	}
	defer flush(shutdown)

	w := &worker{log: logger, tracer: otel.Tracer("notify-worker"), delivery: c.DeliveryTime}
	defer w.inflight.Wait()

	mux := http.NewServeMux()
	mux.Handle("POST /notifications", newHandler(w))
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) { rw.WriteHeader(http.StatusOK) })

	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("notify-worker: listen: %w", err)
	}
	logger.Info().Str("addr", ln.Addr().String()).Msg("notify-worker listening")
	return serve(ctx, &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln)
}

// newHandler is the notification route in its otelhttp server span.
func newHandler(w *worker) http.Handler {
	return otelhttp.NewHandler(http.HandlerFunc(w.accept), "POST /notifications")
}

type worker struct {
	log      zerolog.Logger
	tracer   trace.Tracer
	delivery time.Duration
	inflight sync.WaitGroup
}

func (w *worker) accept(rw http.ResponseWriter, r *http.Request) {
	// The logger rides in the context, so code further down needs only ctx.
	ctx := w.log.WithContext(r.Context())
	var n Notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		zerologbridge.Ctx(ctx).Error().Err(err).Msg("notification is malformed")
		http.Error(rw, "notification is malformed", http.StatusBadRequest)
		return
	}
	zerologbridge.Ctx(ctx).Info().Str("outcome", n.Outcome).Str("patient_id", n.PatientID).Msg("notification queued")

	// Right: the request's context is cancelled as soon as this handler
	// returns, so the background work keeps its values (span context,
	// logger) but not its cancellation.
	w.inflight.Add(1)
	go func() {
		defer w.inflight.Done()
		w.deliver(context.WithoutCancel(ctx), n)
	}()

	if n.Outcome == "rejected" {
		// BUG (deliberate, the one this example demonstrates): a
		// fire-and-forget escalation started from context.Background(),
		// "because the request is over by then". Its lines carry no trace,
		// so nothing joins them to the submission that caused them;
		// `correlate coverage` lists them. The fix is the line above:
		// context.WithoutCancel(ctx).
		w.inflight.Add(1)
		go func() {
			defer w.inflight.Done()
			//traceline:ignore the demo's deliberate drop: correlate coverage lists escalate's log line at run time
			w.escalate(context.Background(), n)
		}()
	}
	rw.WriteHeader(http.StatusAccepted)
}

// deliver tells the study monitor, in a span of its own under the request's.
func (w *worker) deliver(ctx context.Context, n Notification) {
	ctx, span := w.tracer.Start(ctx, "deliver notification",
		trace.WithAttributes(attribute.String("notification.outcome", n.Outcome)))
	defer span.End()
	time.Sleep(w.delivery)
	zerologbridge.Ctx(ctx).Info().Str("outcome", n.Outcome).Str("questionnaire_id", n.QuestionnaireID).
		Msg("study monitor notified")
}

// escalate files a rejected submission with the safety desk. Given
// context.Background() by its caller (the bug above), it logs through the
// worker's own logger, and the line has no trace fields.
func (w *worker) escalate(ctx context.Context, n Notification) {
	time.Sleep(w.delivery / 2) // while the request's own work is still going on
	w.log.Warn().Ctx(ctx).Str("patient_id", n.PatientID).Str("reason", n.Reason).
		Msg("rejected submission escalated to the safety desk")
}

// serve runs srv on ln until ctx is done, then gives in-flight requests
// five seconds to finish.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("notify-worker: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("notify-worker: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("notify-worker: serve: %w", err)
	}
	return nil
}

func flush(shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = shutdown(ctx)
}

// Package server is `correlate serve`: it follows log files into the store,
// takes pushed lines (JSON lines and OTLP/HTTP logs), and answers lookups
// over HTTP — the joined trace, a trace's lines, find-from-a-line, coverage —
// as a JSON API under /api/v1/ and as a web page.
//
// Routes (fixed: links and scripts use them):
//
//	GET  /                          failing requests of a window (?since=15m|1h|6h|24h)
//	GET  /search                    search the index's lines (?q=&service=&level=&since=)
//	GET  /trace/{traceID}           a trace's waterfall with its log lines; ?line=FILE:LINE
//	                                (or ?line=error: the first error line) highlights a line
//	                                and its span, #span-{spanID} a span
//	GET  /coverage                  where services drop the context
//	GET  /api/v1/traces/{traceID}   the joined trace (the JSON of `correlate trace --format json`)
//	GET  /api/v1/traces/{traceID}/logs  the trace's lines, in time order
//	DELETE /api/v1/traces/{traceID} forget a trace's lines (privacy requests)
//	POST /api/v1/find               {"line": "…"} → trace id, span id, links, and the
//	                                line's file and line when the index holds it
//	GET  /api/v1/coverage           the coverage report
//	GET  /api/v1/status             index status
//	POST /api/v1/ingest             JSON lines (application/x-ndjson or application/json)
//	POST /v1/logs                   OTLP/HTTP logs, protobuf or JSON (hex ids)
//	GET  /healthz, /readyz, /metrics
//
// Push bodies may be gzip'ed (Content-Encoding: gzip). A 2xx answer to a
// push means its lines are in the index and synced to disk; POST
// /api/v1/ingest answers {"accepted":N,"skipped":N,"held":N}. The pieces
// of a container line (CRI "P" records, Docker's 16 KB splits) are joined
// before the line is parsed and redacted, also across pushes with the same
// ?source=: a piece whose line has not ended when its push does is held in
// memory, counted in "held" and not yet stored, until the push that brings
// the line's last piece (a restart forgets held pieces). A route asked
// with a method it does not serve answers 405 with Allow. /readyz answers
// 503 while the index cannot write (a full disk), and /api/v1/status says
// why under "index".
//
// A {traceID} is 32 hex digits (fewer when leading zeros were dropped, as
// Jaeger prints ids), a decimal 64-bit id (an all-digit id of 17 to 20
// digits is read as decimal and must fit 64 bits), or a W3C traceparent.
// Anything else answers 400 saying why it is not a trace id; a well-formed
// id the index lacks answers 404 saying why nothing was found.
//
// Lookups come first: while a trace lookup reads the index (not while its
// answer travels to the client), a push request and the follower's next
// batch wait before parsing and writing, for at most Config.IngestYield,
// so a person's lookup does not share the CPU with back-to-back batches.
// Ingest is delayed, never refused or starved, and a 2xx to a push still
// means its lines are in the index, synced to disk.
//
// It traces its own requests: a server span per request (a child of the
// caller's traceparent), and the lines it logs about a request carry that
// span's trace_id and span_id (see Config.TracerProvider).
//
// Security: it listens on loopback unless told otherwise, and then requires
// a bearer token (or an explicit Insecure); the Host header must name this
// service (DNS rebinding); a state-changing request must be JSON or protobuf
// or carry the token, so a cross-site form cannot ingest; request bodies are
// capped; no request names a file path; errors are JSON messages, never
// stack traces; every piece of log text reaches the page as text.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/correlate/redact"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/tracesource"
)

// Server is a running `correlate serve`.
type Server struct {
	cfg     Config
	store   store.Store
	log     *slog.Logger
	red     *redact.Redactor // nil: nothing to mask
	guard   *guard
	src     tracesource.Source // nil without --jaeger
	jaeger  *tracesource.Jaeger
	metrics *metrics
	admit   *admission
	tracer  trace.TracerProvider
	ownTP   *sdktrace.TracerProvider // the tracer of our own, shut down by Close
	writes  writeHealth
	held    pushHolds // pushed pieces of unfinished container lines

	mu      sync.Mutex
	http    *http.Server
	ln      net.Listener
	stop    context.CancelFunc
	done    chan struct{}
	ready   bool
	started time.Time
}

// New builds a Server over an open store. The caller keeps ownership of st
// and closes it after Close returns.
func New(cfg Config, st store.Store, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	red, err := redact.New(cfg.Redact)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: st, log: log, red: red, metrics: newMetrics(), admit: newAdmission(cfg.IngestYield)}
	if cfg.Jaeger != "" {
		j, err := tracesource.NewJaeger(cfg.Jaeger)
		if err != nil {
			return nil, fmt.Errorf("--jaeger: %w", err)
		}
		s.jaeger, s.src = j, j
	}
	s.tracer = cfg.TracerProvider
	if s.tracer == nil {
		s.ownTP = idOnlyProvider()
		s.tracer = s.ownTP
	}
	s.guard = &guard{token: cfg.Token, maxBody: cfg.MaxBodyBytes, allowedHosts: map[string]bool{}, log: log}
	for _, h := range cfg.AllowedHosts {
		s.guard.allowedHosts[strings.ToLower(h)] = true
	}
	return s, nil
}

// Handler returns the service's routes behind its guard.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /login", s.login)
	s.routes(mux)
	mux.Handle("/", s.webHandler())
	return s.traceRequests(s.guard.wrap(methodsOf(mux)))
}

// methodsOf answers 405 with Allow when a route serves the path under
// other methods: ServeMux would hand such a request to its catch-all
// routes ("/api/", "/"), which answer 404.
func methodsOf(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "/api/" || pattern == "/" {
			var allow []string
			for _, m := range []string{http.MethodDelete, http.MethodGet, http.MethodPost} {
				if m == r.Method {
					continue
				}
				other := r.Clone(r.Context())
				other.Method = m
				if _, p := mux.Handler(other); p != "/api/" && p != "/" && p != "" {
					allow = append(allow, m)
					if m == http.MethodGet {
						allow = append(allow, http.MethodHead)
					}
				}
			}
			if len(allow) > 0 {
				w.Header().Set("Allow", strings.Join(allow, ", "))
				writeError(w, http.StatusMethodNotAllowed, r.Method+" is not served at "+truncatePath(r.URL.Path)+"; it takes "+strings.Join(allow, ", "))
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	if !ready {
		writeError(w, http.StatusServiceUnavailable, "starting")
		return
	}
	if msg := s.writeFailure(); msg != "" {
		writeError(w, http.StatusServiceUnavailable, "the index cannot write: "+msg)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Start listens on the configured address and serves until Close or ctx
// ends. It returns once the listener is open.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	ctx, stop := context.WithCancel(ctx)
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	s.mu.Lock()
	s.http, s.ln, s.stop, s.done, s.started = srv, ln, stop, make(chan struct{}), time.Now()
	s.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serving stopped", "err", err)
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.background(ctx)
	}()
	go func() {
		wg.Wait()
		close(s.done)
	}()
	s.mu.Lock()
	s.ready = true
	s.mu.Unlock()
	s.log.Info("serving", "addr", "http://"+ln.Addr().String(), "data", s.cfg.Data)
	return nil
}

// Addr is the address the service listens on (useful with port 0).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops taking requests, lets those in flight finish (bounded), stops
// ingest at a checkpoint, and returns when everything it started is done.
func (s *Server) Close() error {
	s.mu.Lock()
	srv, stop, done := s.http, s.stop, s.done
	s.ready = false
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	stop()
	<-done
	if s.jaeger != nil {
		s.jaeger.Close()
	}
	if s.ownTP != nil {
		s.ownTP.Shutdown(context.Background())
	}
	return err
}

package slogcases

import (
	"context"
	"log/slog"
	"net/http"
)

type server struct{ log *slog.Logger }

// A handler with the request in scope: its context is r.Context().
func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	s.log.Info("form received", "id", r.FormValue("id")) // want `slog.Info drops the request context r.Context\(\): use InfoContext\(r.Context\(\), …\)`
	ctx := r.Context()
	s.log.Warn("form incomplete") // want `slog.Warn drops the request context ctx: use WarnContext\(ctx, …\)`
	s.log.InfoContext(ctx, "form stored")
	slog.Error("store failed", "err", nil) // want `slog.Error drops the request context ctx`
	s.store(ctx, r.FormValue("id"))
}

// A ctx-taking helper called with the right ctx: no report.
func (s *server) store(ctx context.Context, id string) {
	s.log.DebugContext(ctx, "storing", "id", id)
	slog.Debug("stored") // want `slog.Debug drops the request context ctx`
}

// No context in scope: nothing to drop.
func startup(log *slog.Logger) {
	log.Info("starting")
	slog.Info("starting")
}

// A logger bound with the context value carries it.
func bound(ctx context.Context, log *slog.Logger) {
	l := log.With("ctx", ctx)
	l.Info("bound")
}

// A context only watched for its end is a lifetime, not a request.
func loop(ctx context.Context, log *slog.Logger, jobs <-chan string) {
	for {
		select {
		case <-ctx.Done():
			log.Info("loop stopped")
			return
		case j := <-jobs:
			log.Info("job", "name", j)
		}
	}
}

// Run hands its ctx to loop: a lifetime too.
func Run(ctx context.Context, log *slog.Logger) {
	log.Info("running")
	loop(ctx, log, nil)
}

// Start's ctx bounds the component's start-up, not a request; so does a
// constructor's and a server's start helper's.
func (s *server) Start(ctx context.Context) error {
	s.log.Info("starting")
	go func() { s.log.Info("serving") }()
	return s.startHTTP(ctx)
}

func (s *server) startHTTP(ctx context.Context) error {
	s.log.Info("listening")
	return nil
}

func NewServer(ctx context.Context, log *slog.Logger) *server {
	log.Info("server built")
	return &server{log: log}
}

// ServeHTTP is a request handler, whatever its name starts with.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.log.Info("request") // want `slog.Info drops the request context r.Context\(\)`
}

// A helper called only from start-up code gets its lifetime, in generic
// types too.
type queue[T any] struct{ log *slog.Logger }

func (q *queue[T]) Start(ctx context.Context) error {
	q.load(ctx)
	return nil
}

func (q *queue[T]) load(ctx context.Context) { q.log.Info("loaded") }

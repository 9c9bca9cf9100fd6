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

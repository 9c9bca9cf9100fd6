package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/parse"
)

// routes registers the API. Each handler lives in the file named for it.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/status", s.status)
	mux.HandleFunc("GET /api/v1/traces/{traceID}", s.lookupRoute(s.joinedTrace))
	mux.HandleFunc("GET /api/v1/traces/{traceID}/logs", s.lookupRoute(s.traceLogs))
	mux.HandleFunc("DELETE /api/v1/traces/{traceID}", s.deleteTrace)
	mux.HandleFunc("POST /api/v1/find", s.find)
	mux.HandleFunc("GET /api/v1/coverage", s.coverageReport)
	mux.HandleFunc("GET /api/v1/entries", s.entries)
	mux.HandleFunc("GET /api/v1/search", s.lookupRoute(s.searchEntries))
	mux.HandleFunc("GET /api/v1/failures", s.lookupRoute(s.failingRequests))
	mux.HandleFunc("POST /api/v1/ingest", s.ingestJSONLines)
	mux.HandleFunc("POST /v1/logs", s.otlpLogs)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no API at "+truncatePath(r.URL.Path)+"; see /api/v1/status, /api/v1/traces/{traceID}")
	})
}

// background runs the work that goes on while the service serves:
// following the log files into the store and expiring old entries. It
// returns when ctx ends, after the follower's last checkpoint.
func (s *Server) background(ctx context.Context) {
	// Close returns only when the follower has written its last batch, so
	// the caller may close the store right after.
	followed := make(chan struct{})
	defer func() { <-followed }()
	released := make(chan struct{})
	defer func() { <-released }()
	go func() {
		defer close(released)
		s.releaseWhenIdle(ctx, idleRelease, idleRelease/3, s.releaseMemory)
	}()
	if len(s.cfg.Logs) == 0 {
		close(followed)
	} else {
		cfg := ingest.DefaultConfig()
		cfg.Paths = s.cfg.Logs
		cfg.Exclude = []string{s.cfg.Data}
		cfg.PollInterval = s.cfg.PollInterval
		cfg.Progress = s.metrics.followed
		for _, m := range s.cfg.Services {
			ps, _ := parse.ParsePathService(m) // checked by Config.Validate
			cfg.Parse.Services = append(cfg.Parse.Services, ps)
		}
		if s.red != nil {
			cfg.Parse.Redact = s.red.Entry
		}
		w := gatedWriter{Writer: s.store, gate: s.admit, wait: func(d time.Duration) { s.metrics.ingestWait.Observe(d.Seconds()) }, note: s.noteWrite}
		if f, err := ingest.NewFollower(w, cfg); err != nil {
			s.log.Error("cannot follow the logs", "err", err)
			close(followed)
		} else {
			go func() {
				defer close(followed)
				s.follow(ctx, f)
			}()
		}
	}
	if s.cfg.Retention <= 0 && s.cfg.RetentionBytes <= 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		s.expire(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.store.Stats(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	s.metrics.mu.Lock()
	followed := s.metrics.last
	s.metrics.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"files": st.Files, "oldest": st.Oldest, "newest": st.Newest, "size_bytes": st.SizeBytes,
		"compression": st.Compression, "logs": s.cfg.Logs, "jaeger": s.cfg.Jaeger,
		"followed": map[string]any{"lines": followed.Lines, "entries": followed.Entries, "traced": followed.Traced,
			"skipped": followed.Skipped, "errors": followed.Errors, "last_error": followed.LastError,
			"failed": followed.Failed},
		"index": s.writeStatus(),
	})
}

// expire applies retention by age, then by size: while the index is over
// RetentionBytes it drops its oldest time bucket (a day), one per round, so
// a burst never deletes more than it must.
func (s *Server) expire(ctx context.Context) {
	if s.cfg.Retention > 0 {
		if n, err := s.store.Expire(ctx, s.cfg.Retention); err != nil {
			s.log.Warn("expiring old entries failed", "err", err)
		} else if n > 0 {
			s.log.Info("expired old entries", "buckets", n, "by", "age")
		}
	}
	if s.cfg.RetentionBytes <= 0 {
		return
	}
	st, err := s.store.Stats(ctx)
	if err != nil || st.SizeBytes <= s.cfg.RetentionBytes || st.Oldest.IsZero() {
		return
	}
	keep := st.Newest.Sub(st.Oldest) - 24*time.Hour
	if keep <= 0 {
		s.log.Warn("index over its size limit but holds one day only; nothing dropped", "size_bytes", st.SizeBytes, "limit", s.cfg.RetentionBytes)
		return
	}
	if n, err := s.store.Expire(ctx, keep); err != nil {
		s.log.Warn("expiring by size failed", "err", err)
	} else if n > 0 {
		s.log.Info("expired old entries", "buckets", n, "by", "size", "size_bytes", st.SizeBytes, "limit", s.cfg.RetentionBytes)
		if c, ok := s.store.(interface{ Compact(context.Context) error }); ok {
			c.Compact(ctx)
		}
	}
}

// follow runs f until ctx ends. When it stops on an error (a full disk, a
// store that cannot write) it runs again after a pause that grows to a
// minute: each Run resumes from the checkpoints, so nothing is lost or
// read twice, and following recovers by itself once the cause is gone.
func (s *Server) follow(ctx context.Context, f *ingest.Follower) {
	pause := time.Second
	for {
		start := time.Now()
		err := f.Run(ctx)
		if ctx.Err() != nil || errors.Is(err, context.Canceled) {
			return
		}
		if time.Since(start) > 5*time.Minute {
			pause = time.Second
		}
		s.log.Error("following the logs stopped; trying again", "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Minute)
	}
}

package server

import (
	"context"
	"errors"
	"sync"
	"time"
)

// writeHealth remembers how the index's writes went, for /api/v1/status,
// /readyz and the log: a store that cannot write (a full disk) must say
// so, not look idle.
type writeHealth struct {
	mu      sync.Mutex
	failing bool // the last write failed
	errors  int
	lastErr string
	lastAt  time.Time
}

// noteWrite records the outcome of a write to the index (pushed or
// followed) and logs when the index stops or starts writing again.
func (s *Server) noteWrite(err error) {
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return // the client or the service gave up: not the index's fault
	}
	h := &s.writes
	h.mu.Lock()
	was := h.failing
	h.failing = err != nil
	if err != nil {
		h.errors++
		h.lastErr, h.lastAt = err.Error(), time.Now().UTC()
	}
	h.mu.Unlock()
	switch {
	case err != nil && !was:
		s.log.Error("the index cannot write; pushes are refused and following waits", "err", err)
	case err == nil && was:
		s.log.Info("the index writes again")
	}
}

// writeStatus is the "index" object of /api/v1/status.
func (s *Server) writeStatus() map[string]any {
	h := &s.writes
	h.mu.Lock()
	defer h.mu.Unlock()
	st := map[string]any{"writable": !h.failing, "errors": h.errors, "last_error": h.lastErr}
	if !h.lastAt.IsZero() {
		st["last_error_at"] = h.lastAt
	}
	return st
}

// writeFailure returns the error of the last write when it failed.
func (s *Server) writeFailure() string {
	h := &s.writes
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failing {
		return h.lastErr
	}
	return ""
}

package server

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// writeHealth remembers how the index's writes went, for /api/v1/status,
// /readyz and the log: a store that cannot write (a full disk) must say
// so, not look idle.
type writeHealth struct {
	count atomic.Int64 // writes that succeeded
	last  atomic.Int64 // when the last one did (Unix nanoseconds)

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
	if err == nil {
		h.last.Store(time.Now().UnixNano())
		h.count.Add(1)
	}
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

// idleRelease is how long the index must have been idle before the
// memory ingest used goes back to the system.
const idleRelease = 30 * time.Second

// memoryReleaser is a store that can give back what it holds for writes
// (pebblestore.Store); false asks to be called again later.
type memoryReleaser interface{ ReleaseMemory() bool }

// releaseMemory returns what ingest used: the store's write buffers and
// the heap the collector has freed. It reports false when the store asks
// to be called again.
func (s *Server) releaseMemory() bool {
	done := true
	if r, ok := s.store.(memoryReleaser); ok {
		done = r.ReleaseMemory()
	}
	debug.FreeOSMemory()
	return done
}

// releaseWhenIdle returns the memory ingest used to the system once
// writes stop for idleRelease: with the collector tuned for ingest (GOGC
// 400, a 1 GiB soft limit) the heap grows with a burst of pushes, and
// the runtime returns freed pages only slowly, so an idle service would
// otherwise keep the peak of its last burst. free is called once a burst,
// and at every tick after while it reports false (the store was busy). It
// runs until ctx ends.
func (s *Server) releaseWhenIdle(ctx context.Context, idle, every time.Duration, free func() bool) {
	t := time.NewTicker(every)
	defer t.Stop()
	var released int64 // the write count at the last release
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, last := s.writes.count.Load(), s.writes.last.Load()
		if n != released && time.Since(time.Unix(0, last)) >= idle {
			if free() {
				released = n
			}
		}
	}
}

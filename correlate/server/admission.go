package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// admission gives interactive lookups priority over ingest. A person
// waiting for a trace page is worth more than a pipeline's batch, which
// its exporter does not mind seeing answered a little later: on a small
// machine, a lookup of a 10,000-line trace that shares the CPU with
// back-to-back pushes takes several times as long as one alone.
//
// So while a lookup reads the store (until it starts its answer: a client
// reading slowly holds no one up), a push request (and a followed file's
// next batch) waits at the gate before it parses and writes anything, and
// goes ahead when the last lookup ends — or when it has waited maxWait,
// so that ingest is never starved by a stream of lookups. Ingest already
// past the gate finishes undisturbed. Waiting changes only when a batch is
// written, never what is answered: a 2xx to a push still means its lines
// are in the index.
type admission struct {
	maxWait time.Duration // <= 0: ingest never waits
	// after arms the bound; tests replace it to fire it themselves.
	after func(time.Duration) (<-chan time.Time, func() bool)

	mu      sync.Mutex
	lookups int
	idle    chan struct{} // closed while no lookup is in flight
}

func newAdmission(maxWait time.Duration) *admission {
	a := &admission{maxWait: maxWait, idle: make(chan struct{})}
	close(a.idle)
	a.after = func(d time.Duration) (<-chan time.Time, func() bool) {
		t := time.NewTimer(d)
		return t.C, t.Stop
	}
	return a
}

// lookup marks an interactive lookup in flight until done is called.
func (a *admission) lookup() (done func()) {
	a.mu.Lock()
	if a.lookups == 0 {
		a.idle = make(chan struct{})
	}
	a.lookups++
	a.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			if a.lookups--; a.lookups == 0 {
				close(a.idle)
			}
			a.mu.Unlock()
		})
	}
}

// ingest waits while lookups are in flight: until none is, maxWait has
// passed, or ctx ends (then it returns ctx's error). It reports whether it
// waited at all.
func (a *admission) ingest(ctx context.Context) (waited bool, err error) {
	a.mu.Lock()
	idle := a.idle
	a.mu.Unlock()
	select {
	case <-idle:
		return false, nil
	default:
	}
	if a.maxWait <= 0 {
		return false, nil
	}
	bound, stop := a.after(a.maxWait)
	defer stop()
	select {
	case <-idle:
	case <-bound:
	case <-ctx.Done():
		return true, ctx.Err()
	}
	return true, nil
}

// lookupRoute makes h a lookup at the gate while it reads the store: from
// the request until h starts its answer. Writing the answer does not
// count, so a client that reads it slowly holds up no ingest.
func (s *Server) lookupRoute(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lw := &lookupWriter{ResponseWriter: w, done: s.admit.lookup()}
		defer lw.done()
		h(lw, r)
	}
}

// lookupWriter ends its lookup at the gate when the answer starts.
type lookupWriter struct {
	http.ResponseWriter
	done func() // idempotent
}

func (w *lookupWriter) WriteHeader(code int) {
	w.done()
	w.ResponseWriter.WriteHeader(code)
}

func (w *lookupWriter) Write(b []byte) (int, error) {
	w.done()
	return w.ResponseWriter.Write(b)
}

// Flush lets a streaming handler flush through the wrapper.
func (w *lookupWriter) Flush() {
	w.done()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the connection's writer.
func (w *lookupWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// gatedWriter is the store as the file follower sees it: each batch passes
// the admission gate before it is written.
type gatedWriter struct {
	store.Writer
	gate *admission
	wait func(time.Duration) // observes each wait
	note func(error)         // observes each write's outcome
}

// Write waits at the gate, then writes (also when ctx ended meanwhile: the
// store decides what a cancelled write does).
func (g gatedWriter) Write(ctx context.Context, entries []store.Entry, cp store.Checkpoint) error {
	start := time.Now()
	if waited, _ := g.gate.ingest(ctx); waited {
		g.wait(time.Since(start))
	}
	err := g.Writer.Write(ctx, entries, cp)
	if g.note != nil {
		g.note(err)
	}
	return err
}

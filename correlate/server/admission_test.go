package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fakeBound replaces the gate's timer: armed receives each bound asked
// for, and the test fires it by sending on fire.
type fakeBound struct {
	armed chan time.Duration
	fire  chan time.Time
}

func newFakeBound(a *admission) *fakeBound {
	f := &fakeBound{armed: make(chan time.Duration, 8), fire: make(chan time.Time, 1)}
	a.after = func(d time.Duration) (<-chan time.Time, func() bool) {
		f.armed <- d
		return f.fire, func() bool { return true }
	}
	return f
}

type ingestResult struct {
	waited bool
	err    error
}

func startIngest(ctx context.Context, a *admission) <-chan ingestResult {
	ch := make(chan ingestResult, 1)
	go func() {
		w, err := a.ingest(ctx)
		ch <- ingestResult{w, err}
	}()
	return ch
}

// waitingAt returns once an ingest is blocked at the gate with the given
// bound: it armed the bound, and nothing has released it.
func (f *fakeBound) waitingAt(t *testing.T, want time.Duration, done <-chan ingestResult) {
	t.Helper()
	select {
	case d := <-f.armed:
		if d != want {
			t.Fatalf("ingest waits at most %v, want the configured %v", d, want)
		}
	case r := <-done:
		t.Fatalf("ingest went ahead while a lookup held the gate: %+v", r)
	case <-time.After(10 * time.Second):
		t.Fatal("ingest neither waited nor went ahead")
	}
	select {
	case r := <-done:
		t.Fatalf("ingest went ahead while a lookup held the gate: %+v", r)
	default:
	}
}

func TestAdmission(t *testing.T) {
	const bound = 7 * time.Second
	tests := []struct {
		name    string
		lookups int
		release func(f *fakeBound, leave []func(), cancel context.CancelFunc)
		want    ingestResult
	}{
		{"no lookup: ingest goes ahead at once", 0, nil, ingestResult{}},
		{"the lookup ends: ingest goes ahead", 1,
			func(_ *fakeBound, leave []func(), _ context.CancelFunc) { leave[0]() },
			ingestResult{waited: true}},
		{"the bound passes: ingest goes ahead while the lookup runs on", 1,
			func(f *fakeBound, _ []func(), _ context.CancelFunc) { f.fire <- time.Time{} },
			ingestResult{waited: true}},
		{"two lookups: ingest waits for the last", 2,
			// The first lookup ended already (below); ending it again is a no-op.
			func(_ *fakeBound, leave []func(), _ context.CancelFunc) { leave[0](); leave[1]() },
			ingestResult{waited: true}},
		{"the client gives up", 1,
			func(_ *fakeBound, _ []func(), cancel context.CancelFunc) { cancel() },
			ingestResult{waited: true, err: context.Canceled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAdmission(bound)
			f := newFakeBound(a)
			var leave []func()
			for i := 0; i < tt.lookups; i++ {
				leave = append(leave, a.lookup())
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := startIngest(ctx, a)
			if tt.release != nil {
				f.waitingAt(t, bound, done)
				if tt.lookups == 2 {
					leave[0]()
					select {
					case r := <-done:
						t.Fatalf("ingest went ahead with a lookup still in flight: %+v", r)
					default:
					}
				}
				tt.release(f, leave, cancel)
			}
			select {
			case r := <-done:
				if r.waited != tt.want.waited || !errors.Is(r.err, tt.want.err) {
					t.Errorf("ingest: %+v, want %+v", r, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ingest still waits")
			}
			for _, l := range leave {
				l()
			}
			// The gate is open again.
			if r := <-startIngest(context.Background(), a); r.waited || r.err != nil {
				t.Errorf("after every lookup ended: %+v", r)
			}
		})
	}
}

func TestAdmissionDisabled(t *testing.T) {
	a := newAdmission(-1)
	defer a.lookup()()
	if r := <-startIngest(context.Background(), a); r.waited || r.err != nil {
		t.Errorf("IngestYield < 0 still waits: %+v", r)
	}
}

// TestPushWaitsForLookup drives the gate through the service: a push that
// arrives while a lookup is in flight is not written until the lookup
// ends (or the bound passes), and is then answered 200 with its lines in
// the index.
func TestPushWaitsForLookup(t *testing.T) {
	for _, byBound := range []bool{false, true} {
		name := "lookup ends"
		if byBound {
			name = "bound passes"
		}
		t.Run(name, func(t *testing.T) {
			srv, st, base := startServer(t, func(c *Config) { c.IngestYield = time.Minute })
			f := newFakeBound(srv.admit)
			leave := srv.admit.lookup()
			defer leave()
			const id = "77777777777777777777777777777777"
			done := make(chan int, 1)
			go func() {
				resp, err := http.Post(base+"/api/v1/ingest", "application/x-ndjson", strings.NewReader(`{"msg":"waited","trace_id":"`+id+`"}`))
				if err != nil {
					done <- 0
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				done <- resp.StatusCode
			}()
			select {
			case d := <-f.armed:
				if d != time.Minute {
					t.Fatalf("push waits at most %v, want IngestYield", d)
				}
			case code := <-done:
				t.Fatalf("push answered %d while a lookup held the gate", code)
			}
			if n := traceLogs(t, st, id); n != 0 {
				t.Fatalf("the push wrote %d lines before the lookup ended", n)
			}
			if byBound {
				f.fire <- time.Time{}
			} else {
				leave()
			}
			if code := <-done; code != 200 {
				t.Fatalf("push: %d", code)
			}
			if n := traceLogs(t, st, id); n != 1 {
				t.Errorf("after a 200 the index holds %d lines of the push, want 1", n)
			}
		})
	}
}

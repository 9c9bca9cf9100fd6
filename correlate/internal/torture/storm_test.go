package torture

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// crashingWriter is a store that dies after a number of writes, as a
// killed process does: the write that finds it dead, and every later one,
// is not stored. Each write before is whole (entries and checkpoint), as
// the store's are after a real crash.
type crashingWriter struct {
	store.Writer
	left atomic.Int64
}

var errCrashed = errors.New("crashed")

func (c *crashingWriter) Write(ctx context.Context, entries []store.Entry, cp store.Checkpoint) error {
	if c.left.Add(-1) < 0 {
		return errCrashed
	}
	return c.Writer.Write(ctx, entries, cp)
}

// TestRestartStorm is the torture test's writer with a rotation every 80
// lines a file on average, and a follower in this process that is stopped
// and started again every 5–65 ms, about 200 times, polling every 1–10 ms:
// far more restarts, rotations and polls between a writer's steps than the
// kill test can afford. Half the stops are a cancel (the last batches are
// committed), half a crash of the store after a random number of writes
// (what a kill loses: the batches not yet written). A one-shot pass reads
// what the last follower left, and the store must then hold every line
// once, where it was written, as in TestTorture; when it does not, the
// test shows what the followers did with the files involved (Config.Trace).
// TORTURE_SEED replays the writer; TORTURE=long writes ten times as many
// lines.
func TestRestartStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("the restart storm runs for ~10 s")
	}
	entries := 60000
	if os.Getenv("TORTURE") == "long" {
		entries = 600000
	}
	w, seed, live, data := newTortureWriter(t, WriterConfig{Entries: entries, RotateEvery: 80})
	st, err := pebblestore.Open(data, pebblestore.Options{MemTableBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	writerDone := make(chan error, 1)
	go func() {
		pace := rand.New(rand.NewPCG(seed, 10))
		for {
			more, err := w.Step()
			if err != nil || !more {
				writerDone <- err
				return
			}
			time.Sleep(time.Duration(pace.IntN(3000)) * time.Microsecond)
		}
	}()
	trace := tracePath(data)
	tf, err := os.OpenFile(trace, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	rng := rand.New(rand.NewPCG(seed, 9))
	restarts, crashes := 0, 0
	done := false
	for !done {
		cfg := followConfig(live)
		cfg.PollInterval = time.Duration(1+rng.IntN(10)) * time.Millisecond
		cfg.IdleFlush = 20 * time.Millisecond
		run := restarts
		cfg.Trace = func(format string, args ...any) {
			fmt.Fprintf(tf, "%s run %d: %s\n", time.Now().Format("15:04:05.000000"), run, fmt.Sprintf(format, args...))
		}
		var sw store.Writer = st
		crash := rng.IntN(2) == 0
		if crash {
			cw := &crashingWriter{Writer: st}
			cw.left.Store(int64(rng.IntN(40)))
			sw = cw
		}
		f, err := ingest.NewFollower(sw, cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- f.Run(ctx) }()
		select {
		case err := <-writerDone:
			if err != nil {
				t.Fatal(err)
			}
			done = true
		case <-time.After(time.Duration(5+rng.IntN(60)) * time.Millisecond):
		}
		cancel()
		if err := <-ran; err != nil {
			if !crash || !errors.Is(err, errCrashed) {
				t.Fatal(err)
			}
			crashes++
		}
		restarts++
	}
	stats, res := finalPass(t, st, live, w)
	t.Logf("%d restarts (%d crashed), rotations %+v, the one-shot pass after them %d entries; result: %v", restarts, crashes, w.Rotations, stats.Entries, res)
	reportFaults(t, res, w, trace)
}

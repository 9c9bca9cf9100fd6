package torture

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// TestRestartStorm is the torture test's writer with a rotation every 80
// lines a file on average, and a follower in this process that is stopped
// and started again every 5–65 ms, about 200 times, polling every 1–10 ms:
// far more restarts, rotations and polls between a writer's steps than the
// kill test can afford. A stop here is a cancel, not a kill (the last
// batches are committed), so it explores where a restart lands, not what
// a kill loses. A one-shot pass reads what the last follower left, and
// the store must then hold every line once, as in TestTorture.
// TORTURE_SEED replays the writer.
func TestRestartStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("the restart storm runs for ~10 s")
	}
	w, seed, live, data := newTortureWriter(t, WriterConfig{Entries: 60000, RotateEvery: 80})
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
	rng := rand.New(rand.NewPCG(seed, 9))
	restarts := 0
	done := false
	for !done {
		cfg := followConfig(live)
		cfg.PollInterval = time.Duration(1+rng.IntN(10)) * time.Millisecond
		cfg.IdleFlush = 20 * time.Millisecond
		f, err := ingest.NewFollower(st, cfg)
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
			t.Fatal(err)
		}
		restarts++
	}
	stats, res := finalPass(t, st, live, w)
	t.Logf("%d restarts, rotations %+v, the one-shot pass after them %d entries; result: %v", restarts, w.Rotations, stats.Entries, res)
	reportFaults(t, res, w, "")
}

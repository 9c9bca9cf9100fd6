package chstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/store"
)

// batchOf returns batch i of a file: n entries over n/4 traces (spread over
// both shards) and a quarter untraced, with the checkpoint after them.
func batchOf(file uint64, i, n int) ([]store.Entry, store.Checkpoint) {
	var es []store.Entry
	for j := 0; j < n; j++ {
		off := int64(i*n+j) * 100
		at := t0.Add(time.Duration(off) * time.Microsecond)
		tr := ""
		if j%4 != 3 {
			tr = traceOf(i*n + j).String()
		}
		es = append(es, rec(off, at, tr, "", fmt.Sprintf("m%d", i*n+j)))
	}
	return es, store.Checkpoint{FileID: file, Path: "a.log", Offset: int64((i+1)*n) * 100, Updated: t0.Add(time.Duration(i+1) * time.Second)}
}

func traceOf(k int) store.TraceID {
	return store.TraceID{Hi: 0xfeed, Lo: uint64(k/8)*0x9e3779b97f4a7c15 | 1<<63}
}

// countAll returns how many entries Range yields, and how many distinct
// (file, offset) keys among them.
func countAll(t *testing.T, s *Store) (int, int) {
	t.Helper()
	seen := map[[2]int64]bool{}
	n := 0
	err := s.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		n++
		seen[[2]int64{int64(len(e.File)), e.Offset}] = true
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, len(seen)
}

func waitDrained(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n, _ := s.Spooled(); n == 0 {
			return
		}
		if time.Now().After(deadline) {
			n, b := s.Spooled()
			t.Fatalf("spool not drained: %d batches, %d bytes", n, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKillRestart kills one shard of two in the middle of an ingest, keeps
// writing (the spool takes the batches), restarts it, and checks that
// everything arrives once, in order of checkpoints.
func TestKillRestart(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	ctx := context.Background()
	dir := t.TempDir()
	s := openStore(t, c, "killrestart", dir)
	const batches, per = 40, 64
	killed := make(chan struct{})
	go func() {
		time.Sleep(30 * time.Millisecond)
		c.Servers[1].Kill()
		close(killed)
	}()
	for i := 0; i < batches; i++ {
		es, cp := batchOf(5, i, per)
		if err := s.Write(ctx, es, cp); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if i == batches/2 {
			<-killed
			// While the shard is down the resume point is the spool's.
			cps, err := s.Checkpoints(ctx)
			if err == nil {
				t.Logf("checkpoints while down: %+v", cps)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	if n, _ := s.Spooled(); n == 0 {
		t.Fatal("nothing was spooled while a shard was down")
	}
	// A correlator restart while ClickHouse is still down: the spool stays.
	s.Close()
	s = openStore(t, c, "killrestart", dir)
	if err := c.Servers[1].Restart(); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, s)
	n, distinct := countAll(t, s)
	if n != batches*per || distinct != batches*per {
		t.Errorf("after restart: %d entries (%d distinct), want %d", n, distinct, batches*per)
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil || len(cps) != 1 || cps[0].Offset != batches*per*100 {
		t.Errorf("checkpoints %+v, %v", cps, err)
	}
	for _, k := range []int{0, 7, 8, batches*per - 1} {
		recs, err := s.Logs(ctx, traceOf(k))
		if err != nil || len(recs) != 6 && len(recs) != 5 && len(recs) != 7 && len(recs) != 8 {
			t.Errorf("trace of entry %d: %d records, %v", k, len(recs), err)
		}
	}
}

func TestSpoolFull(t *testing.T) {
	c := clickhousetest.Start(t, 1)
	ctx := context.Background()
	cfg := Config{Shards: c.URLs(), Database: "full", SpoolDir: t.TempDir(), SpoolBytes: 20 << 10, Timeout: 5 * time.Second}
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.Servers[0].Kill()
	var full error
	for i := 0; i < 50 && full == nil; i++ {
		es, cp := batchOf(1, i, 16)
		full = s.Write(ctx, es, cp)
	}
	if !errors.Is(full, ErrSpoolFull) || !errors.Is(full, ErrUnavailable) {
		t.Fatalf("write into a full spool: %v, want ErrSpoolFull", full)
	}
	if _, b := s.Spooled(); b > cfg.SpoolBytes {
		t.Errorf("spool holds %d bytes, cap %d", b, cfg.SpoolBytes)
	}
	cps, err := s.Checkpoints(ctx)
	if err == nil {
		t.Errorf("checkpoints with ClickHouse down: %+v, want an error", cps)
	}
	if err := c.Servers[0].Restart(); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, s)
	cps, err = s.Checkpoints(ctx)
	if err != nil || len(cps) != 1 {
		t.Fatalf("checkpoints %+v, %v", cps, err)
	}
	n, distinct := countAll(t, s)
	if want := int(cps[0].Offset / 100); n != want || distinct != want {
		t.Errorf("%d entries (%d distinct), checkpoint says %d", n, distinct, want)
	}
}

package server

import (
	"context"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// fullStore fails its first writes with ENOSPC, as a store on a full disk.
type fullStore struct {
	store.Store
	failures atomic.Int32
}

func (f *fullStore) Write(ctx context.Context, es []store.Entry, cp store.Checkpoint) error {
	if f.failures.Add(-1) >= 0 {
		return &os.PathError{Op: "write", Path: "000042.sst", Err: syscall.ENOSPC}
	}
	return f.Store.Write(ctx, es, cp)
}

// TestFollowingRecoversFromWriteErrors: when the store cannot write (a full
// disk), following stops, then starts again by itself and indexes the
// file's line exactly once when there is room.
func TestFollowingRecoversFromWriteErrors(t *testing.T) {
	dir := t.TempDir()
	logFile := dir + "/app.log"
	const id = "44444444444444444444444444444444"
	if err := os.WriteFile(logFile, []byte(`{"time":"2026-11-24T12:00:00Z","msg":"form stored","trace_id":"`+id+`"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Logs = []string{logFile}
	ps, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := &fullStore{Store: ps}
	st.failures.Store(2)
	runServer(t, cfg, st, nil)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && traceLogs(t, ps, id) == 0 {
		time.Sleep(100 * time.Millisecond)
	}
	if n := traceLogs(t, ps, id); n != 1 {
		t.Fatalf("%d lines indexed after the store could write again, want 1", n)
	}
	if f := st.failures.Load(); f >= 0 {
		t.Errorf("the store was not asked to write again after failing (%d failures left)", f)
	}
}

package server

import (
	"context"
	"os"
	"path/filepath"
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

// TestFollowedFilesTakeServiceMappings: a followed file whose lines name
// no service takes the one Config.Services maps its path to (serve
// --service GLOB=NAME), matched on the absolute path; a file no mapping
// matches stays unnamed.
func TestFollowedFilesTakeServiceMappings(t *testing.T) {
	dir := t.TempDir()
	const mapped, unmapped = "55555555555555555555555555555555", "66666666666666666666666666666666"
	write := func(name, id string) {
		line := `{"time":"2026-11-24T12:00:00Z","msg":"access","trace_id":"` + id + `"}` + "\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("gateway.log", mapped)
	write("other.log", unmapped)
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Logs = []string{filepath.Join(dir, "*.log")}
	cfg.Services = []string{filepath.Join(dir, "gateway*") + "=epro-api"}
	ps, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	runServer(t, cfg, ps, nil)
	service := func(id string) string {
		ids, _ := store.ParseTraceID(id)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if recs, err := ps.Logs(context.Background(), ids...); err == nil && len(recs) == 1 {
				return recs[0].Service
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("trace %s never indexed", id)
		return ""
	}
	if got := service(mapped); got != "epro-api" {
		t.Errorf("mapped file's line has service %q, want epro-api", got)
	}
	if got := service(unmapped); got != "" {
		t.Errorf("unmapped file's line has service %q, want none", got)
	}
}

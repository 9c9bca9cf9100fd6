package torture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/traceline/traceline/correlate/internal/tmpfstest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// TestDiskFullReal indexes onto a real file system that fills up: a 3 MiB
// tmpfs under an index of about 8 MiB of lines that do not compress well.
// Both ways the store is written are tried: `correlate index`'s bulk load
// (stop, then run again) and `correlate serve`'s write-ahead log (the
// store stays open). Indexing must stop with an error that says the disk
// is full — no panic, no hang — and once the file system has room again,
// indexing must complete with every line exactly once.
func TestDiskFullReal(t *testing.T) {
	for _, mode := range []string{"bulk", "wal"} {
		t.Run(mode, func(t *testing.T) { testDiskFullReal(t, mode) })
	}
}

func testDiskFullReal(t *testing.T, mode string) {
	tmp := t.TempDir()
	mnt := filepath.Join(tmp, "mnt")
	tmpfstest.Mount(t, mnt, 3<<20)
	logs := filepath.Join(tmp, "logs")
	os.MkdirAll(logs, 0o755)
	const lines = 40000
	var b strings.Builder
	noise := make([]byte, 48)
	for i := range lines {
		rand.Read(noise)
		fmt.Fprintf(&b, `{"level":"info","ts":"2026-03-01T12:%02d:%02dZ","msg":"stored %s","n":%d,"trace_id":%q,"span_id":"00f067aa0ba902b7"}`+"\n",
			i/60%60, i%60, hex.EncodeToString(noise), i, goodID)
	}
	if err := os.WriteFile(filepath.Join(logs, "app.log"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(mnt, "data")
	open := func() *pebblestore.Store {
		o := pebblestore.Options{MemTableBytes: 1 << 20}
		if mode == "bulk" {
			o.DisableWAL, o.BulkLoad, o.BulkRunBytes = true, true, 256<<10
		}
		st, err := pebblestore.Open(data, o)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return st
	}
	cfg := indexConfig(logs)
	cfg.BatchEntries = 1000
	st := open()
	_, err := ingest.Index(context.Background(), st, cfg)
	if err == nil && mode == "bulk" {
		err = st.Compact(context.Background())
	}
	t.Logf("full disk: %v", err)
	if err == nil || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("indexing 8 MiB into 3 MiB: %v, want an error that says the disk is full", err)
	}
	if mode == "bulk" {
		// `correlate index` exits; the next run opens the folder again.
		// Room comes back before the close: the run still in memory
		// carries checkpoints beyond the run that was lost, and must not
		// be ingested now.
		tmpfstest.Resize(t, mnt, 64<<20)
		if err := st.Close(); err != nil && !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("close: %v", err)
		}
		st = open()
		if _, err := ingest.Index(context.Background(), st, cfg); err != nil {
			t.Fatalf("index after the disk was freed: %v", err)
		}
	} else {
		// `correlate serve` keeps the store open: once there is room,
		// Pebble's retried flush succeeds and writes are taken again.
		tmpfstest.Resize(t, mnt, 64<<20)
		deadline := time.Now().Add(20 * time.Second)
		for {
			_, err := ingest.Index(context.Background(), st, cfg)
			if err == nil {
				break
			}
			if !errors.Is(err, syscall.ENOSPC) || time.Now().After(deadline) {
				t.Fatalf("index after the disk was freed: %v", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := st.Compact(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids, _ := store.ParseTraceID(goodID)
	recs, err := st.Logs(context.Background(), ids...)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, r := range recs {
		if seen[r.Offset] {
			t.Fatalf("line at offset %d indexed twice", r.Offset)
		}
		seen[r.Offset] = true
	}
	if len(seen) != lines {
		t.Errorf("%d lines indexed after the disk was freed, want %d", len(seen), lines)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

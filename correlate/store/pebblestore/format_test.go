package pebblestore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/store"
)

// copyDir copies the files of src (no subfolders) into a new temporary
// folder.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	des, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(src, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, de.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestOpensOlderFormat opens a store that an earlier release created at
// Pebble's format 18 (FormatFlushableIngestExcises, row-based tables; see
// testdata/rowformat, two traced lines and one untraced): a read-only open
// reads it as it is, a writable open ratchets it to the newest format and
// keeps every entry, and new writes land beside the old ones.
func TestOpensOlderFormat(t *testing.T) {
	ctx := context.Background()
	dir := copyDir(t, filepath.Join("testdata", "rowformat"))
	id, err := store.ParseTraceID(traceA)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(o Options, want int) *Store {
		t.Helper()
		s, err := Open(dir, o)
		if err != nil {
			t.Fatalf("open (read-only %v): %v", o.ReadOnly, err)
		}
		recs, err := s.Logs(ctx, id...)
		if err != nil || len(recs) != want || recs[0].Msg != "first" {
			t.Fatalf("logs (read-only %v): %d records, %v; want %d starting with \"first\"", o.ReadOnly, len(recs), err, want)
		}
		return s
	}

	s := lookup(Options{ReadOnly: true}, 2)
	if v := s.db.FormatMajorVersion(); v != pebble.FormatFlushableIngestExcises {
		t.Errorf("read-only open: format %d, want it left at %d", v, pebble.FormatFlushableIngestExcises)
	}
	s.Close()

	s = lookup(Options{}, 2)
	if v := s.db.FormatMajorVersion(); v != pebble.FormatNewest {
		t.Errorf("writable open: format %d, want %d (FormatNewest)", v, pebble.FormatNewest)
	}
	e := rec(0, t0.Add(3*time.Second), traceA, "", "third")
	if err := s.Write(ctx, []store.Entry{e}, store.Checkpoint{FileID: 99}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lookup(Options{ReadOnly: true}, 3).Close()
}

package torture

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

const goodID = "4bf92f3577b34da6a3ce929d0e0e4736"

// goodLine is a clean traced line; n tells the copies apart.
func goodLine(n int) string {
	return fmt.Sprintf(`{"level":"info","ts":"2026-03-01T12:00:%02dZ","msg":"good %d","trace_id":%q,"span_id":"00f067aa0ba902b7"}`, n%60, n, goodID)
}

func openTestStore(t *testing.T) *pebblestore.Store {
	t.Helper()
	st, err := pebblestore.Open(filepath.Join(t.TempDir(), "data"), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func indexConfig(paths ...string) ingest.Config {
	cfg := ingest.DefaultConfig()
	cfg.Paths = paths
	return cfg
}

func allEntries(t *testing.T, st store.Reader) []store.Entry {
	t.Helper()
	var out []store.Entry
	if err := st.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		out = append(out, *e)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// goodCount returns how many entries carry goodID, by lookup.
func goodCount(t *testing.T, st store.Reader) int {
	t.Helper()
	ids, _ := store.ParseTraceID(goodID)
	recs, err := st.Logs(context.Background(), ids...)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return len(recs)
}

// TestHostileFiles indexes files an attacker or a broken service could
// leave in a log folder. Each must be read without a crash, an error or a
// hang, and must not hide the clean lines around it.
func TestHostileFiles(t *testing.T) {
	junk := make([]byte, 64<<10)
	for i := range junk {
		junk[i] = byte(i*7919 + i>>3) // NULs, control bytes, invalid UTF-8, newlines
	}
	bomb := `{"trace_id":"` + goodID + `","x":` + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + `}`
	tests := []struct {
		name string
		body string
		// traced is how many entries must carry goodID: the two clean
		// lines around the hostile one, and the hostile one if its id is
		// readable.
		traced int
		check  func(t *testing.T, es []store.Entry)
	}{
		{"binary junk", string(junk), 2, nil},
		// 100 MB lines are cut at 1 MiB. The entry keeps its trace whether
		// the id came before the cut (the JSON is read up to its last whole
		// field) or after it (the reader keeps the line's last 16 KiB for
		// its ids).
		{"100 MB line, id first", `{"trace_id":"` + goodID + `","msg":"` + strings.Repeat("x", 100<<20) + `"}`, 3, checkCut},
		{"100 MB line, id last", `{"level":"error","msg":"` + strings.Repeat("x", 100<<20) + `","trace_id":"` + goodID + `"}`, 3, checkCut},
		{"100 MB logfmt line, id last", `level=error msg="` + strings.Repeat("x", 100<<20) + `" trace_id=` + goodID, 3, checkCut},
		{"invalid UTF-8", `{"trace_id":"` + goodID + "\",\"msg\":\"bad \xff\xfe\xc0 bytes\"}", 3, func(t *testing.T, es []store.Entry) {
			for _, e := range es {
				if strings.Contains(e.Raw, "\xff\xfe\xc0") {
					return
				}
			}
			t.Error("the invalid UTF-8 line is not kept as it was")
		}},
		{"JSON nesting bomb", bomb, 3, nil}, // 200,000 levels: the id before them is read
		{"trace id too short", `{"trace_id":"4bf92f3577b34da6a3ce929d0e0e473","msg":"short"}`, 2, nil},
		{"trace id too long", `{"trace_id":"4bf92f3577b34da6a3ce929d0e0e47361","msg":"long"}`, 2, nil},
		{"trace id not hex", `{"trace_id":"4bf92f3577b34da6a3ce929d0e0e47zz","msg":"zz"}`, 2, nil},
		{"trace id all zero", `{"trace_id":"00000000000000000000000000000000","msg":"zero"}`, 2, nil},
		{"span id wrong length", `{"trace_id":"` + goodID + `","span_id":"00f067aa0ba902","msg":"short span"}`, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "app.log")
			body := goodLine(1) + "\n" + tt.body + "\n" + goodLine(2) + "\n"
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			st := openTestStore(t)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			stats, err := ingest.Index(ctx, st, indexConfig(dir))
			if err != nil {
				t.Fatal(err)
			}
			n := goodCount(t, st)
			if tt.traced >= 0 && n != tt.traced || n < 2 {
				t.Errorf("%d entries carry the trace, want %d", n, tt.traced)
			}
			es := allEntries(t, st)
			for _, e := range es {
				if e.TraceID != "" && e.TraceID != goodID {
					t.Errorf("entry at line %d has trace %q", e.Line, e.TraceID)
				}
			}
			if tt.check != nil {
				tt.check(t, es)
			}
			t.Logf("%d lines, %d entries, %d traced", stats.Lines, stats.Entries, n)
		})
	}
}

// TestSymlinkLoops indexes a folder full of symlink loops: discovery must
// end, and the one real file must be read once.
func TestSymlinkLoops(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte(goodLine(1)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := [][2]string{{".", "self"}, {"..", "parent"}, {"b", "a"}, {"a", "b"}, {"app.log", "again.log"}}
	for _, l := range links {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	st := openTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := ingest.Index(ctx, st, indexConfig(dir)); err != nil {
		t.Fatal(err)
	}
	if n := goodCount(t, st); n != 1 {
		t.Errorf("%d entries of the one line, want 1", n)
	}
}

// fullDisk is a store.Writer whose writes fail with ENOSPC while full is
// set, as a store on a full disk does.
type fullDisk struct {
	store.Writer
	full   atomic.Bool
	after  atomic.Int32 // writes that succeed before the disk fills
	failed atomic.Int32
}

func (d *fullDisk) Write(ctx context.Context, es []store.Entry, cp store.Checkpoint) error {
	if d.after.Add(-1) < 0 && d.full.Load() {
		d.failed.Add(1)
		return &os.PathError{Op: "write", Path: "000123.log", Err: syscall.ENOSPC}
	}
	return d.Writer.Write(ctx, es, cp)
}

// TestDiskFull fills the disk in the middle of indexing: Index must stop
// with an error that says so, and once there is room again a new run must
// complete the index with every line exactly once.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	const lines = 5000
	for i := range lines {
		b.WriteString(goodLine(i))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "app.log"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t)
	disk := &fullDisk{Writer: st}
	disk.after.Store(3)
	disk.full.Store(true)
	cfg := indexConfig(dir)
	cfg.BatchEntries = 500
	_, err := ingest.Index(context.Background(), disk, cfg)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Index on a full disk: %v, want ENOSPC", err)
	}
	if n := goodCount(t, st); n == 0 || n >= lines {
		t.Errorf("%d entries before the disk filled, want some but not all", n)
	}
	t.Logf("stopped with %v after %d writes failed", err, disk.failed.Load())
	disk.full.Store(false)
	if _, err := ingest.Index(context.Background(), disk, cfg); err != nil {
		t.Fatal(err)
	}
	if n := goodCount(t, st); n != lines {
		t.Errorf("%d entries after the disk was freed, want %d", n, lines)
	}
}

// checkCut finds the cut entry of line 2: marked too_long, at most the
// limit long, carrying the trace.
func checkCut(t *testing.T, es []store.Entry) {
	for _, e := range es {
		if e.Line == 2 {
			if e.Problems&parse.ProblemTooLong == 0 || len(e.Raw) > parse.DefaultMaxLineBytes || e.TraceID != goodID {
				t.Errorf("long line kept as %d bytes, problems %v, trace %q", len(e.Raw), e.Problems, e.TraceID)
			}
			return
		}
	}
	t.Error("the long line's cut entry is missing")
}

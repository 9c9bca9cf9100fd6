package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// readAndStop reads paths once with a tailer that then stops without a
// final flush, as a follower that is stopped or killed: the checkpoint
// stays where the last batch left it.
func readAndStop(t *testing.T, st store.Writer, cfg Config, paths ...string) {
	t.Helper()
	ctx := context.Background()
	tl, err := newTailer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tl.poll(ctx, paths, false); err != nil {
		t.Fatal(err)
	}
	for _, s := range tl.active {
		if err := tl.submit(s, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := tl.close(); err != nil {
		t.Fatal(err)
	}
}

// restart reads paths to their ends as a restarted follower does (a poll,
// then a last one that flushes), or as Index does (one file after the
// other).
func restart(t *testing.T, st store.Writer, cfg Config, mode string, paths ...string) {
	t.Helper()
	ctx := context.Background()
	tl, err := newTailer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if mode == "index" {
		err = tl.readAll(ctx, paths)
	} else if err = tl.poll(ctx, paths, false); err == nil {
		err = tl.poll(ctx, paths, true)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := tl.close(); err != nil {
		t.Fatal(err)
	}
}

// TestSameBannerWhileStopped: while the follower is stopped, the file it
// read (banner, seq 1..300) is rotated or removed, and a new file with the
// same banner takes its place (seq 1001..). On restart the new file is a
// file of its own, read from its start, and what is left of the old one
// is read on from where it was left: every line once.
func TestSameBannerWhileStopped(t *testing.T) {
	for _, tt := range []struct {
		name string
		// what happens to app.log while stopped, before the new app.log
		rotate func(t *testing.T, live string)
		newTo  int // the new file holds seq 1001..newTo-1
		oldTo  int // the old file holds seq 1..oldTo-1 (written while stopped too)
		grown  int // then, restarted again, seq newTo..grown-1 (when > 0)
		// settled: the new file was last written a settle period ago
		settled bool
	}{
		{"renamed, new file shorter than what was read", func(t *testing.T, live string) { rename(t, live, live+".1") }, 1020, 331, 0, false},
		{"renamed, new file longer", func(t *testing.T, live string) { rename(t, live, live+".1") }, 1400, 331, 0, false},
		{"compressed, new file longer", func(t *testing.T, live string) {
			gzipFile(t, live, live+".1.gz")
			os.Remove(live)
		}, 1400, 331, 0, false},
		// seq 300, still waiting for continuation lines when the follower
		// stopped, goes with the file
		{"removed, new file longer", func(t *testing.T, live string) { os.Remove(live) }, 1400, 300, 0, false},
		// Shorter than what was read, with the file read gone, and just
		// written: it may be a copy still being written, and is not read
		// until it settles or grows past the checkpoint's offset; grown,
		// it is read whole.
		{"removed, new file shorter, grows later", func(t *testing.T, live string) { os.Remove(live) }, 1020, 300, 1400, false},
		// Shorter, and settled: not a copy being written, and it does not
		// end as what was read: another file, read at once.
		{"removed, new file shorter, settled", func(t *testing.T, live string) { os.Remove(live) }, 1020, 300, 0, true},
		{"compressed, new file shorter, settled", func(t *testing.T, live string) {
			gzipFile(t, live, live+".1.gz")
			os.Remove(live)
		}, 1020, 331, 0, true},
	} {
		for _, mode := range []string{"follow", "index"} {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				dir := t.TempDir()
				live := filepath.Join(dir, "app.log")
				writeBannered(t, live, 1, 301)
				st := openStore(t, t.TempDir())
				defer st.Close()
				cfg := testConfig(filepath.Join(dir, "app.log*"))
				readAndStop(t, st, cfg, live)
				if tt.oldTo > 301 {
					appendLines(t, live, 301, tt.oldTo) // not read before the rotation
				}
				// written before the old file goes, so that it cannot
				// take the old file's inode number
				writeBannered(t, live+".new", 1001, tt.newTo)
				if tt.settled {
					age(t, live+".new", 2*settlePeriod)
				}
				tt.rotate(t, live)
				rename(t, live+".new", live)
				paths, _ := filepath.Glob(filepath.Join(dir, "app.log*"))
				restart(t, st, cfg, mode, paths...)
				newTo := tt.newTo
				if tt.grown > 0 {
					appendLines(t, live, tt.newTo, tt.grown)
					restart(t, st, cfg, mode, paths...)
					newTo = tt.grown
				}
				got := collectSeq(t, st)
				wantOnce(t, got, [][2]int{{1, tt.oldTo}, {1001, newTo}})
			})
		}
	}
}

// TestSameBannerNothingReadYet: a file whose checkpoint is at its start
// (its one entry was still waiting for continuation lines when the
// follower stopped) has no mark; a second file with the same first lines
// found first on restart is still another file.
func TestSameBannerNothingReadYet(t *testing.T) {
	dir := t.TempDir()
	entry := func(who string, n int) string {
		var b strings.Builder
		b.WriteString("2026-03-01T12:00:00Z INFO starting with the default configuration\n")
		for i := range 40 {
			b.WriteString("    setting number " + strings.Repeat("x", i%7) + " = default\n")
		}
		for i := range n {
			b.WriteString("    " + who + " line " + string(rune('a'+i%26)) + "\n")
		}
		return b.String()
	}
	worker, api := filepath.Join(dir, "worker.log"), filepath.Join(dir, "api.log")
	if err := os.WriteFile(worker, []byte(entry("worker", 30)), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := testConfig(dir)
	readAndStop(t, st, cfg, worker)
	cps, err := st.Checkpoints(context.Background())
	if err != nil || len(cps) != 1 || cps[0].Offset != 0 {
		t.Fatalf("checkpoints %+v (%v), want one at offset 0", cps, err)
	}
	if err := os.WriteFile(api, []byte(entry("api", 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	restart(t, st, cfg, "follow", api, worker) // api.log first
	n := map[string]int{}
	err = st.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		n[filepath.Base(e.File)]++
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if n["api.log"] != 1 || n["worker.log"] != 1 {
		t.Errorf("entries by file %v, want one of each", n)
	}
}

func rename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

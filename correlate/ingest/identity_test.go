package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// banner is what two services print first: the same 1.5 KiB, longer than
// a fingerprint.
var banner = strings.Repeat(`{"level":"info","msg":"starting ePRO service v1.2.3 with the default configuration"}`+"\n", 18)

// writeBannered writes banner then lines seq from..to-1 to path.
func writeBannered(t *testing.T, path string, from, to int) {
	t.Helper()
	var b strings.Builder
	b.WriteString(banner)
	for i := from; i < to; i++ {
		b.WriteString(seqLine(i))
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSameHeadDifferentFiles: two files whose first KiB agree (the same
// start-up banner) are two files, by index and by follow; each is read
// once, and their lines kept apart.
func TestSameHeadDifferentFiles(t *testing.T) {
	for _, tt := range []struct {
		mode string
		bEnd int // the second file is longer, or shorter, than the first
	}{{"index", 1401}, {"index", 1101}, {"follow", 1401}, {"follow", 1101}} {
		mode := tt.mode
		t.Run(fmt.Sprintf("%s/%d", mode, tt.bEnd-1001), func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "api.log"), filepath.Join(dir, "worker.log")
			writeBannered(t, a, 1, 401)
			writeBannered(t, b, 1001, tt.bEnd)
			st := openStore(t, t.TempDir())
			defer st.Close()
			cfg := testConfig(dir)
			if mode == "index" {
				if _, err := Index(context.Background(), st, cfg); err != nil {
					t.Fatal(err)
				}
				// and again: nothing twice
				if _, err := Index(context.Background(), st, cfg); err != nil {
					t.Fatal(err)
				}
			} else {
				f, _ := NewFollower(st, cfg)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- f.Run(ctx) }()
				time.Sleep(20 * cfg.PollInterval)
				cancel()
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			got := map[int][]seen{}
			for k, v := range collectSeq(t, st) {
				got[k] = v
			}
			wantOnce(t, got, [][2]int{{1, 401}, {1001, tt.bEnd}})
			if w := got[1][0].file; w != a {
				t.Errorf("seq 1 is under %s, want %s", w, a)
			}
			if w := got[1001][0].file; w != b {
				t.Errorf("seq 1001 is under %s, want %s", w, b)
			}
		})
	}
}

// TestBannerAgainAfterRotation: a service that starts again after its log
// was rotated (renamed, then compressed) writes the same banner into the
// new file: the new file is read, and the rotated one not again.
func TestBannerAgainAfterRotation(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	writeBannered(t, live, 1, 301)
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := testConfig(filepath.Join(dir, "app.log*"))
	f, _ := NewFollower(st, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	time.Sleep(10 * cfg.PollInterval)
	if err := os.Rename(live, live+".1"); err != nil {
		t.Fatal(err)
	}
	writeBannered(t, live, 1001, 1301)
	time.Sleep(10 * cfg.PollInterval)
	gzipFile(t, live+".1", live+".1.gz")
	os.Remove(live + ".1")
	time.Sleep(10 * cfg.PollInterval)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := collectSeq(t, st)
	wantOnce(t, got, [][2]int{{1, 301}, {1001, 1301}})
}

// TestMarkAfterCopyTruncate: the mark of a checkpoint is taken from what
// was read, never from a file truncated and written again since the read
// (copytruncate between a read and its checkpoint). Such a mark would
// make the rewritten file look as if it still held what was read, and the
// copy then look like another file, read again from its start.
func TestMarkAfterCopyTruncate(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	appendLines(t, live, 1, 201)
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := testConfig(filepath.Join(dir, "app.log*"))
	ctx := context.Background()

	t1, err := newTailer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := t1.poll(ctx, []string{live}, false); err != nil {
		t.Fatal(err)
	}
	// copytruncate, and the service writes on, between the last read and
	// the checkpoint that follows it
	copyFile(t, live, live+".1")
	if err := os.Truncate(live, 0); err != nil {
		t.Fatal(err)
	}
	appendLines(t, live, 1001, 1301)
	for _, s := range t1.active {
		if err := t1.submit(s, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := t1.close(); err != nil {
		t.Fatal(err)
	}

	// a restart finds the copy, and the live file with other lines
	t2, err := newTailer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := t2.poll(ctx, []string{live, live + ".1"}, true); err != nil {
		t.Fatal(err)
	}
	if err := t2.close(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st)
	wantOnce(t, got, [][2]int{{1, 201}, {1001, 1301}})
}

// TestCopyTruncateWhileCompared: the original is truncated and written
// again while a copy of it is being compared with it. The bytes read from
// it are then not what was read of it, and the copy is still taken for it:
// read on from where the original was left, not again from its start.
func TestCopyTruncateWhileCompared(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	appendLines(t, live, 1, 201)
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := testConfig(filepath.Join(dir, "app.log*"))
	ctx := context.Background()
	tl, err := newTailer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tl.poll(ctx, []string{live}, false); err != nil {
		t.Fatal(err)
	}
	copyFile(t, live, live+".1")
	appendLines(t, live+".1", 201, 211) // written between the copy and the truncation
	testBeforeCompare = func() {
		testBeforeCompare = nil
		if err := os.Truncate(live, 0); err != nil {
			t.Error(err)
		}
		appendLines(t, live, 1001, 1301)
	}
	defer func() { testBeforeCompare = nil }()
	if err := tl.poll(ctx, []string{live + ".1"}, false); err != nil {
		t.Fatal(err)
	}
	if testBeforeCompare != nil {
		t.Fatal("the copy was not compared with the original")
	}
	if err := tl.poll(ctx, []string{live, live + ".1"}, true); err != nil {
		t.Fatal(err)
	}
	if err := tl.close(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st)
	wantOnce(t, got, [][2]int{{1, 211}, {1001, 1301}})
}

// TestBannerAgainAfterCopyTruncate: a service whose log is rotated by
// copytruncate writes its banner again into the emptied file. Found
// shorter than what was read, or grown past it, the emptied file is a new
// file, read from its start, and the copy is the file read, read on from
// where it was left.
func TestBannerAgainAfterCopyTruncate(t *testing.T) {
	for _, tt := range []struct {
		name string
		to   int // the new file holds seq 1001..to-1 when found
	}{{"shorter", 1050}, {"longer", 1400}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			live := filepath.Join(dir, "app.log")
			writeBannered(t, live, 1, 201)
			st := openStore(t, t.TempDir())
			defer st.Close()
			cfg := testConfig(filepath.Join(dir, "app.log*"))
			ctx := context.Background()
			tl, err := newTailer(ctx, st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := tl.poll(ctx, []string{live}, false); err != nil {
				t.Fatal(err)
			}
			copyFile(t, live, live+".1")
			appendLines(t, live+".1", 201, 211) // written between the copy and the truncation
			writeBannered(t, live, 1001, tt.to) // truncates
			if err := tl.poll(ctx, []string{live, live + ".1"}, true); err != nil {
				t.Fatal(err)
			}
			if err := tl.close(); err != nil {
				t.Fatal(err)
			}
			got := collectSeq(t, st)
			wantOnce(t, got, [][2]int{{1, 211}, {1001, tt.to}})
		})
	}
}

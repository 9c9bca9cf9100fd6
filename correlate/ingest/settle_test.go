package ingest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// follow runs a Follower on st until the returned stop is first called.
func follow(t *testing.T, st store.Writer, cfg Config) (stop func()) {
	t.Helper()
	f, err := NewFollower(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
}

// waitFor polls until every seq of [from, to) is in st, and returns how
// long that took; it fails t after limit.
func waitFor(t *testing.T, st store.Reader, from, to int, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := collectSeq(t, st)
		all := true
		for seq := from; seq < to && all; seq++ {
			all = len(got[seq]) > 0
		}
		if all {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("seq %d..%d not all indexed after %v", from, to-1, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// age sets p's modification time back by d, as if nothing had written it
// since.
func age(t *testing.T, p string, d time.Duration) {
	t.Helper()
	at := time.Now().Add(-d)
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestShorterSameBannerFileSettles: the file read (banner, seq 1..300) is
// truncated, removed, or only left compressed, and another file with the
// same banner appears, shorter than what was read of the first, and never
// grows. It cannot be a copy still being written once it has settled: it
// is read, every line once, within the settle period of its last write.
// (Left only compressed, the file read may still be open when the other
// appears, and they are compared; TestSameBannerWhileStopped has the case
// where it is not.)
func TestShorterSameBannerFileSettles(t *testing.T) {
	for _, tt := range []struct {
		name   string
		rotate func(t *testing.T, live string)
	}{
		{"truncated", func(t *testing.T, live string) {
			if err := os.Truncate(live, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"removed", func(t *testing.T, live string) { os.Remove(live) }},
		{"only compressed", func(t *testing.T, live string) {
			gzipFile(t, live, live+".1.gz")
			os.Remove(live)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			live, other := filepath.Join(dir, "app.log"), filepath.Join(dir, "worker.log")
			writeBannered(t, live, 1, 301)
			st := openStore(t, t.TempDir())
			defer st.Close()
			cfg := testConfig(dir)
			stop := follow(t, st, cfg)
			defer stop()
			waitFor(t, st, 1, 301, 5*time.Second)
			tt.rotate(t, live)
			// the descriptor of the file read is closed once it is idle
			time.Sleep(10 * cfg.IdleFlush)
			writeBannered(t, other, 1001, 1021)
			took := waitFor(t, st, 1001, 1021, settlePeriod+5*time.Second)
			if took > settlePeriod+time.Second {
				t.Errorf("the other file was indexed %v after it was written, want within the settle period (%v)", took, settlePeriod)
			}
			stop()
			wantOnce(t, collectSeq(t, st), [][2]int{{1, 301}, {1001, 1021}})
		})
	}
}

// TestSlowCopyNotDoubled: a rotator reads the file read, truncates it, and
// writes the copy in pieces, pausing between them for less than the
// settle period. The copy is shorter than what was read until it is
// whole, and is never taken for another file: no line doubled, and the
// lines the service writes on are read once.
func TestSlowCopyNotDoubled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	live, copied := filepath.Join(dir, "app.log"), filepath.Join(dir, "app.log.1")
	writeBannered(t, live, 1, 301)
	st := openStore(t, t.TempDir())
	defer st.Close()
	stop := follow(t, st, testConfig(dir))
	defer stop()
	waitFor(t, st, 1, 301, 5*time.Second)
	body, err := os.ReadFile(live)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(live, 0); err != nil {
		t.Fatal(err)
	}
	appendLines(t, live, 2001, 2051) // the service writes on
	out, err := os.Create(copied)
	if err != nil {
		t.Fatal(err)
	}
	const pieces = 6
	pause := settlePeriod / 4
	for k := range pieces {
		if _, err := out.Write(body[len(body)*k/pieces : len(body)*(k+1)/pieces]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(pause)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	stop()
	wantOnce(t, collectSeq(t, st), [][2]int{{1, 301}, {2001, 2051}})
}

// TestCopyLackingLastLines: copytruncate loses the lines written between
// the copy and the truncation, and the follower may have read them from
// the original: the copy is then shorter than what was read, and settles.
// It still ends where a line read ended, with the same bytes, so it is a
// copy, not another file: nothing of it is read again, now or after a
// restart (its own checkpoint says it was read to its end). A snapshot
// copied while the original still held what was read is told the same
// way, by comparing the two.
func TestCopyLackingLastLines(t *testing.T) {
	for _, tt := range []struct {
		name string
		// copyFirst: the copy is listed while the original still holds
		// what was read
		copyFirst bool
		// gz: the copy is listed only compressed
		gz bool
	}{
		{"copy listed after the truncation", false, false},
		{"snapshot listed before", true, false},
		{"copy listed after the truncation, compressed", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, stage := t.TempDir(), t.TempDir()
			live, copied := filepath.Join(dir, "app.log"), filepath.Join(dir, "app.log.1")
			writeBannered(t, live, 1, 291)
			st := openStore(t, t.TempDir())
			defer st.Close()
			cfg := testConfig(dir)
			stop := follow(t, st, cfg)
			waitFor(t, st, 1, 291, 5*time.Second)
			staged := filepath.Join(stage, "app.log.1")
			copyFile(t, live, staged)
			if tt.copyFirst {
				age(t, staged, 2*settlePeriod)
				rename(t, staged, copied)
				time.Sleep(10 * cfg.PollInterval)
			}
			appendLines(t, live, 291, 301) // after the copy, read from the original
			waitFor(t, st, 291, 301, 5*time.Second)
			if err := os.Truncate(live, 0); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * cfg.IdleFlush)
			switch {
			case tt.gz:
				gzipFile(t, staged, copied+".gz")
			case !tt.copyFirst:
				age(t, staged, 2*settlePeriod)
				rename(t, staged, copied)
			}
			appendLines(t, live, 2001, 2051) // the service writes on
			waitFor(t, st, 2001, 2051, 5*time.Second)
			time.Sleep(10 * cfg.PollInterval)
			stop()
			wantOnce(t, collectSeq(t, st), [][2]int{{1, 301}, {2001, 2051}})
			// and after a restart, with nothing in memory
			stop = follow(t, st, cfg)
			time.Sleep(20 * cfg.PollInterval)
			stop()
			wantOnce(t, collectSeq(t, st), [][2]int{{1, 301}, {2001, 2051}})
		})
	}
}

// TestSameBannerGzip: a .gz whose first KiB is a file read's, with that
// file gone, is judged by what it decompresses to: shorter than what was
// read, or as long with other bytes before the checkpoint's offset, it is
// another file, read whole; with the bytes read there, it continues the
// file read (TestSameBannerWhileStopped, "compressed").
func TestSameBannerGzip(t *testing.T) {
	for _, tt := range []struct {
		name string
		to   int // the .gz holds banner, seq 1001..to-1
	}{{"shorter", 1021}, {"longer", 1401}} {
		for _, mode := range []string{"follow", "index"} {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				dir := t.TempDir()
				live, other := filepath.Join(dir, "app.log"), filepath.Join(dir, "worker.log.1")
				writeBannered(t, live, 1, 301)
				st := openStore(t, t.TempDir())
				defer st.Close()
				cfg := testConfig(dir)
				readAndStop(t, st, cfg, live)
				os.Remove(live)
				writeBannered(t, other, 1001, tt.to)
				gzipFile(t, other, other+".gz")
				os.Remove(other)
				restart(t, st, cfg, mode, other+".gz")
				// seq 300 waited for continuation lines: it went with app.log
				wantOnce(t, collectSeq(t, st), [][2]int{{1, 300}, {1001, tt.to}})
			})
		}
	}
}

// TestCompressedRotationNamesTheGzip: a rotated file read to its end and
// compressed while the follower was stopped is finished by its .gz, and
// the checkpoint then names the .gz (its inode, and the bytes before its
// end as its mark), though nothing was read from it: the next start knows
// the .gz by its inode, without decompressing it to judge it.
func TestCompressedRotationNamesTheGzip(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	writeBannered(t, live, 1, 301)
	st := openStore(t, t.TempDir())
	defer st.Close()
	cfg := testConfig(dir)
	stop := follow(t, st, cfg)
	waitFor(t, st, 1, 300, 5*time.Second)
	rename(t, live, live+".1")
	time.Sleep(10 * cfg.IdleFlush)
	stop()
	gzipFile(t, live+".1", live+".1.gz")
	os.Remove(live + ".1")
	stop = follow(t, st, cfg)
	time.Sleep(10 * cfg.IdleFlush)
	stop()
	fi, err := os.Stat(live + ".1.gz")
	if err != nil {
		t.Fatal(err)
	}
	cps, err := st.Checkpoints(context.Background())
	if err != nil || len(cps) != 1 {
		t.Fatalf("checkpoints %+v (%v), want one", cps, err)
	}
	if cp, want := cps[0], identity(fi); !cp.Done || (fileID{cp.Dev, cp.Inode}) != want || cp.MarkLen == 0 {
		t.Errorf("checkpoint done=%v dev/inode=%d/%d mark length %d, want done, the .gz's %d/%d and a mark", cp.Done, cp.Dev, cp.Inode, cp.MarkLen, want.dev, want.ino)
	}
	wantOnce(t, collectSeq(t, st), [][2]int{{1, 301}})
}

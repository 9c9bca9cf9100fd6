package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// lineWriter appends seq lines to a file, optionally with indented
// continuation lines, and remembers each seq's line number.
type lineWriter struct {
	t     testing.TB
	path  string
	line  int64
	lines map[int]int64
	conts bool
}

func newLineWriter(t testing.TB, path string) *lineWriter {
	return &lineWriter{t: t, path: path, line: 1, lines: map[int]int64{}}
}

// write appends seq numbers [from,to); with conts, every 7th entry gets two
// stack-trace lines under it.
func (w *lineWriter) write(from, to int) {
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	var b []byte
	for i := from; i < to; i++ {
		b = append(b, seqLine(i)...)
		b = append(b, '\n')
		w.lines[i] = w.line
		w.line++
		if w.conts && i%7 == 3 {
			b = append(b, "\tat main.handler(main.go:42)\n\tat main.main(main.go:7)\n"...)
			w.line += 2
		}
	}
	if _, err := f.Write(b); err != nil {
		w.t.Fatal(err)
	}
}

// restart starts a new file (after a rotation) at line 1.
func (w *lineWriter) restart() { w.line = 1 }

func (w *lineWriter) lineOf(seq int) int64 { return w.lines[seq] }

type rotation struct {
	name   string
	glob   bool
	rotate func(t *testing.T, w *lineWriter, log string) (lost []int)
}

func TestFollowerRotation(t *testing.T) {
	tests := []rotation{
		{"rename and create", true, func(t *testing.T, w *lineWriter, log string) []int {
			os.Rename(log, log+".1")
			w.restart()
			return nil
		}},
		{"rename and create, rotated name not watched", false, func(t *testing.T, w *lineWriter, log string) []int {
			w.write(200, 220) // written just before the rename: read through the open descriptor
			os.Rename(log, log+".1")
			w.restart()
			return nil
		}},
		{"copytruncate", true, func(t *testing.T, w *lineWriter, log string) []int {
			copyFile(t, log, log+".1")
			os.Truncate(log, 0)
			w.restart()
			return nil
		}},
		{"copytruncate loses what is written between copy and truncate", true, func(t *testing.T, w *lineWriter, log string) []int {
			copyFile(t, log, log+".1")
			w.write(200, 220) // the window
			os.Truncate(log, 0)
			w.restart()
			var lost []int
			for i := 200; i < 220; i++ {
				lost = append(lost, i)
			}
			return lost
		}},
		{"rename, then gzip and delete the rotated file", true, func(t *testing.T, w *lineWriter, log string) []int {
			os.Rename(log, log+".1")
			w.restart()
			w.write(220, 230)
			gzipFile(t, log+".1", log+".1.gz")
			os.Remove(log + ".1")
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "logs", "app.log")
			os.MkdirAll(filepath.Dir(log), 0o755)
			st := openStore(t, filepath.Join(dir, "data"))
			defer st.Close()
			w := newLineWriter(t, log)
			w.conts = true
			w.write(0, 100)
			path := log
			if tt.glob {
				path = log + "*"
			}
			f, err := NewFollower(st, testConfig(path))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- f.Run(ctx) }()
			time.Sleep(60 * time.Millisecond)
			w.write(100, 200)
			time.Sleep(60 * time.Millisecond)
			lost := tt.rotate(t, w, log)
			w.write(230, 300)
			want := len(w.lines) - len(lost)
			deadline := time.Now().Add(10 * time.Second)
			var got map[int][]seen
			for time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
				got = collect(t, st)
				if len(got) >= want {
					break
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			got = collect(t, st)
			for _, l := range lost {
				if len(got[l]) != 0 {
					t.Errorf("seq %d was in the copytruncate window but is indexed", l)
				}
			}
			for seq, line := range w.lines {
				if slicesContains(lost, seq) {
					continue
				}
				s := got[seq]
				if len(s) != 1 || s[0].line != line {
					t.Errorf("seq %d: got %v, want once at line %d", seq, s, line)
				}
			}
			if len(got) != len(w.lines)-len(lost) {
				t.Errorf("%d entries, want %d", len(got), len(w.lines)-len(lost))
			}
		})
	}
}

func slicesContains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func copyFile(t testing.TB, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTruncatedUnderRead: a copytruncate rotation that lands between the
// check that the file is still the same and the read, with the new
// content already longer than what was read, must not be read at the old
// offset; the rest of the old content is read from the copy.
func TestTruncatedUnderRead(t *testing.T) {
	dir := t.TempDir()
	live, copied := filepath.Join(dir, "app.log"), filepath.Join(dir, "app.log.1")
	st := openStore(t, filepath.Join(t.TempDir(), "data"))
	defer st.Close()
	ctx := context.Background()
	tl, err := newTailer(ctx, st, testConfig(live))
	if err != nil {
		t.Fatal(err)
	}
	appendLines(t, live, 0, 100)
	if err := tl.poll(ctx, []string{live}, false); err != nil {
		t.Fatal(err)
	}
	s := tl.byPath[live]
	if s == nil || s.line != 101 {
		t.Fatalf("the first poll did not read the 100 lines: %+v", s)
	}
	appendLines(t, live, 100, 150)
	copyFile(t, live, copied)
	if err := os.Truncate(live, 0); err != nil {
		t.Fatal(err)
	}
	appendLines(t, live, 1000, 1400) // longer than the old content
	// the read that follows a stale "still the same" check
	if _, err := tl.read(s); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := tl.poll(ctx, []string{live, copied}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := tl.poll(ctx, []string{live, copied}, true); err != nil {
		t.Fatal(err)
	}
	if err := tl.close(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st)
	for i := 1000; i < 1400; i++ {
		if len(got[i]) != 1 {
			t.Fatalf("seq %d indexed %d times", i, len(got[i]))
		}
		delete(got, i)
	}
	checkSeq(t, got, 0, 150, nil)
}

// TestFollowerWritesSettledLines: a poll writes a file's last line at once
// when it is a complete JSON object, without waiting IdleFlush for
// continuation lines; a text entry, which a stack trace may still follow,
// waits.
func TestFollowerWritesSettledLines(t *testing.T) {
	for _, tt := range []struct {
		name     string
		last     string
		wantLast bool
	}{
		{"JSON line", seqLine(10), true},
		{"text line", "2026-03-01 12:00:01 INFO seq 10", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			live := filepath.Join(t.TempDir(), "app.log")
			st := openStore(t, filepath.Join(t.TempDir(), "data"))
			defer st.Close()
			ctx := context.Background()
			cfg := testConfig(live)
			cfg.IdleFlush = time.Hour
			tl, err := newTailer(ctx, st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer tl.close()
			appendLines(t, live, 0, 10)
			f, err := os.OpenFile(live, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(tt.last + "\n")
			f.Close()
			if err := tl.poll(ctx, []string{live}, false); err != nil {
				t.Fatal(err)
			}
			if err := tl.commit.sync(); err != nil {
				t.Fatal(err)
			}
			got := collect(t, st)
			if _, ok := got[10]; ok != tt.wantLast || len(got[9]) != 1 {
				t.Errorf("last line in the store: %v, want %v (line before it: %v)", ok, tt.wantLast, got[9])
			}
		})
	}
}

// failingWriter fails every write, as a store on a full disk.
type failingWriter struct {
	store.Writer
}

var errFull = errors.New("no space left on device")

func (failingWriter) Write(context.Context, []store.Entry, store.Checkpoint) error { return errFull }

// TestFollowerReportsFailedWrite: a write that fails after the poll that
// handed it over ends Run with the store's error, even when no batch
// follows it (a complete JSON line is the file's last, written at once).
func TestFollowerReportsFailedWrite(t *testing.T) {
	live := filepath.Join(t.TempDir(), "app.log")
	appendLines(t, live, 0, 1)
	st := openStore(t, filepath.Join(t.TempDir(), "data"))
	defer st.Close()
	cfg := testConfig(live)
	cfg.IdleFlush = time.Hour
	f, err := NewFollower(failingWriter{st}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.Run(ctx); !errors.Is(err, errFull) || ctx.Err() != nil {
		t.Errorf("Run = %v (context: %v), want the store's error before the context ends", err, ctx.Err())
	}
}

package ingest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// damagedGzips writes into dir a .gz with a bad CRC, one whose deflate
// stream is corrupt halfway, and one cut short, of n lines each (seq
// from.., from+n.., from+2n..), and returns their names.
func damagedGzips(t *testing.T, dir string, from, n int) []string {
	t.Helper()
	gz := func(k int) []byte {
		var b strings.Builder
		for i := from + k*n; i < from+(k+1)*n; i++ {
			b.WriteString(seqLine(i))
			b.WriteByte('\n')
		}
		return gzipBytes(t, []byte(b.String()))
	}
	crc := gz(0)
	crc[len(crc)-8] ^= 0xff // the trailer's CRC-32
	// Stored (uncompressed) deflate blocks of 65,535 bytes: the second
	// block's header is at a known offset, and a bad NLEN there is a
	// deflate error after the first 64 KiB.
	var b strings.Builder
	for i := from + n; i < from+2*n; i++ {
		b.WriteString(seqLine(i))
		b.WriteByte('\n')
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.NoCompression)
	zw.Write([]byte(b.String()))
	zw.Close()
	deflate := out.Bytes()
	deflate[10+5+65535+3] ^= 0xff
	var corrupt flate.CorruptInputError
	zr, _ := gzip.NewReader(bytes.NewReader(deflate))
	if _, err := io.Copy(io.Discard, zr); !errors.As(err, &corrupt) {
		t.Fatalf("the damaged deflate stream reads with %v, want a deflate error", err)
	}
	cut := gz(2)
	cut = cut[:len(cut)*2/3]
	names := []string{"crc.log.gz", "deflate.log.gz", "truncated.log.gz"}
	for i, body := range [][]byte{crc, deflate, cut} {
		if err := os.WriteFile(filepath.Join(dir, names[i]), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

// TestIndexSkipsDamagedGzip: a .gz with a bad CRC, a corrupt deflate
// stream or cut short costs only itself: every other file is indexed,
// none of the damaged files' lines (a CRC error shows only at the end),
// Index returns no error, and the damaged files are reported by name.
// A second run reports them again and indexes nothing twice.
func TestIndexSkipsDamagedGzip(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		appendLines(t, filepath.Join(dir, "good"+string(rune('a'+i))+".log"), i*1000, i*1000+500)
	}
	names := damagedGzips(t, dir, 10000, 3000)
	st := openStore(t, t.TempDir())
	defer st.Close()
	for run := range 2 {
		stats, err := Index(context.Background(), st, testConfig(dir))
		if err != nil {
			t.Fatalf("run %d: %v, want damaged files skipped", run, err)
		}
		if stats.Errors != len(names) || len(stats.Failed) != len(names) {
			t.Errorf("run %d: %d errors, failed %v; want the %d damaged files", run, stats.Errors, stats.Failed, len(names))
		}
		for i, n := range names {
			why := stats.Failed[filepath.Join(dir, n)]
			if want := []string{"checksum", "corrupt", "cut short"}[i]; !strings.Contains(why, want) {
				t.Errorf("run %d: %s reported as %q, want %q in it", run, n, why, want)
			}
		}
		got := collectSeq(t, st)
		for seq := range got {
			if seq >= 10000 {
				t.Fatalf("run %d: seq %d of a damaged .gz indexed; want none of its lines, not even those before the damage", run, seq)
			}
		}
		for i := range 5 {
			for seq := i * 1000; seq < i*1000+500; seq++ {
				if len(got[seq]) != 1 {
					t.Fatalf("run %d: seq %d of a good file indexed %d times, want once", run, seq, len(got[seq]))
				}
			}
		}
	}
}

// TestFollowerRetriesDamagedGzipOnlyWhenChanged: the follower reports a
// damaged .gz and does not open it again until it changes.
func TestFollowerRetriesDamagedGzipOnlyWhenChanged(t *testing.T) {
	dir := t.TempDir()
	names := damagedGzips(t, dir, 10000, 3000)
	bad := filepath.Join(dir, names[0])
	var opens atomic.Int32
	testAfterOpen = func(p string) {
		if p == bad {
			opens.Add(1)
		}
	}
	defer func() { testAfterOpen = nil }()
	st := openStore(t, t.TempDir())
	defer st.Close()
	var last atomic.Value
	cfg := testConfig(dir)
	cfg.Progress = func(s Stats) { last.Store(s) }
	f, err := NewFollower(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	time.Sleep(30 * cfg.PollInterval)
	if n := opens.Load(); n != 1 {
		t.Errorf("a damaged .gz unchanged over 30 polls was opened %d times, want 1", n)
	}
	for seq := range collectSeq(t, st) {
		t.Errorf("seq %d of a damaged .gz indexed; want none of its lines", seq)
		break
	}
	s, _ := last.Load().(Stats)
	if s.Errors != len(names) || s.Failed[bad] == "" {
		t.Errorf("follower stats: %d errors, failed %v; want the %d damaged files named", s.Errors, s.Failed, len(names))
	}
	// Changed: read again.
	later := time.Now().Add(time.Second)
	os.Chtimes(bad, later, later)
	time.Sleep(10 * cfg.PollInterval)
	if n := opens.Load(); n != 2 {
		t.Errorf("a damaged .gz that changed was opened %d times in all, want 2", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestIndexReportsNonRegularFiles: a named pipe among the logs is not
// read (it could block for ever) and is reported with the reason.
func TestIndexReportsNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	appendLines(t, filepath.Join(dir, "app.log"), 1, 50)
	fifo := filepath.Join(dir, "pipe.log")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	st := openStore(t, t.TempDir())
	defer st.Close()
	stats, err := Index(context.Background(), st, testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if why := stats.Failed[fifo]; !strings.Contains(why, "named pipe") {
		t.Errorf("failed %v: want %s reported as a named pipe", stats.Failed, fifo)
	}
	if stats.Entries != 49 {
		t.Errorf("%d entries, want the 49 of the regular file", stats.Entries)
	}
}

// TestGrowingGzipReadOnceSettled: a .gz still being written (its stream
// cut short) is not decompressed again on every poll that finds it
// longer, only once it has stopped changing for a poll; then it is read
// whole.
func TestGrowingGzipReadOnceSettled(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= 3000; i++ {
		b.WriteString(seqLine(i))
		b.WriteByte('\n')
	}
	whole := gzipBytes(t, []byte(b.String()))
	p := filepath.Join(dir, "app.log.1.gz")
	var opens atomic.Int32
	testAfterOpen = func(q string) {
		if q == p {
			opens.Add(1)
		}
	}
	defer func() { testAfterOpen = nil }()
	st := openStore(t, t.TempDir())
	defer st.Close()
	ctx := context.Background()
	tl, err := newTailer(ctx, st, testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	const steps = 8
	for k := 1; k <= steps; k++ { // the compressor writes on
		if err := os.WriteFile(p, whole[:len(whole)*k/(steps+1)], 0o644); err != nil {
			t.Fatal(err)
		}
		if err := tl.poll(ctx, []string{p}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(p, whole, 0o644); err != nil { // done
		t.Fatal(err)
	}
	for range 5 {
		if err := tl.poll(ctx, []string{p}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := tl.close(); err != nil {
		t.Fatal(err)
	}
	if n := opens.Load(); n != 2 {
		t.Errorf("a .gz written over %d polls, then polled 5 times, was opened %d times, want 2 (when found, and once settled; read, it is not opened again while unchanged)", steps, n)
	}
	got := collectSeq(t, st)
	wantOnce(t, got, [][2]int{{1, 3001}})
}

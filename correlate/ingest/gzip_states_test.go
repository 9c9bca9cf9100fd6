package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// gzipBytes compresses b as the torture writer and logrotate do: through
// a 4 KiB buffered writer, so the file grows 4 KiB at a time.
func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 4096)
	zw := gzip.NewWriter(bw)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestPartialGzipStates walks a rotated file through every state its
// compression can be seen in — the rotated file alone, its .gz cut at each
// 4 KiB flush beside it, the .gz whole, the rotated file removed — with the
// follower polling, and restarting from the store's checkpoints, at each
// state; a reader that lags behind the writer by a few lines at the
// rotation, and (lag) one that does not poll between the rotation and the
// compression. Every line must be in the store once, under its file's line
// number.
func TestPartialGzipStates(t *testing.T) {
	for _, mode := range []string{"rename", "copytruncate"} {
		for _, v := range []struct{ restart, lag bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
			cut := 0
			for partialGzip(t, fmt.Sprintf("%s/restart=%v/lag=%v/cut=%d", mode, v.restart, v.lag, cut), mode, v.restart, v.lag, cut) {
				cut++
			}
			if cut < 5 {
				t.Errorf("%s: the .gz was seen cut at %d flushes only", mode, cut)
			}
		}
	}
}

// partialGzip runs one walk; it reports false when cut is past the last
// flush of the .gz.
func partialGzip(t *testing.T, name, mode string, restart, lag bool, cut int) bool {
	dir := t.TempDir()
	live := filepath.Join(dir, "app.log")
	old := live + ".1"
	st := openStore(t, filepath.Join(t.TempDir(), "data"))
	defer st.Close()
	ctx := context.Background()
	cfg := testConfig(filepath.Join(dir, "*"))
	tl, err := newTailer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	poll := func(final bool) {
		t.Helper()
		paths, _, _ := discover(cfg.Paths, cfg.Exclude, false)
		if err := tl.poll(ctx, paths, final); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	restartNow := func() {
		t.Helper()
		if !restart {
			poll(false)
			return
		}
		// as Follower.Run stops: what was handed over is written, the
		// held-back entries are not
		if err := tl.commit.close(); err != nil {
			t.Fatal(err)
		}
		for _, s := range tl.active {
			s.close()
		}
		if tl, err = newTailer(ctx, st, cfg); err != nil {
			t.Fatal(err)
		}
		poll(false)
	}

	appendLines(t, live, 0, 2000)
	poll(false)
	appendLines(t, live, 2000, 2020) // unread at the rotation
	first := 0                       // seq of the live file's line 1 after the rotation
	switch mode {
	case "rename":
		if err := os.Rename(live, old); err != nil {
			t.Fatal(err)
		}
		appendLines(t, old, 2020, 2030) // the service has not reopened yet
		appendLines(t, live, 2030, 2100)
		first = 2030
	case "copytruncate":
		copyFile(t, live, old)
		if err := os.Truncate(live, 0); err != nil {
			t.Fatal(err)
		}
		appendLines(t, live, 2020, 2100)
		first = 2020
	}
	if !lag {
		poll(false)
	}
	raw, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzipBytes(t, raw)
	n := cut * 4096
	if n >= len(gz) {
		tl.close()
		return false
	}
	if err := os.WriteFile(old+".gz", gz[:n], 0o644); err != nil {
		t.Fatal(err)
	}
	restartNow() // the .gz cut at a flush, beside the rotated file
	if err := os.WriteFile(old+".gz", gz, 0o644); err != nil {
		t.Fatal(err)
	}
	restartNow() // whole, beside it
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
	restartNow() // alone
	appendLines(t, live, 2100, 2120)
	poll(false)
	poll(true)
	if err := tl.close(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st)
	checkSeq(t, got, 0, 2120, func(seq int) int64 {
		if seq < first {
			return int64(seq + 1)
		}
		return int64(seq - first + 1)
	})
	if t.Failed() {
		t.Fatalf("%s failed", name)
	}
	return true
}

// A .gz being written is empty until its first buffer is flushed. Opened
// then and read a moment later, it must be read as gzip, not taken for
// text whose compressed bytes are indexed as lines.
func TestGzipFlushedAfterOpen(t *testing.T) {
	dir := t.TempDir()
	var plain bytes.Buffer
	for i := 0; i < 3000; i++ {
		plain.WriteString(seqLine(i))
		plain.WriteByte('\n')
	}
	gz := gzipBytes(t, plain.Bytes())
	path := filepath.Join(dir, "app.log.1.gz")
	if err := os.WriteFile(path, nil, 0o644); err != nil { // created, nothing flushed yet
		t.Fatal(err)
	}
	flushed := false
	testAfterOpen = func(p string) {
		if p == path && !flushed {
			flushed = true
			if err := os.WriteFile(path, gz, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	defer func() { testAfterOpen = nil }()
	st := openStore(t, filepath.Join(t.TempDir(), "data"))
	defer st.Close()
	ctx := context.Background()
	tl, err := newTailer(ctx, st, testConfig(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, final := range []bool{false, true} {
		if err := tl.poll(ctx, []string{path}, final); err != nil {
			t.Fatal(err)
		}
	}
	if err := tl.close(); err != nil {
		t.Fatal(err)
	}
	if !flushed {
		t.Fatal("the file was never opened")
	}
	checkSeq(t, collect(t, st), 0, 3000, func(seq int) int64 { return int64(seq + 1) })
}

package app

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/traceline/traceline/correlate/internal/tmpfstest"
)

// TestIndexFullDiskSaysWritingTheIndex: a bulk load that fills the disk
// while it writes the index (the lines fit in one in-memory run, so
// nothing is written before) fails with "writing the index: … no space
// left on device", not under the name of a later step (retention).
func TestIndexFullDiskSaysWritingTheIndex(t *testing.T) {
	dir := t.TempDir()
	mnt := filepath.Join(dir, "mnt")
	tmpfstest.Mount(t, mnt, 256<<10)
	logs := filepath.Join(dir, "app.log")
	var b strings.Builder
	noise := make([]byte, 48)
	for i := range 20000 {
		rand.Read(noise)
		fmt.Fprintf(&b, `{"level":"info","ts":"2026-03-01T12:%02d:%02dZ","msg":"stored %x","trace_id":%q,"span_id":"00f067aa0ba902b7"}`+"\n",
			i/60%60, i%60, noise, cliTrace)
	}
	if err := os.WriteFile(logs, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCmd("", nil, "index", "--data", filepath.Join(mnt, "idx"), "--retention", "7d", "--quiet", logs)
	if r.code == 0 || !strings.Contains(r.stderr, "writing the index: ") || !strings.Contains(r.stderr, "no space left on device") {
		t.Fatalf("index of 3 MiB into 256 KiB: exit %d, %q; want an error that starts \"writing the index: \" and says the disk is full", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "retention") {
		t.Errorf("the full disk is reported as retention's: %q", r.stderr)
	}
}

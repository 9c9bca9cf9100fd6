package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIndexRetention indexes one trace's lines over ten days with
// --retention 7d, which `correlate index` applies on a store without a
// write-ahead log: the oldest day goes, the index run succeeds, and the
// trace is still found by its full id and by its low 64 bits.
func TestIndexRetention(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "app.log")
	var b strings.Builder
	for _, day := range []string{"01", "06", "11"} {
		b.WriteString(`{"level":"info","ts":"2026-03-` + day + `T12:00:00Z","msg":"day ` + day + `","trace_id":"` + cliTrace + `","span_id":"00f067aa0ba902b7"}` + "\n")
	}
	if err := os.WriteFile(logs, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "idx")
	if r := runCmd("", nil, "index", "--data", data, "--retention", "7d", "--quiet", logs); r.code != 0 {
		t.Fatalf("index --retention 7d: exit %d: %s", r.code, r.stderr)
	}
	for _, id := range []string{cliTrace, cliTrace[16:]} {
		r := runCmd("", nil, "logs", "--data", data, id)
		if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || strings.Contains(r.stdout, "day 01") {
			t.Errorf("logs %s after retention: exit %d, %q %s; want the lines of days 06 and 11", id, r.code, r.stdout, r.stderr)
		}
	}
}

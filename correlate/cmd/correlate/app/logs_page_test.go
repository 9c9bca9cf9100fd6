package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogsPages prints a trace read page by page: every line once, in
// time order, and --limit stops early.
func TestLogsPages(t *testing.T) {
	defer func(n int) { logsPageLines = n }(logsPageLines)
	logsPageLines = 4
	dir := t.TempDir()
	var b strings.Builder
	for i := range 25 {
		fmt.Fprintf(&b, `{"ts":"2026-03-01T12:00:%02dZ","msg":"m%02d","trace_id":"%s"}`+"\n", i, i, cliTrace)
	}
	log := filepath.Join(dir, "a.log")
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	runCmd("", nil, "index", "--quiet", "--data", data, log).expect(t, 0, nil, nil)
	for _, tt := range []struct {
		args []string
		want int
	}{{nil, 25}, {[]string{"--limit", "7"}, 7}, {[]string{"--limit", "8"}, 8}, {[]string{"--limit", "100"}, 25}} {
		r := runCmd("", nil, append([]string{"logs", "--data", data, cliTrace}, tt.args...)...)
		r.expect(t, 0, nil, nil)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != tt.want {
			t.Fatalf("logs %v: %d lines, want %d", tt.args, len(lines), tt.want)
		}
		for i, l := range lines {
			var rec struct{ Msg string }
			if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Msg != fmt.Sprintf("m%02d", i) {
				t.Errorf("logs %v: line %d is %s", tt.args, i, l)
			}
		}
	}
}

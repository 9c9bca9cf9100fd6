package app

import (
	"bytes"
	"compress/gzip"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseCommand: files (gzip included) and standard input, the parser
// flags, and their usage errors.
func TestParseCommand(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "app.log")
	writeFile(t, plain, cliLine1+"\n"+cliLine3+"\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"level":"info","ts":"2026-03-01 12:00:00","msg":"zipped","trace_id":"` + cliTrace + `"}` + "\n"))
	zw.Close()
	zipped := filepath.Join(dir, "old.log.gz")
	writeFile(t, zipped, gz.String())
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"file", "", []string{"parse", plain}, 0, []string{`"file":"` + plain + `","line":1`}, ""},
		{"gzip", "", []string{"parse", zipped}, 0, []string{`"time":"2026-03-01T12:00:00Z"`, `"msg":"zipped"`}, ""},
		{"--tz", "", []string{"parse", "--tz", "Europe/Berlin", zipped}, 0, []string{`"time":"2026-03-01T12:00:00+01:00"`}, ""},
		{"--service", "", []string{"parse", "--service", filepath.Join(dir, "*.log") + "=forms", plain, "--all"}, 0, []string{`"msg":"no trace","service":"forms"`}, ""},
		{"stdin and a file", cliLine2 + "\n", []string{"parse", "-", plain}, 0, []string{`"file":"-"`, `"msg":"first"`, `"msg":"second"`}, ""},
		{"bad --tz", "", []string{"parse", "--tz", "Mars/Olympus", plain}, 2, nil, `--tz "Mars/Olympus"`},
		{"bad --service", "", []string{"parse", "--service", "forms", plain}, 2, nil, "want GLOB=NAME"},
		{"short --max-line-bytes", "", []string{"parse", "--max-line-bytes", "10", plain}, 2, nil, "at least 64"},
		{"missing file", "", []string{"parse", filepath.Join(dir, "nope.log")}, 1, nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(tt.stdin, nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q, want %q", r.code, tt.code, r.stderr, tt.stderr)
			}
			rest := r.stdout
			for _, want := range tt.stdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stdout lacks %q (in order):\n%s", want, r.stdout)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

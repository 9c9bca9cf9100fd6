package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type cliRun struct {
	code           int
	stdout, stderr string
}

func runCmd(stdin string, env map[string]string, args ...string) cliRun {
	var out, errb bytes.Buffer
	e := &env_{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] }}
	code := Run(context.Background(), args, e)
	return cliRun{code, out.String(), errb.String()}
}

type env_ = Env

// expect fails t unless r exited with code and its stdout and stderr hold
// each of the given strings.
func (r cliRun) expect(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

const (
	cliTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	cliLine1 = `{"level":"info","ts":"2026-03-01T12:00:01Z","msg":"second","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}`
	cliLine2 = `{"level":"info","ts":"2026-03-01T12:00:00Z","msg":"first","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}`
	cliLine3 = `{"level":"info","ts":"2026-03-01T12:00:02Z","msg":"no trace"}`
)

func TestCLI(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	os.MkdirAll(logs, 0o755)
	os.WriteFile(filepath.Join(logs, "a.log"), []byte(cliLine1+"\n"+cliLine3+"\n"+cliLine2+"\n"), 0o644)
	data := filepath.Join(dir, "data")
	emptyData := filepath.Join(dir, "empty")
	tests := []struct {
		name   string
		stdin  string
		env    map[string]string
		args   []string
		code   int
		stdout []string // substrings, in order
		stderr string
	}{
		{"no args", "", nil, nil, 2, nil, "Commands:"},
		{"help", "", nil, []string{"help"}, 0, []string{"Commands:", "parse", "index", "logs"}, ""},
		{"unknown", "", nil, []string{"frobnicate"}, 2, nil, `unknown command "frobnicate"`},
		{"command help", "", nil, []string{"logs", "--help"}, 0, []string{"Usage:\n  correlate logs --data DIR TRACE_ID", "--data DIR"}, ""},
		{"help command", "", nil, []string{"help", "index"}, 0, []string{"Usage:\n  correlate index --data DIR PATH...", "--retention AGE"}, ""},
		{"parse stdin", cliLine1 + "\n" + cliLine3 + "\n", nil, []string{"parse"}, 0, []string{`"file":"-","line":1,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`}, ""},
		{"parse --all", cliLine1 + "\n" + cliLine3, nil, []string{"parse", "--all"}, 0, []string{`"line":1`, `"line":2`, `"msg":"no trace"`}, ""},
		{"parse bad flag", "", nil, []string{"parse", "--nope"}, 2, nil, "correlate parse: unknown flag: --nope\nUsage: correlate parse [FILE...]"},
		{"logs before index", "", nil, []string{"logs", "--data", emptyData, cliTrace}, 1, nil, "no index in"},
		{"index without data", "", nil, []string{"index", logs}, 2, nil, "--data DIR is required"},
		{"index", "", nil, []string{"index", logs, "--data", data}, 0, nil, "indexed 1 files: 3 lines, 3 entries (2 with a trace id)"},
		{"logs, flags after", "", nil, []string{"logs", cliTrace, "--data", data}, 0, []string{`"msg":"first"`, `"msg":"second"`}, ""},
		{"logs, upper case, env data", "", map[string]string{"CORRELATE_DATA": data}, []string{"logs", strings.ToUpper(cliTrace)}, 0, []string{`"line":3`, `"line":1`}, ""},
		{"logs by low 64 bits", "", nil, []string{"logs", "--data", data, "a3ce929d0e0e4736"}, 0, []string{`"msg":"first"`}, ""},
		{"logs --raw", "", nil, []string{"logs", "--data", data, "--raw", cliTrace}, 0, []string{`"raw":"{\"level\"`}, ""},
		{"logs missing", "", nil, []string{"logs", "--data", data, "11111111111111111111111111111111"}, 1, nil, "no such trace in the index: 11111111111111111111111111111111 (the index holds 1 files"},
		{"logs bad id", "", nil, []string{"logs", "--data", data, "xyz"}, 2, nil, "neither up to 32 hex digits"},
		{"logs two ids", "", nil, []string{"logs", "--data", data, "1", "2"}, 2, nil, "exactly one TRACE_ID"},
		{"index missing path", "", nil, []string{"index", "--data", data, filepath.Join(dir, "nope")}, 1, nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(tt.stdin, tt.env, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
			rest := r.stdout
			for _, want := range tt.stdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("stdout lacks %q (in order):\n%s", want, r.stdout)
				}
				rest = rest[i+len(want):]
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.stderr)
			}
			if tt.code == 1 && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("error is not one line: %q", r.stderr)
			}
		})
	}
}

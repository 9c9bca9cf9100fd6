package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/loggen"
)

func TestLogsArgs(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		dir, id string
		raw, ok bool
	}{
		{[]string{"--data", "idx", "abc"}, "idx", "abc", false, true},
		{[]string{"abc", "--data", "idx"}, "idx", "abc", false, true},
		{[]string{"-data=idx", "abc", "--raw"}, "idx", "abc", true, true},
		{[]string{"--raw=false", "abc", "--data=idx"}, "idx", "abc", false, true},
		{[]string{"--raw=T", "abc"}, "", "abc", true, true},
		{[]string{"abc"}, "", "abc", false, true},
		// the engine's: help, unknown flags, bad values, argument counts
		{[]string{"--help"}, "", "", false, false},
		{[]string{"-h", "abc"}, "", "", false, false},
		{[]string{"--data"}, "", "", false, false},
		{[]string{"--data=", "abc"}, "", "", false, false},
		{[]string{"--raw=maybe", "abc"}, "", "", false, false},
		{[]string{"--server", "http://x", "abc"}, "", "", false, false},
		{[]string{"--", "abc"}, "", "", false, false},
		{[]string{"abc", "def"}, "", "", false, false},
		{[]string{}, "", "", false, false},
	} {
		dir, id, raw, ok := logsArgs(tt.args)
		if ok != tt.ok || ok && (dir != tt.dir || id != tt.id || raw != tt.raw) {
			t.Errorf("logsArgs(%q) = %q %q %v %v; want %q %q %v %v", tt.args, dir, id, raw, ok, tt.dir, tt.id, tt.raw, tt.ok)
		}
	}
}

// build compiles the launcher and the engine into one folder, as `make
// correlate` does.
func build(t *testing.T) (launcher, engine string) {
	t.Helper()
	bin := t.TempDir()
	launcher, engine = filepath.Join(bin, "correlate"), filepath.Join(bin, "correlate-engine")
	for _, b := range [][2]string{{launcher, "."}, {engine, "../correlate-engine"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	return launcher, engine
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, env []string, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if x, ok := err.(*exec.ExitError); ok {
		code = x.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

// The launcher's contract: a lookup it can answer prints what the engine
// prints, without the engine; everything else is the engine's, exit
// status and messages included.
func TestLauncher(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both binaries")
	}
	launcher, engine := build(t)
	logs := filepath.Join(t.TempDir(), "logs")
	tr, err := loggen.Generate(loggen.Config{Dir: logs, Entries: 5000, Seed: 9, Stacks: true,
		Start: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "idx")
	if r := run(t, nil, launcher, "index", "--data", data, logs); r.code != 0 {
		t.Fatalf("correlate index (through the launcher): exit %d\n%s", r.code, r.stderr)
	}
	noEngine := []string{"CORRELATE_ENGINE=/nonexistent/correlate-engine"}
	for i, id := range tr.TraceIDs[:40] {
		args := []string{"logs", "--data", data, id}
		if i%3 == 1 {
			args = []string{"logs", id[16:], "--raw", "--data=" + data}
		}
		want := run(t, nil, engine, args...)
		got := run(t, noEngine, launcher, args...)
		if want.code != 0 || got.code != 0 || got.stdout != want.stdout || got.stderr != "" {
			t.Fatalf("%v: launcher exit %d (stderr %q), engine exit %d; same output: %v", args, got.code, got.stderr, want.code, got.stdout == want.stdout)
		}
	}
	for _, args := range [][]string{
		{"logs", "--data", data, "00000000000000000000000000000001"}, // not found: the engine says why
		{"logs", "--data", data, "not-an-id"},                        // usage
		{"logs", "--help"},
		{"--help"},
		{"coverage", "--data", data},
		{"nonsense"},
	} {
		want := run(t, nil, engine, args...)
		got := run(t, nil, launcher, args...)
		if got != want {
			t.Errorf("%v: launcher %+v\nengine %+v", args, got, want)
		}
		if missing := run(t, noEngine, launcher, args...); missing.code != 1 || !strings.Contains(missing.stderr, "correlate-engine") {
			t.Errorf("%v without the engine: exit %d, %q; want exit 1 naming the engine", args, missing.code, missing.stderr)
		}
	}
}

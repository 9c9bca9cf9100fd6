package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoStyleFlags: the single-dash long flags of Go's flag package keep
// working; values, arguments and everything after "--" stay as written.
func TestGoStyleFlags(t *testing.T) {
	root := newRootCommand(&Env{Getenv: func(string) string { return "" }})
	tests := []struct {
		args, want []string
	}{
		{[]string{"logs", "-data", "idx", "ID"}, []string{"logs", "--data", "idx", "ID"}},
		{[]string{"logs", "-data=idx", "-raw", "ID"}, []string{"logs", "--data=idx", "--raw", "ID"}},
		{[]string{"logs", "--data", "-raw", "ID"}, []string{"logs", "--data", "-raw", "ID"}}, // a value, however it looks
		{[]string{"logs", "-raw=false", "--", "-data"}, []string{"logs", "--raw=false", "--", "-data"}},
		{[]string{"parse", "-", "-all"}, []string{"parse", "-", "--all"}},
		{[]string{"logs", "-help"}, []string{"logs", "--help"}},
		{[]string{"logs", "-nope", "ID"}, []string{"logs", "-nope", "ID"}}, // not a flag of logs: pflag says so
		{[]string{"serve", "-logs", "a", "-logs", "b"}, []string{"serve", "--logs", "a", "--logs", "b"}},
		{[]string{"frobnicate", "-data", "x"}, []string{"frobnicate", "-data", "x"}},
	}
	for _, tt := range tests {
		if got := goStyleFlags(root, tt.args); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("goStyleFlags(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestCommandLine: the forms a flag may take, and the exit status of
// every kind of wrong command line.
func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "a.log")
	writeFile(t, logs, cliLine1+"\n"+cliLine2+"\n")
	data := filepath.Join(dir, "idx")
	if r := runCmd("", nil, "index", "--quiet", "--data", data, logs); r.code != 0 {
		t.Fatalf("index: %d %s", r.code, r.stderr)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"--flag value", []string{"logs", "--data", data, cliTrace}, 0, `"msg":"first"`, ""},
		{"--flag=value", []string{"logs", "--data=" + data, cliTrace}, 0, `"msg":"first"`, ""},
		{"-flag value", []string{"logs", "-data", data, cliTrace}, 0, `"msg":"first"`, ""},
		{"flags after the argument", []string{"logs", cliTrace, "--raw", "--data", data}, 0, `"raw":`, ""},
		{"bool =false", []string{"logs", cliTrace, "--raw=false", "--data", data}, 0, `"msg":"first"`, ""},
		{"-- ends the flags", []string{"logs", "--data", data, "--", cliTrace}, 0, `"msg":"first"`, ""},
		{"unknown flag", []string{"logs", "--nope", cliTrace}, 2, "", "correlate logs: unknown flag: --nope"},
		{"flag without its value", []string{"logs", cliTrace, "--data"}, 2, "", "flag needs an argument: --data"},
		{"bad flag value", []string{"coverage", "--data", data, "--top", "many"}, 2, "", `invalid argument "many"`},
		{"bad duration", []string{"index", "--data", data, "--retention", "forever", logs}, 2, "", `bad duration "forever"`},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"unknown root flag", []string{"--nope"}, 2, "", "unknown flag: --nope"},
		{"no command", nil, 2, "", "Available Commands:"},
		{"help", []string{"help"}, 0, "Available Commands:", ""},
		{"--help", []string{"--help"}, 0, "correlate COMMAND --help", ""},
		{"-h", []string{"logs", "-h"}, 0, "--raw", ""},
		{"help of a command", []string{"help", "serve"}, 0, "--redact-key", ""},
		{"completion bash", []string{"completion", "bash"}, 0, "bash completion V2 for correlate", ""},
		{"completion zsh", []string{"completion", "zsh"}, 0, "#compdef correlate", ""},
		{"completion fish", []string{"completion", "fish"}, 0, "complete -c correlate", ""},
		{"completes commands", []string{"__complete", "lo"}, 0, "logs", ""},
		{"completes flag values", []string{"__complete", "trace", "--format", ""}, 0, "text\njson", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd("", nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d\nstdout (want %q):\n%s\nstderr (want %q):\n%s", r.code, tt.code, tt.stdout, r.stdout, tt.stderr, r.stderr)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

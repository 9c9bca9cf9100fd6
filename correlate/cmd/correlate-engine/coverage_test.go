package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestCoverageCommand(t *testing.T) {
	data := buildIndex(t, testLines())
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"text", []string{"--data", data}, 0, []string{"1 call sites write lines without a trace id", "mail.go:20", "sending mail",
			"callers missing: db", "AddSource: true"}, nil},
		{"json", []string{"--data", data, "--format", "json"}, 0, []string{`"key":"mail.go:20"`, `"in_request":1`}, nil},
		{"no data flag", nil, 2, nil, []string{"--data DIR is required"}},
		{"no index", []string{"--data", filepath.Join(t.TempDir(), "x")}, 1, nil, []string{"no index"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCorrelate("", append([]string{"coverage"}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if tt.name == "json" {
				var v map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
					t.Errorf("not JSON: %v", err)
				}
			}
		})
	}
}

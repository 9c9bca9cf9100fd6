package app

import (
	"encoding/json"
	"path/filepath"
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
			r.expect(t, tt.code, tt.stdout, tt.stderr)
			if tt.name == "json" {
				var v map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
					t.Errorf("not JSON: %v", err)
				}
			}
		})
	}
}

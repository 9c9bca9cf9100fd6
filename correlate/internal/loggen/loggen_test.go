package loggen

import (
	"bytes"
	"os"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"plain", Config{Entries: 2000, Seed: 1}},
		{"stacks, all traced", Config{Entries: 2000, Seed: 2, Stacks: true, UntracedPercent: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.cfg, tt.cfg
			a.Dir, b.Dir = t.TempDir(), t.TempDir()
			ta, err := Generate(a)
			if err != nil {
				t.Fatal(err)
			}
			tb, err := Generate(b)
			if err != nil {
				t.Fatal(err)
			}
			if ta.Entries != tt.cfg.Entries || ta.Bytes != tb.Bytes || len(ta.TraceIDs) != len(tb.TraceIDs) {
				t.Fatalf("runs differ or short: %+v vs %+v", ta.Entries, tb.Entries)
			}
			var sum int
			for _, c := range ta.Count {
				sum += int(c)
			}
			if sum != ta.Traced {
				t.Errorf("counts sum to %d, traced %d", sum, ta.Traced)
			}
			if tt.cfg.UntracedPercent < 0 && ta.Traced != ta.Entries {
				t.Errorf("traced %d of %d", ta.Traced, ta.Entries)
			}
			for i, f := range ta.Files {
				x, _ := os.ReadFile(f)
				y, _ := os.ReadFile(tb.Files[i])
				if !bytes.Equal(x, y) {
					t.Errorf("%s differs between runs", f)
				}
			}
			if tt.cfg.Stacks && ta.Lines <= int64(ta.Entries) {
				t.Errorf("no continuation lines: %d lines, %d entries", ta.Lines, ta.Entries)
			}
		})
	}
}

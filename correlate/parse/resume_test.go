package parse

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestResumeAtPending is what a checkpoint relies on: stop after any line,
// restart a fresh Assembler at Pending (or after the last line when nothing
// is pending), and the records of both runs are those of one run — none
// lost, none changed. With interleaved CRI or Docker streams a record
// emitted before the stop can lie after Pending and comes again, identical
// (same Line and Raw): stores key records by (File, Line), so that is a
// rewrite, not a duplicate.
func TestResumeAtPending(t *testing.T) {
	files, _ := filepath.Glob("testdata/formats/*.log")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
		offsets := make([]int64, len(lines)+1)
		for i, l := range lines {
			offsets[i+1] = offsets[i] + int64(len(l)) + 1
		}
		run := func(a *Assembler, from, to int) []Record {
			var recs []Record
			for i := from; i < to; i++ {
				recs = a.Add(recs, lines[i], offsets[i], int64(i+1))
			}
			return recs
		}
		key := func(r Record) string { return strconv.FormatInt(r.Line, 10) + "\x00" + r.Raw }
		one := NewAssembler(f, Config{})
		whole := one.Flush(run(one, 0, len(lines)))
		want := map[string]bool{}
		for _, r := range whole {
			want[key(r)] = true
		}
		for stop := 1; stop < len(lines); stop++ {
			a := NewAssembler(f, Config{})
			first := run(a, 0, stop)
			next := stop
			if off, lineNo, ok := a.Pending(); ok {
				next = int(lineNo) - 1
				if offsets[next] != off {
					t.Fatalf("%s stop %d: Pending offset %d is not line %d's %d", f, stop, off, lineNo, offsets[next])
				}
			}
			b := NewAssembler(f, Config{})
			second := b.Flush(run(b, next, len(lines)))
			got := map[string]bool{}
			for _, r := range append(first, second...) {
				if !want[key(r)] {
					t.Errorf("%s stop %d: record at line %d not in the one-pass run: %q", f, stop, r.Line, r.Raw)
				}
				got[key(r)] = true
			}
			if len(got) != len(want) {
				t.Errorf("%s stop %d: %d distinct records, want %d", f, stop, len(got), len(want))
			}
		}
	}
}

package parse

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Fuzz tests: nothing may panic, and whatever comes in, records keep their
// invariants. Seeds are every testdata/formats sample (whole files for the
// Assembler, single lines for ParseLine) plus testdata/fuzz, which plain
// `go test` replays.

func seedFiles(f *testing.F) [][]byte {
	files, _ := filepath.Glob("testdata/formats/*.log")
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func checkRecord(t *testing.T, r *Record, maxRaw int) {
	t.Helper()
	if r.TraceID != "" && !isLowerHex(r.TraceID, 32) {
		t.Fatalf("TraceID %q", r.TraceID)
	}
	if r.TraceIDLow != "" && (!isLowerHex(r.TraceIDLow, 16) || r.TraceID[16:] != r.TraceIDLow) {
		t.Fatalf("TraceIDLow %q of %q", r.TraceIDLow, r.TraceID)
	}
	if r.SpanID != "" && !isLowerHex(r.SpanID, 16) {
		t.Fatalf("SpanID %q", r.SpanID)
	}
	if r.TraceID == "00000000000000000000000000000000" || r.SpanID == "0000000000000000" {
		t.Fatalf("all-zero id kept")
	}
	if r.TraceFlags != "" && !isLowerHex(r.TraceFlags, 2) {
		t.Fatalf("TraceFlags %q", r.TraceFlags)
	}
	if maxRaw > 0 && len(r.Raw) > maxRaw {
		t.Fatalf("Raw of %d bytes, limit %d", len(r.Raw), maxRaw)
	}
	if r.Time.IsZero() != (r.TimePrecision == 0) {
		t.Fatalf("Time %v with precision %v", r.Time, r.TimePrecision)
	}
	if !r.Time.IsZero() && !storable(r.Time) {
		t.Fatalf("Time %v outside what the index can order by", r.Time)
	}
	if js := r.AppendJSONRaw(nil); !json.Valid(js) {
		t.Fatalf("invalid JSON: %s", js)
	}
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func FuzzParseLine(f *testing.F) {
	for _, b := range seedFiles(f) {
		for _, line := range bytes.Split(b, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		ParseLine(line, &r, &Config{})
		if r.Raw != string(line) {
			t.Fatalf("Raw %q", r.Raw)
		}
		checkRecord(t, &r, 0)
	})
}

func FuzzAssembler(f *testing.F) {
	for _, b := range seedFiles(f) {
		f.Add(b, uint16(0))
		f.Add(b, uint16(40))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxLine uint16) {
		cfg := Config{MaxLineBytes: int(maxLine)}
		a := NewAssembler("/var/log/pods/ns_pod_uid/c/0.log", cfg)
		var recs []Record
		var off, n int64
		lines := bytes.Split(data, []byte("\n"))
		for _, line := range lines {
			n++
			recs = a.Add(recs, line, off, n)
			if o, l, ok := a.Pending(); ok && (o > off || l > n) {
				t.Fatalf("Pending %d,%d beyond the last line %d,%d", o, l, off, n)
			}
			off += int64(len(line)) + 1
		}
		recs = a.Flush(recs)
		if _, _, ok := a.Pending(); ok {
			t.Fatal("pending after Flush")
		}
		st := a.Stats()
		var physical int64
		for i := range recs {
			r := &recs[i]
			checkRecord(t, r, cfg.maxLineBytes())
			if r.Line < 1 || r.Line > n || r.Lines < 1 {
				t.Fatalf("record at line %d spanning %d of %d", r.Line, r.Lines, n)
			}
			physical += int64(r.Lines)
			if r.FromLine { // the promise a store relies on to keep Raw alone
				var again Record
				ParseLine([]byte(r.Raw), &again, nil)
				again.File, again.Line, again.Offset, again.FromLine = r.File, r.Line, r.Offset, true
				if !reflect.DeepEqual(again, *r) {
					t.Fatalf("FromLine record differs from ParseLine of its Raw:\n%+v\n%+v", again, *r)
				}
			}
		}
		if physical+st.Skipped != st.Lines || st.Lines != n || st.Records != int64(len(recs)) {
			t.Fatalf("accounting: %d in records + %d skipped != %d lines (%d given); %d records, %d counted",
				physical, st.Skipped, st.Lines, n, len(recs), st.Records)
		}
	})
}

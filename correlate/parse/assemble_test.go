package parse

import (
	"bytes"
	"strings"
	"testing"
)

// feed adds lines with offsets counted as a reader would, reusing one
// buffer (so aliasing would show), and returns records and the offsets.
func feed(a *Assembler, lines []string) []Record {
	var recs []Record
	buf := make([]byte, 0, 64)
	var off int64
	for i, l := range lines {
		buf = append(buf[:0], l...)
		recs = a.Add(recs, buf, off, int64(i+1))
		for j := range buf { // scribble: records must not alias the line
			buf[j] = '#'
		}
		off += int64(len(l)) + 1
	}
	return recs
}

type recWant struct {
	line  int64
	lines int32
	msg   string
	raw   string
}

func TestAssembler(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines []string
		want  []recWant
	}{
		{"one record per JSON line", []string{`{"msg":"a"}`, `{"msg":"b"}`},
			[]recWant{{1, 1, "a", `{"msg":"a"}`}, {2, 1, "b", `{"msg":"b"}`}}},
		{"stack trace folds under a console entry", []string{
			"2024-03-01T10:00:00.000Z\tERROR\tm.go:1\tfailed", "main.main", "\t/src/m.go:1", "2024-03-01T10:00:01.000Z\tINFO\tm.go:2\tok"},
			[]recWant{{1, 3, "failed", "2024-03-01T10:00:00.000Z\tERROR\tm.go:1\tfailed\nmain.main\n\t/src/m.go:1"}, {4, 1, "ok", "2024-03-01T10:00:01.000Z\tINFO\tm.go:2\tok"}}},
		{"go panic alone", []string{"panic: boom", "", "goroutine 1 [running]:", "main.main()", "\t/src/m.go:3 +0x1d", "exit status 2"},
			[]recWant{{1, 6, "boom", "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/m.go:3 +0x1d\nexit status 2"}}},
		{"panic after a JSON entry is its own record", []string{`{"msg":"a"}`, "panic: boom", "goroutine 1 [running]:"},
			[]recWant{{1, 1, "a", `{"msg":"a"}`}, {2, 2, "boom", "panic: boom\ngoroutine 1 [running]:"}}},
		{"plain lines stay apart", []string{"one", "two"},
			[]recWant{{1, 1, "one", "one"}, {2, 1, "two", "two"}}},
		{"leading blank lines dropped, trailing ones trimmed", []string{"", `{"msg":"a"}`, "", ""},
			[]recWant{{2, 3, "a", `{"msg":"a"}`}}},
		{"CRI partials", []string{
			`2024-03-01T10:00:00Z stdout P {"msg":"he`,
			`2024-03-01T10:00:00Z stderr F other`,
			`2024-03-01T10:00:01Z stdout F llo"}`},
			[]recWant{{2, 1, "other", "other"}, {1, 2, "hello", `{"msg":"hello"}`}}},
		{"Docker split", []string{
			`{"log":"{\"msg\":\"he","stream":"stdout","time":"2024-03-01T10:00:00Z"}`,
			`{"log":"llo\"}\n","stream":"stdout","time":"2024-03-01T10:00:00Z"}`},
			[]recWant{{1, 2, "hello", `{"msg":"hello"}`}}},
		{"CRLF", []string{"{\"msg\":\"a\"}\r"},
			[]recWant{{1, 1, "a", `{"msg":"a"}`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAssembler("f.log", Config{})
			recs := feed(a, tt.lines)
			recs = a.Flush(recs)
			if len(recs) != len(tt.want) {
				for _, r := range recs {
					t.Logf("%s", r.AppendJSONRaw(nil))
				}
				t.Fatalf("%d records, want %d", len(recs), len(tt.want))
			}
			for i, w := range tt.want {
				r := recs[i]
				if r.Line != w.line || r.Lines != w.lines || r.Msg != w.msg || r.Raw != w.raw {
					t.Errorf("record %d: line %d lines %d msg %q raw %q; want %+v", i, r.Line, r.Lines, r.Msg, r.Raw, w)
				}
				if r.File != "f.log" {
					t.Errorf("File = %q", r.File)
				}
			}
		})
	}
}

func TestPending(t *testing.T) {
	a := NewAssembler("f.log", Config{})
	if _, _, ok := a.Pending(); ok {
		t.Fatal("pending on a new Assembler")
	}
	recs := a.Add(nil, []byte(`{"msg":"a"}`), 0, 1)
	if len(recs) != 0 {
		t.Fatal("a JSON line is emitted before its continuation lines can be seen")
	}
	if off, n, ok := a.Pending(); !ok || off != 0 || n != 1 {
		t.Fatalf("Pending = %d,%d,%v", off, n, ok)
	}
	recs = a.Add(recs, []byte(`2024-03-01T10:00:00Z stdout P part`), 12, 2)
	recs = a.Add(recs, []byte(`{"msg":"b"}`), 47, 3)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	// the CRI partial (line 2) is older than the pending JSON line 3
	if off, n, ok := a.Pending(); !ok || off != 12 || n != 2 {
		t.Fatalf("Pending = %d,%d,%v; want the partial at 12,2", off, n, ok)
	}
	recs = a.Flush(recs)
	if len(recs) != 3 || recs[2].Problems&ProblemIncomplete == 0 || recs[2].Msg != "part" {
		t.Fatalf("flush: %d records %+v", len(recs), recs[len(recs)-1])
	}
	if _, _, ok := a.Pending(); ok {
		t.Fatal("pending after Flush")
	}
}

// TestFlushSettled: a complete JSON object needs no wait for continuation
// lines; a text entry, a cut JSON object and one with a stack under it do.
func TestFlushSettled(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines []string
		want  int // records after FlushSettled
	}{
		{"complete JSON object", []string{`{"msg":"a"}`}, 1},
		{"complete JSON object, trailing blanks", []string{`{"msg":"a"}  `, ""}, 1},
		{"JSON object with a stack under it", []string{`{"msg":"a"}`, "\tat x"}, 0},
		{"JSON object still being written", []string{`{"msg":"a",`}, 0},
		{"text entry", []string{"2024-03-01 10:00:00 INFO a"}, 0},
		{"nothing pending", nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAssembler("f.log", Config{})
			recs := a.FlushSettled(feed(a, tt.lines))
			if len(recs) != tt.want {
				t.Fatalf("%d records, want %d", len(recs), tt.want)
			}
			if _, _, pending := a.Pending(); pending == (tt.want == 1) && len(tt.lines) > 0 {
				t.Errorf("still pending: %v", pending)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	cfg := Config{MaxLineBytes: 32}
	a := NewAssembler("f.log", cfg)
	long := `{"msg":"` + strings.Repeat("x", 100) + `"}`
	recs := a.Add(nil, []byte(long), 0, 1)
	recs = a.AddCut(recs, []byte(`{"msg":"cut by the reader"}`), nil, 200, 2)
	recs = a.Add(recs, []byte("2024-03-01 10:00:00 INFO m"), 300, 3)
	recs = a.Add(recs, []byte("\t"+strings.Repeat("y", 40)), 400, 4)
	recs = a.Add(recs, []byte("\x00\x01binary"), 500, 5)
	recs = a.Flush(recs)
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.Problems&ProblemTooLong == 0 {
			t.Errorf("record %d not marked too long: %v", i, r.Problems)
		}
		if len(r.Raw) > 32 {
			t.Errorf("record %d: Raw of %d bytes", i, len(r.Raw))
		}
	}
	if recs[0].Problems&ProblemBadJSON == 0 || recs[0].Raw != long[:32] {
		t.Errorf("cut JSON: %q %v", recs[0].Raw, recs[0].Problems)
	}
	if recs[2].Lines != 2 {
		t.Errorf("continuation past the cut still belongs to the record: lines %d", recs[2].Lines)
	}
	st := a.Stats()
	if st.Lines != 5 || st.Records != 3 || st.Skipped != 1 || st.Count(ProblemBinary) != 1 || st.Count(ProblemTooLong) != 3 {
		t.Errorf("stats %+v %v", st, st.Reasons())
	}
}

func TestParseLineBinary(t *testing.T) {
	var r Record
	ParseLine([]byte("\x00\x00junk"), &r, nil)
	if r.Problems&ProblemBinary == 0 {
		t.Errorf("binary line not marked: %v", r.Problems)
	}
	ParseLine([]byte("caf\xc3\xa9 \xff ok"), &r, nil)
	if r.Problems != 0 || r.Msg != "caf\xc3\xa9 \xff ok" {
		t.Errorf("text with one bad byte: %v %q", r.Problems, r.Msg)
	}
}

func TestRecordDoesNotAlias(t *testing.T) {
	line := []byte(`{"msg":"hello","trace_id":"` + tid + `","service":"s","caller":"c.go:1"}`)
	var r Record
	ParseLine(line, &r, nil)
	before := r
	for i := range line {
		line[i] = 'z'
	}
	if r != before || r.Msg != "hello" || r.Service != "s" || !bytes.Contains([]byte(r.Raw), []byte("hello")) {
		t.Errorf("record changed with the input buffer: %+v", r)
	}
}

// TestCutLineKeepsTrace: a line cut at MaxLineBytes keeps the trace it
// names, before the cut (a JSON object read up to its last whole field)
// or after it (the line's tail, which the Assembler or the reader keeps).
func TestCutLineKeepsTrace(t *testing.T) {
	const id, span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name, line string
		level      string
	}{
		{"json, ids first", `{"level":"error","trace_id":"` + id + `","span_id":"` + span + `","msg":"` + long + `"}`, "error"},
		{"json, ids last (zap)", `{"level":"warn","ts":1700000000.5,"msg":"` + long + `","trace_id":"` + id + `","span_id":"` + span + `"}`, "warn"},
		{"json, escaped quotes in the long value", `{"level":"info","msg":"` + strings.Repeat(`a\",\"b`, 800) + `","trace_id":"` + id + `","span_id":"` + span + `"}`, "info"},
		{"logfmt, ids last (slog text)", `time=2026-03-01T12:00:00Z level=ERROR msg="` + long + `" trace_id=` + id + ` span_id=` + span, "error"},
		{"zerolog json, ids last", `{"level":"debug","message":"` + long + `","trace_id":"` + id + `","span_id":"` + span + `","time":"2026-03-01T12:00:00Z"}`, "debug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, via := range []string{"Add", "AddCut"} {
				a := NewAssembler("app.log", Config{MaxLineBytes: 1000})
				var recs []Record
				if via == "Add" {
					recs = a.Add(recs, []byte(tt.line), 0, 1)
				} else { // the reader cut it and kept the tail
					tail := tt.line[max(0, len(tt.line)-TailBytes):]
					recs = a.AddCut(recs, []byte(tt.line[:1000]), []byte(tail), 0, 1)
				}
				recs = a.Flush(recs)
				if len(recs) != 1 {
					t.Fatalf("%s: %d records", via, len(recs))
				}
				r := recs[0]
				if r.TraceID != id || r.SpanID != span || r.Problems&ProblemTooLong == 0 || len(r.Raw) > 1000 || r.FromLine {
					t.Errorf("%s: trace %q span %q problems %v raw %d bytes FromLine %v", via, r.TraceID, r.SpanID, r.Problems, len(r.Raw), r.FromLine)
				}
				if strings.HasPrefix(tt.line, "{") && tt.level != "" && r.Level != tt.level {
					t.Errorf("%s: level %q, want %q", via, r.Level, tt.level)
				}
			}
		})
	}
	// An id only in the cut-off middle is not invented.
	a := NewAssembler("app.log", Config{MaxLineBytes: 1000})
	line := `{"msg":"` + long + `","trace_id":"` + id + `","rest":"` + strings.Repeat("y", 2*TailBytes) + `"}`
	recs := a.Flush(a.Add(nil, []byte(line), 0, 1))
	if len(recs) != 1 || recs[0].TraceID != "" {
		t.Errorf("id from the middle of a cut line: %+v", recs)
	}
}

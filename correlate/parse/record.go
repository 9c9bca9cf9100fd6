package parse

import "time"

// Record is one log entry as the parser reads it: a line (with any
// continuation lines folded in) and what could be learnt from it.
//
// Record is the contract between the parser and everything downstream
// (store, join, views). Fields may be added; none of these change meaning.
type Record struct {
	File   string // path as given to the reader
	Line   int64  // 1-based line number of the first physical line in File
	Offset int64  // byte offset of the first physical line in File

	Time time.Time // zero when the line has none
	// TimePrecision is the resolution of Time as written (time.Second for
	// "12:00:01", time.Millisecond for ".123", time.Nanosecond for full
	// nanoseconds). Zero when Time is zero. The join needs it to tell an
	// exact fit from an ambiguous one.
	TimePrecision time.Duration

	Level   string // lower-case: debug, info, warn, error, fatal, panic, … ("" unknown)
	Msg     string
	Service string
	Caller  string // file:line of the call site when the logger wrote it

	TraceID    string // 32 lower-case hex, "" when the line carries none
	TraceIDLow string // 16 lower-case hex low 64 bits, set when only 64 bits are known (Datadog decimal, B3 64-bit)
	SpanID     string // 16 lower-case hex, "" when none
	TraceFlags string // "01", "00" or "" when not written

	Raw string // the entry as read (payload after container unwrapping), continuation lines joined by "\n"

	// Lines is the number of physical lines the record spans (container
	// partials and continuation lines included).
	Lines int32
	// Stream is "stdout" or "stderr" when a container wrapper said so.
	Stream string
	// Problems says what could not be read; zero for a clean entry.
	Problems Problem

	// FromLine says the record is exactly what ParseLine gives for Raw
	// with the zero Config (apart from File, Line and Offset): one
	// physical line, no container wrapper, no service or zone from the
	// configuration, nothing cut. A store may then keep Raw alone and
	// parse it again when reading. Only the Assembler sets it; a record
	// built or changed by hand leaves it false.
	FromLine bool
}

// Problem is a set of reasons why an entry could not be read in full. The
// parser never drops an entry for these (except ProblemBinary, see
// Assembler); it records them so ingest can count and show them.
type Problem uint16

// Problems a Record can carry; Problem.String gives their Stats names.
const (
	ProblemBinary       Problem = 1 << iota // "binary": NUL bytes or mostly invalid UTF-8; the Assembler skips such lines
	ProblemTooLong                          // "too_long": the entry was cut at Config.MaxLineBytes
	ProblemBadJSON                          // "bad_json": looked like JSON but does not parse; read as text instead
	ProblemBadTraceID                       // "bad_trace_id": a trace key whose value is not a valid id
	ProblemBadSpanID                        // "bad_span_id": a span key whose value is not a valid id
	ProblemBadContainer                     // "bad_container": a CRI or Docker wrapper that does not parse; kept as a plain line
	ProblemIncomplete                       // "incomplete": container partials never completed (end of input)
	ProblemBadTime                          // "bad_time": a time outside 1677-2262 (year 0000, 9999), which the index cannot order; the entry has no time
	numProblems         = iota
)

var problemNames = [numProblems]string{"binary", "too_long", "bad_json", "bad_trace_id", "bad_span_id", "bad_container", "incomplete", "bad_time"}

// String returns the Stats names of the problems in p joined by ",".
func (p Problem) String() string {
	var b []byte
	for i := 0; i < numProblems; i++ {
		if p&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, ',')
			}
			b = append(b, problemNames[i]...)
		}
	}
	return string(b)
}

// Stats counts what an Assembler has read: records emitted and problems by
// reason. The zero value is ready to use.
type Stats struct {
	Lines   int64 // physical lines given to Add
	Records int64 // records emitted
	Skipped int64 // physical lines dropped: binary junk, blank lines outside a record
	counts  [numProblems]int64
}

// Add counts every problem in p once.
func (s *Stats) Add(p Problem) {
	for i := 0; p != 0; i++ {
		if p&1 != 0 {
			s.counts[i]++
		}
		p >>= 1
	}
}

// Count returns how many times the problem p (a single bit) was counted.
func (s *Stats) Count(p Problem) int64 {
	for i := 0; i < numProblems; i++ {
		if p == 1<<i {
			return s.counts[i]
		}
	}
	return 0
}

// Reasons returns the non-zero problem counts keyed by reason name
// ("binary", "too_long", "bad_json", ...).
func (s *Stats) Reasons() map[string]int64 {
	m := make(map[string]int64)
	for i, n := range s.counts {
		if n != 0 {
			m[problemNames[i]] = n
		}
	}
	return m
}

// Merge adds the counts of o to s.
func (s *Stats) Merge(o *Stats) {
	s.Lines += o.Lines
	s.Records += o.Records
	s.Skipped += o.Skipped
	for i := range s.counts {
		s.counts[i] += o.counts[i]
	}
}

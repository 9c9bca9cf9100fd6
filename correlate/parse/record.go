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
}

// Package parse reads log lines into Records: time, level, message,
// service, caller, trace id, span id and trace flags, plus the raw entry.
// It reads what real Go services print — zap, zerolog, go-zero logx,
// log/slog and logrus, in JSON and in their text encoders — under every
// trace-field profile of logbridge, inside Kubernetes CRI and Docker
// json-file wrappers, with stack traces folded into the entry above them.
//
// # Use
//
// Files go through an Assembler, one per file, fed physical lines:
//
//	a := parse.NewAssembler(path, parse.Config{Location: time.Local})
//	for each line (without its newline) at offset off, number n:
//		recs = a.Add(recs[:0], line, off, n)
//		// store recs; checkpoint at a.Pending() (or past the last line when !ok)
//	recs = a.Flush(recs[:0]) // end of input, or idle in follow mode
//
// Pushed entries (one logical entry each) go through ParseLine. Every
// entry becomes a Record, traced or not. Records never alias the caller's
// buffers; each costs one allocation (one string backs all its fields).
// Record.AppendJSON writes the JSONL object of `correlate parse` and
// `correlate logs`.
//
// # Formats
//
// A line whose first non-blank byte is '{' is read as JSON by a
// hand-written scanner; a JSON line that does not parse is read as text
// and marked ProblemBadJSON. Everything else is text (see text.go):
//
//	zap JSON            {"level":"info","ts":1700000000.123,"caller":"a.go:1","msg":"…"}
//	zerolog JSON        {"level":"info","time":"…","caller":"…","message":"…"}
//	go-zero logx JSON   {"@timestamp":"…","caller":"…","content":"…","level":"info","span":"…","trace":"…"}
//	slog JSONHandler    {"time":"…","level":"INFO","source":{"file":"…","line":1},"msg":"…"}
//	logrus JSON         {"level":"warning","msg":"…","time":"…"}
//	zap console         2006-01-02T15:04:05.000Z0700 TAB INFO TAB [name TAB] a.go:1 TAB msg TAB {"k": "v"}
//	logx plain          2006-01-02T15:04:05.000Z07:00 TAB " info " TAB content TAB k=v …
//	zerolog console     3:04PM INF [a.go:1 >] msg k=v …   (ANSI colours stripped)
//	slog TextHandler    time=… level=INFO msg="…" k=v …
//	logrus text         time="…" level=info msg="…" k=v … ; on a terminal INFO[0000] msg k=v
//	logfmt, Go's log    any key=value line; 2006/01/02 15:04:05 msg
//	other text          [time] [LEVEL] message [k=v …]; else the whole line is the message
//
// Keys (case-insensitive, nested JSON objects read as dotted keys) are
// listed in fields.go; trace profiles:
//
//	OTel      trace_id, span_id, trace_flags (also traceId/spanId, traceID/spanID)
//	ECS       trace.id, span.id — dotted or nested {"trace":{"id":…}}
//	Datadog   dd.trace_id (32 hex, or decimal = low 64 bits), dd.span_id (decimal)
//	GCP       logging.googleapis.com/trace (projects/P/traces/ID), …/spanId, …/trace_sampled
//	GoZero    trace, span
//	W3C       traceparent key, or a 00-<32hex>-<16hex>-<2hex> value anywhere in a text line
//	B3        x-b3-traceid, x-b3-spanid, x-b3-sampled, b3 (single header)
//
// # Ids
//
// Ids are lower-case hex; trace ids 32 digits. A 16-hex trace id under a
// generic key is a legacy Jaeger id: left-padded, TraceIDLow unset. A
// decimal dd.trace_id or a 16-hex B3 id is the low 64 bits of a 128-bit
// trace: left-padded into TraceID and also set as TraceIDLow, so a store
// can index both. A full 128-bit id beats a low one, whatever the key
// order. Decimal span ids (Datadog, GCP) become 16 hex digits. All-zero
// ids mean no trace. Ids of a wrong length or with non-hex digits are
// dropped and marked (ProblemBadTraceID, ProblemBadSpanID).
//
// # Times, levels, services, containers, continuation lines
//
// See timefmt.go (formats, epoch units by magnitude, precision), level.go
// (normal level words), service.go (line, Kubernetes path, Config.Services,
// the file's other lines, go-zero's Name),
// container.go (CRI and Docker) and assemble.go (which lines start an
// entry, what is dropped).
//
// # Problems
//
// Nothing is dropped silently. Binary lines (NUL bytes, mostly invalid
// UTF-8) are skipped by the Assembler and counted; every other line that
// cannot be read in full still becomes a Record with its Raw text and
// Record.Problems set, counted by reason in Stats. Invalid UTF-8 stays in
// the Record as read; AppendJSON writes each invalid byte as \ufffd.
package parse

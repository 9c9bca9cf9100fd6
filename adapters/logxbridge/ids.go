package logxbridge

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// lineIDs is what a logx line says about its span: the ids logx wrote as
// strings, and the sampling decision when the context side put it there.
type lineIDs struct {
	traceID    trace.TraceID
	spanID     trace.SpanID
	flags      trace.TraceFlags
	traceVal   any // the line's own values, reused when they are hex as written
	spanVal    any
	hasTrace   bool
	hasSpan    bool
	flagsKnown bool
}

// spanContext returns the span context of the line, valid only when both
// ids were read.
func (l *lineIDs) spanContext() (trace.SpanContext, bool) {
	if !l.hasTrace || !l.hasSpan {
		return trace.SpanContext{}, false
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: l.traceID, SpanID: l.spanID, TraceFlags: l.flags, Remote: true})
	return sc, sc.IsValid()
}

// readTrace reads a trace id written as 32 hex digits, or as GCP's
// projects/P/traces/ID. Anything else (a field that happens to be called
// "trace") is not an id and leaves the line alone.
func (l *lineIDs) readTrace(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if strings.HasPrefix(s, "projects/") {
		s = s[strings.LastIndexByte(s, '/')+1:]
	}
	var id trace.TraceID
	if len(s) != 2*len(id) || !decodeHex(id[:], s) || !id.IsValid() {
		return false
	}
	l.traceID, l.traceVal, l.hasTrace = id, v, true
	return true
}

// readSpan reads a span id written as 16 hex digits or, under Datadog's
// span key (decimal), as a decimal uint64. A decimal under any other key
// ("span":"3", a retry's number) is not an id and leaves the line alone.
func (l *lineIDs) readSpan(v any, decimal bool) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	var id trace.SpanID
	switch {
	case len(s) == 2*len(id) && decodeHex(id[:], s):
	case decimal:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return false
		}
		for i := len(id) - 1; i >= 0; i-- {
			id[i] = byte(n)
			n >>= 8
		}
	default:
		return false
	}
	if !id.IsValid() {
		return false
	}
	l.spanID, l.spanVal, l.hasSpan = id, v, true
	return true
}

// readFlags reads the sampling decision the context side wrote: "01"/"00"
// under a flags key, or GCP's boolean.
func (l *lineIDs) readFlags(v any) {
	switch f := v.(type) {
	case string:
		var b [1]byte
		if len(f) == 2 && decodeHex(b[:], f) {
			l.flags, l.flagsKnown = trace.TraceFlags(b[0]), true
		}
	case bool:
		if f {
			l.flags = trace.FlagsSampled
		} else {
			l.flags = 0
		}
		l.flagsKnown = true
	}
}

// decodeHex decodes len(dst)*2 hex digits of s into dst without allocating,
// unlike hex.DecodeString and trace.TraceIDFromHex.
func decodeHex(dst []byte, s string) bool {
	for i := range dst {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

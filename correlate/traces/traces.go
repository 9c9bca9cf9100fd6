// Package traces holds the correlator's view of a distributed trace, as read
// from Jaeger (api/v3, api/traces) or from a trace file, normalised so that
// ids are lower-case hex (trace ids 32 digits, span ids 16) and times are
// absolute.
package traces

import "time"

// Trace is one distributed trace: every span Jaeger (or a file) returned for
// one trace id.
type Trace struct {
	TraceID string
	Spans   []Span
}

// Span is one span of a trace.
type Span struct {
	TraceID      string
	SpanID       string
	ParentSpanID string // "" for a root span (or a parent outside the trace)
	Service      string
	Name         string
	Kind         string // server, client, internal, producer, consumer ("" unknown)
	Start        time.Time
	Duration     time.Duration
	Error        bool              // status code error, or an error tag/attribute
	StatusMsg    string            // status message when Error
	Attributes   map[string]string // span attributes and process/resource attributes, stringified
}

// End is the time the span ended.
func (s Span) End() time.Time { return s.Start.Add(s.Duration) }

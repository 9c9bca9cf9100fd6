// Package traces holds the correlator's view of a distributed trace, as read
// from Jaeger (api/v3, api/traces) or from a trace file, normalised so that
// ids are lower-case hex (trace ids 32 digits, span ids 16) and times are
// absolute.
package traces

import (
	"slices"
	"strings"
	"time"
)

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
	// Status is the span's status code: "ok", "error" or "" (unset).
	Status string
	// Own are the span's own attributes (Attributes less the resource's),
	// sorted by key; Resource the resource (process) attributes, sorted by
	// key. They are what a person reading one span wants told apart.
	Own      []Attr
	Resource []Attr
	// Events are the span's events (Jaeger's span logs), in time order.
	Events []Event
}

// Attr is one attribute of a span, an event or a resource, its value
// stringified as in Span.Attributes.
type Attr struct{ Key, Value string }

// Event is a timed annotation of a span: an OpenTelemetry span event (an
// exception, a retry) or a classic Jaeger span log.
type Event struct {
	Time       time.Time
	Name       string
	Attributes []Attr // sorted by key
}

// SortedAttrs returns m as attributes sorted by key; nil for an empty map.
func SortedAttrs(m map[string]string) []Attr {
	if len(m) == 0 {
		return nil
	}
	out := make([]Attr, 0, len(m))
	for k, v := range m {
		out = append(out, Attr{k, v})
	}
	slices.SortFunc(out, func(a, b Attr) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// End is the time the span ended.
func (s Span) End() time.Time { return s.Start.Add(s.Duration) }

package tracesource

import (
	"cmp"
	"slices"

	"github.com/traceline/traceline/correlate/traces"
)

// collector groups decoded spans by trace id, keeping the order in which
// trace ids first appear.
type collector struct {
	order []string
	spans map[string][]traces.Span
}

func (c *collector) add(s traces.Span) {
	if c.spans == nil {
		c.spans = make(map[string][]traces.Span)
	}
	if _, ok := c.spans[s.TraceID]; !ok {
		c.order = append(c.order, s.TraceID)
	}
	c.spans[s.TraceID] = append(c.spans[s.TraceID], s)
}

// traces returns one Trace per trace id, spans in start order (ties by span
// id, so the order is stable), with duplicate span ids (the same span
// delivered twice) kept once.
func (c *collector) traces() []traces.Trace {
	out := make([]traces.Trace, 0, len(c.order))
	for _, id := range c.order {
		spans := c.spans[id]
		slices.SortStableFunc(spans, func(a, b traces.Span) int {
			if n := a.Start.Compare(b.Start); n != 0 {
				return n
			}
			return cmp.Compare(a.SpanID, b.SpanID)
		})
		spans = slices.CompactFunc(spans, func(a, b traces.Span) bool {
			return a.SpanID == b.SpanID && a.Start.Equal(b.Start)
		})
		out = append(out, traces.Trace{TraceID: id, Spans: spans})
	}
	return out
}

// find returns the trace with the given (normalised) id.
func find(ts []traces.Trace, id string) (traces.Trace, bool) {
	for _, t := range ts {
		if t.TraceID == id {
			return t, true
		}
	}
	return traces.Trace{}, false
}

package zerologbridge

import (
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

// smallRendered and maxRendered are the sizes of the stack buffers a line's
// trace fields are rendered into: most templates fit the small one, whose
// zeroing costs less. A template that could be longer than the large one (a
// very long project id or service name) is not used, and the fields are
// written one by one.
const (
	smallRendered = 256
	maxRendered   = 1024
)

// A line's trace fields are rendered on the stack from the template and
// copied in with one RawJSON (in Hook.Run for the small buffer, here for the
// large one). Rendering costs about as much as copying a kept rendering
// would (a span's ids are a few hex words), so no span is encoded ahead and
// no line allocates.

// renderLarge writes sc's fields into e through the large stack buffer.
func (h *Hook) renderLarge(e *zerolog.Event, sc trace.SpanContext) {
	var buf [maxRendered]byte
	e.RawJSON(h.tmpl.Key(), h.tmpl.AppendValue(buf[:0], sc))
}

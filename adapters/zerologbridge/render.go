package zerologbridge

import (
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

// maxRendered is the size of the stack buffer renderRaw renders into. A
// template that could be longer (a very long project id or service name)
// is not used, and the fields are written one by one.
const maxRendered = 1024

// renderRaw writes sc's fields into e through Event.RawJSON, rendered on
// the stack: the path for a zerolog whose event buffer Hook.Run cannot
// reach (see eventBuf).
func (h *Hook) renderRaw(e *zerolog.Event, sc trace.SpanContext) {
	var buf [maxRendered]byte
	e.RawJSON(h.tmpl.Key(), h.tmpl.AppendValue(buf[:0], sc))
}

package zerologbridge

import (
	"bytes"
	"context"

	"github.com/rs/zerolog"

	"github.com/traceline/traceline/logbridge"
)

// maxBaggage is how many baggage fields a line takes without allocating.
const maxBaggage = 8

// Hook writes the trace fields of an event's context into the event. Make
// one with NewHook and install it with Logger.Hook.
type Hook struct {
	b *logbridge.Bridge
	// firstKey is the first key the hook writes, quoted as zerolog encodes
	// keys: when another Hook runs on the same event, finding it in the
	// line means that hook already wrote the trace fields.
	firstKey string
	// tmpl renders the fields straight from the span context; nil when
	// zerolog does not encode JSON or the fields cannot be rendered so.
	tmpl *logbridge.JSONTemplate
}

var _ zerolog.Hook = (*Hook)(nil)

// NewHook returns a zerolog.Hook that writes the trace fields of the
// event's context.Context under the profiles opts select (OTel by default).
// The context is the one given to Event.Ctx, or else the logger's, set with
// Logger.With().Ctx or by Ctx. Install it once on the root logger:
//
//	logger := zerolog.New(os.Stdout).Hook(zerologbridge.NewHook())
func NewHook(opts ...logbridge.Option) zerolog.Hook {
	b := logbridge.New(opts...)
	h := &Hook{b: b, firstKey: `"` + b.Profiles()[0].TraceKey() + `":`}
	if t := b.JSONTemplate(); jsonEncoding && t != nil && t.Max() <= maxRendered {
		h.tmpl = t
	}
	return h
}

// Run implements zerolog.Hook. It does nothing for a discarded event; for
// a context without a valid span context it writes no trace fields (the
// configured baggage members are still copied).
func (h *Hook) Run(e *zerolog.Event, level zerolog.Level, _ string) {
	if level == zerolog.Disabled || !e.Enabled() {
		return
	}
	ctx := e.GetCtx()
	if sc, ok := logbridge.FromContext(ctx); ok && (!sharesEvent(e) || !hasKey(encoded(e), h.firstKey)) {
		if h.tmpl == nil {
			h.fields(e, h.b.SpanFields(sc))
		} else if buf := eventBuf(e); buf != nil && len(*buf) > 0 {
			// Straight into the line: zerolog's buffer holds the fields
			// so far, from its opening brace.
			b := *buf
			if b[len(b)-1] != '{' {
				b = append(b, ',')
			}
			*buf = h.tmpl.Append(b, sc)
		} else {
			h.renderRaw(e, sc)
		}
	}
	if h.b.HasBaggage() {
		h.baggage(e, ctx)
	}
}

// fields writes fs field by field.
func (h *Hook) fields(e *zerolog.Event, fs *logbridge.SpanFields) {
	for _, f := range fs.Fields {
		if f.Kind == logbridge.BoolKind {
			e.Bool(f.Key, f.Bool)
		} else {
			e.Str(f.Key, f.String)
		}
	}
}

// baggage writes the configured baggage members that the line lacks.
func (h *Hook) baggage(e *zerolog.Event, ctx context.Context) {
	var arr [maxBaggage]logbridge.Field
	var quoted [64]byte
	shared := sharesEvent(e)
	for _, f := range h.b.AppendBaggage(arr[:0], ctx) {
		q := append(append(append(quoted[:0], '"'), f.Key...), '"', ':')
		if !shared || !bytes.Contains(encoded(e), q) {
			e.Str(f.Key, f.String)
		}
	}
}

package zerologbridge

import (
	"bytes"
	"context"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

// maxBaggage is how many baggage fields a line takes without allocating.
const maxBaggage = 8

// Sizes of the stack buffers a span's fields are rendered into: the small
// one takes the usual single profile with a service name, the large one
// every profile at once. A template that could be longer (a very long
// project id or service name) is not used; the fields are then written one
// by one.
const (
	smallRendered = 192
	maxRendered   = 1024
)

// Hook is the zerolog.Hook that writes the trace fields of an event's
// context.Context into the event. Make one with NewHook and install it
// once, on the root logger, with Logger.Hook.
type Hook struct {
	b *bridge.Bridge
	// tmpl renders the fields straight from the span context; nil when
	// zerolog does not encode JSON or the fields cannot be rendered so.
	tmpl  *bridge.JSONTemplate
	small bool // tmpl fits the small stack buffer
}

var _ zerolog.Hook = (*Hook)(nil)

// NewHook returns a Hook that writes the trace fields of the event's
// context.Context under the profiles opts select (OTel by default). The
// context is the one given to Event.Ctx, or else the logger's, set with
// Logger.With().Ctx or by Ctx. Install it once on the root logger:
//
//	logger := zerolog.New(os.Stdout).Hook(zerologbridge.NewHook())
func NewHook(opts ...logbridge.Option) *Hook {
	b := bridge.New(opts...)
	h := &Hook{b: b}
	if t := b.JSONTemplate(); jsonEncoding && t != nil && t.Max() <= maxRendered {
		h.tmpl, h.small = t, t.Max() <= smallRendered
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
	if sc, ok := logbridge.FromContext(ctx); ok {
		switch {
		case h.tmpl == nil:
			h.fields(e, h.b.SpanFields(sc))
		case h.small:
			var buf [smallRendered]byte
			h.raw(e, buf[:0], sc)
		default:
			var buf [maxRendered]byte
			h.raw(e, buf[:0], sc)
		}
	}
	if h.b.HasBaggage() {
		h.baggage(e, ctx)
	}
}

// raw writes sc's fields with one Event.RawJSON call: the first key, and
// as its value the first value followed by every later member, rendered
// into buf (a buffer on the caller's stack that RawJSON copies).
func (h *Hook) raw(e *zerolog.Event, buf []byte, sc trace.SpanContext) {
	e.RawJSON(h.tmpl.Key(), h.tmpl.AppendValue(buf, sc))
}

// fields writes fs field by field.
func (h *Hook) fields(e *zerolog.Event, fs *bridge.SpanFields) {
	for _, f := range fs.Fields {
		if f.Kind == bridge.BoolKind {
			e.Bool(f.Key, f.Bool)
		} else {
			e.Str(f.Key, f.String)
		}
	}
}

// baggage writes the configured baggage members that ctx carries.
func (h *Hook) baggage(e *zerolog.Event, ctx context.Context) {
	var arr [maxBaggage]bridge.Field
	for _, f := range h.b.AppendBaggage(arr[:0], ctx) {
		e.Str(f.Key, f.String)
	}
}

// jsonEncoding reports whether zerolog writes JSON (not CBOR, under its
// binary_log build tag), found by writing one event to a buffer: only then
// are fields rendered as ready JSON; otherwise they go through Event.Str
// and Event.Bool.
var jsonEncoding = func() bool {
	var buf bytes.Buffer
	l := zerolog.New(&buf)
	l.Log().Send()
	return bytes.HasPrefix(buf.Bytes(), []byte("{"))
}()

package zerologbridge

import (
	"bytes"
	"context"
	"sync/atomic"

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
	firstKey  string
	fragments [fragmentSlots]atomic.Pointer[fragment]
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
	return &Hook{b: b, firstKey: `"` + b.Profiles()[0].TraceKey() + `":`}
}

// Run implements zerolog.Hook. It does nothing for a discarded event or one
// whose context carries no valid span context.
func (h *Hook) Run(e *zerolog.Event, level zerolog.Level, _ string) {
	if level == zerolog.Disabled || !e.Enabled() {
		return
	}
	ctx := e.GetCtx()
	if fs, ok := h.b.Fields(ctx); ok && len(fs.Fields) > 0 {
		switch {
		case !jsonEncoding:
			for _, f := range fs.Fields {
				if f.Kind == logbridge.BoolKind {
					e.Bool(f.Key, f.Bool)
				} else {
					e.Str(f.Key, f.String)
				}
			}
		case !sharesEvent(e) || !hasKey(encoded(e), h.firstKey):
			e.RawJSON(fs.Fields[0].Key, h.fragment(fs))
		}
	}
	if h.b.HasBaggage() {
		h.baggage(e, ctx)
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

// Package fuzzcase builds, from a fuzz input, the bridge options and the
// request context that the adapters' differential fuzz tests log with, so
// that every adapter is fuzzed over the same cases.
package fuzzcase

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// Seed is one seed of the adapters' fuzz tests: a message, a field's key
// and value, a name (a service, a group or a namespace), a baggage value and
// the selector bits.
type Seed struct {
	Msg, Key, Val, Name, Bag string
	Sel                      uint16
}

// Seeds are the seeds every adapter's fuzz test starts from: plain text,
// text JSON must escape (quotes, control characters, invalid UTF-8, U+2028),
// a caller's field named like a trace field, empty strings, lone braces.
var Seeds = []Seed{
	{"form stored", "form", "F1", "questionnaire", "T-17", 0},
	{"a \"quoted\"\n<b>&\x00 é \xff", "trace_id", "mine", "", "", 0x1ff},
	{"m", "ctx", "v", "01", "x y", 0x0a5},
	{"", "", "", "trace_id", "\u2028", 0x15a},
	{"}", "{", "\"", "}", "%22", 0x0f0},
}

// AddSeeds adds Seeds to f, in the argument order of the adapters' fuzz
// functions: msg, key, val, name, bag, sel.
func AddSeeds(f *testing.F) {
	for _, s := range Seeds {
		f.Add(s.Msg, s.Key, s.Val, s.Name, s.Bag, s.Sel)
	}
}

var (
	traceID  = trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
	spanID   = trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}
	profiles = [...]logbridge.Profile{logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("epro"), logbridge.GoZero}
)

// Case returns what sel's low six bits select: the profile (bits 0-2), the
// service name set to name (bit 3), a sampled span (bit 4), and the
// trial_id baggage member set to bag (bit 5; bag values baggage refuses are
// left out of the context, the option stays). The context carries the span
// (trace 0af7651916cd43dd8448eb211c80319c, span b7ad6b7169203331). The
// higher bits are the caller's.
func Case(sel uint16, name, bag string) ([]logbridge.Option, context.Context) {
	opts := []logbridge.Option{logbridge.WithProfile(profiles[int(sel&7)%len(profiles)])}
	if sel&8 != 0 {
		opts = append(opts, logbridge.WithService(name))
	}
	var flags trace.TraceFlags
	if sel&16 != 0 {
		flags = trace.FlagsSampled
	}
	ctx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID, TraceFlags: flags}))
	if sel&32 != 0 {
		opts = append(opts, logbridge.WithBaggage("trial_id"))
		if m, err := baggage.NewMemberRaw("trial_id", bag); err == nil {
			if b, err := baggage.New(m); err == nil {
				ctx = baggage.ContextWithBaggage(ctx, b)
			}
		}
	}
	return opts, ctx
}

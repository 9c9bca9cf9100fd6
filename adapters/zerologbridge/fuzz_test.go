package zerologbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"

	"github.com/traceline/traceline/logbridge"
)

// FuzzHookPathsAgree writes one event, chosen by the fuzzer (message, a
// field's key and value, a service name, a baggage value, the profile,
// where the context and the fields go), along the hook's three paths: the
// template rendered straight into zerolog's buffer, the same through
// Event.RawJSON, and field by field. All three must write the same bytes: a
// JSON object, without the context's internals. Its seeds run with every
// `go test`.
func FuzzHookPathsAgree(f *testing.F) {
	f.Add("form stored", "form", "F1", "questionnaire", "T-17", uint16(0))
	f.Add("a \"quoted\"\n<b>&\x00 é \xff", "trace_id", "mine", "", "", uint16(0x1ff))
	f.Add("m", "ctx", "v", "01", "x y", uint16(0x0a5))
	f.Add("", "", "", "trace_id", "\u2028", uint16(0x15a))
	f.Add("}", "{", "\"", "}", "%22", uint16(0x0f0))
	f.Fuzz(func(t *testing.T, msg, key, val, service, bag string, sel uint16) {
		profiles := [...]logbridge.Profile{logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("epro"), logbridge.GoZero}
		opts := []logbridge.Option{logbridge.WithProfile(profiles[int(sel&7)%len(profiles)])}
		if sel&8 != 0 {
			opts = append(opts, logbridge.WithService(service))
		}
		var flags trace.TraceFlags
		if sel&16 != 0 {
			flags = trace.FlagsSampled
		}
		ctx := spanCtx(context.Background(), testSpanID, flags)
		if sel&32 != 0 {
			opts = append(opts, logbridge.WithBaggage("trial_id"))
			if m, err := baggage.NewMemberRaw("trial_id", bag); err == nil {
				if b, err := baggage.New(m); err == nil {
					ctx = baggage.ContextWithBaggage(ctx, b)
				}
			}
		}
		write := func(h *Hook) string {
			var buf bytes.Buffer
			l := zerolog.New(&buf).Hook(h)
			if sel&64 != 0 {
				l = l.With().Str(key, val).Logger()
			}
			if sel&128 != 0 {
				l = l.With().Ctx(ctx).Logger()
			}
			e := l.Info()
			if sel&256 != 0 {
				e = e.Str(key, val)
			}
			if sel&128 == 0 {
				e = e.Ctx(ctx)
			}
			if sel&512 != 0 {
				e = e.Str(key, val)
			}
			e.Msg(msg)
			return buf.String()
		}
		direct := write(NewHook(opts...).(*Hook))

		saved := eventBufOffset
		eventBufOffset = noOffset
		viaRaw := write(NewHook(opts...).(*Hook))
		eventBufOffset = saved

		byField := NewHook(opts...).(*Hook)
		byField.tmpl = nil
		fields := write(byField)

		if viaRaw != direct {
			t.Fatalf("through RawJSON:\n%q\nstraight into the buffer:\n%q", viaRaw, direct)
		}
		if fields != direct {
			t.Fatalf("field by field:\n%q\nrendered:\n%q", fields, direct)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(direct), &m); err != nil {
			t.Fatalf("not a JSON object: %v\n%q", err, direct)
		}
		if strings.Contains(direct, "context.Background") || strings.Contains(direct, "WithValue") {
			t.Fatalf("the context's internals reached the line: %q", direct)
		}
	})
}

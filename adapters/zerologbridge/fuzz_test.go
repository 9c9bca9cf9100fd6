package zerologbridge

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/traceline/traceline/internal/fuzzcase"
)

// FuzzHookPathsAgree writes one event, chosen by the fuzzer (message, a
// field's key and value, a service name, a baggage value, the profile,
// where the context and the fields go), along the hook's three paths: the
// template rendered straight into zerolog's buffer, the same through
// Event.RawJSON, and field by field. All three must write the same bytes: a
// JSON object, without the context's internals. Its seeds run with every
// `go test`.
func FuzzHookPathsAgree(f *testing.F) {
	fuzzcase.AddSeeds(f)
	f.Fuzz(func(t *testing.T, msg, key, val, service, bag string, sel uint16) {
		opts, ctx := fuzzcase.Case(sel, service, bag)
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
		if n := len(lines(t, bytes.NewBufferString(direct))); n != 1 { // lines: each a JSON object
			t.Fatalf("%d lines: %q", n, direct)
		}
		if strings.Contains(direct, "context.Background") || strings.Contains(direct, "WithValue") {
			t.Fatalf("the context's internals reached the line: %q", direct)
		}
	})
}

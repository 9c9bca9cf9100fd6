package zerologbridge

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/traceline/traceline/internal/fuzzcase"
)

// FuzzHookPathsAgree writes one event, chosen by the fuzzer (message, a
// field's key and value, a service name, a baggage value, the profile,
// where the context and the fields go), along the hook's three paths: the
// template rendered in the small stack buffer, in the large one, and field
// by field. All three must write the same bytes: a JSON object, without the
// context's internals. The same event written behind a Writer must hold
// each key the Hook writes once, with the Hook's value, and every other
// member unchanged. Its seeds run with every `go test`.
func FuzzHookPathsAgree(f *testing.F) {
	fuzzcase.AddSeeds(f)
	f.Fuzz(func(t *testing.T, msg, key, val, service, bag string, sel uint16) {
		opts, ctx := fuzzcase.Case(sel, service, bag)
		write := func(h *Hook, wrap bool) string {
			var buf bytes.Buffer
			var w io.Writer = &buf
			if wrap {
				w = NewWriter(&buf, opts...)
			}
			l := zerolog.New(w).Hook(h)
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
		direct := write(NewHook(opts...), false)

		large := NewHook(opts...)
		large.small = false
		viaLarge := write(large, false)

		byField := NewHook(opts...)
		byField.tmpl = nil
		fields := write(byField, false)

		if viaLarge != direct {
			t.Fatalf("large buffer:\n%q\nsmall buffer:\n%q", viaLarge, direct)
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

		ours := map[string]bool{}
		for _, k := range NewWriter(io.Discard, opts...).block {
			ours[k] = true
		}
		want := topMembers(t, direct)
		got := topMembers(t, write(NewHook(opts...), true))
		for k := range ours {
			nw, vw := count(want, k)
			if n, v := count(got, k); nw > 0 && (n != 1 || v != vw) {
				t.Fatalf("behind a Writer %q written %d times, last %s, want once %s\n%v", k, n, v, vw, got)
			}
		}
		var others []member
		for _, m := range want {
			if !ours[m.key] {
				others = append(others, m)
			}
		}
		i := 0
		for _, m := range got {
			if ours[m.key] {
				continue
			}
			if i >= len(others) || m != others[i] {
				t.Fatalf("behind a Writer the caller's members changed:\n%v\nwant\n%v", got, want)
			}
			i++
		}
		if i != len(others) {
			t.Fatalf("behind a Writer members lost:\n%v\nwant\n%v", got, want)
		}
	})
}

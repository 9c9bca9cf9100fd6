package logxbridge

import (
	"reflect"
	"strings"
	"testing"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

// FuzzWriterRewrite hands the writer lines whose fields the fuzzer picks
// from the keys that matter (logx's trace and span, every profile's keys, a
// service and a flags key, and an unrelated one) with ids, zeros or other
// text as values, under a profile set it also picks. Whatever comes in:
// the caller's slice is not changed, a key the bridge writes appears at most
// once on a line it rewrites (a caller's field under it included), a
// profile's id key never holds zeros, and a field the bridge does not own
// passes through unchanged and in order. Its seeds run with every `go test`.
func FuzzWriterRewrite(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, uint8(0))
	f.Add([]byte{0x10, 0x21, 0x12, 0x23, 0x34}, uint8(3))
	f.Add([]byte{0x40, 0x51, 0x60, 0x71, 0x05, 0x16}, uint8(7))
	f.Add([]byte{0x22, 0x22, 0x33, 0x00, 0x01}, uint8(12))
	keys := []string{"trace", "span", "trace_id", "span_id", "trace_flags", "dd.trace_id", "dd.span_id",
		"logging.googleapis.com/trace", "logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled",
		"trace.id", "span.id", "service.name", "caller", "trial_id", "serviceContext.service"}
	values := []any{goldenTrace, goldenSpan, "00000000000000000000000000000000", "0000000000000000",
		"01", "00", true, "not an id", "13235353014750950193", "projects/p/traces/" + goldenTrace, 7, ""}
	profiles := []logbridge.Profile{logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("p"), logbridge.GoZero}
	f.Fuzz(func(t *testing.T, picks []byte, sel uint8) {
		if len(picks) > 24 {
			picks = picks[:24]
		}
		var ps []logbridge.Profile
		for i, p := range profiles {
			if sel&(1<<i) != 0 {
				ps = append(ps, p)
			}
		}
		opts := []logbridge.Option{}
		if len(ps) > 0 {
			opts = append(opts, logbridge.WithProfile(ps...))
		}
		if sel&0x20 != 0 {
			opts = append(opts, logbridge.WithService("gateway"))
		}
		in := make([]logx.LogField, 0, len(picks))
		for _, p := range picks {
			in = append(in, logx.Field(keys[int(p&0x0f)], values[int(p>>4)%len(values)]))
		}
		saved := make([]logx.LogField, len(in))
		copy(saved, in)
		rec := &recorder{}
		w := NewWriter(rec, opts...)
		w.Info("m", in...)
		if !reflect.DeepEqual(in, saved) {
			t.Fatalf("caller's fields changed:\n%v\nwas\n%v", in, saved)
		}
		out := rec.last().fields
		seen := map[string]int{}
		for _, fl := range out {
			seen[fl.Key]++
		}
		b := bridge.New(opts...)
		rewritten := !reflect.DeepEqual(out, saved)
		for k, n := range seen {
			if n > 1 && b.Owns(k) && rewritten {
				t.Errorf("key %q written %d times:\nin  %v\nout %v", k, n, saved, out)
			}
		}
		for _, p := range b.Profiles() {
			for _, k := range []string{p.TraceKey, p.SpanKey} {
				for _, fl := range out {
					if fl.Key == k && countKey(saved, k) == 0 {
						if s, ok := fl.Value.(string); ok && strings.Trim(s, "0") == "" {
							t.Errorf("zeros under %q:\nin  %v\nout %v", k, saved, out)
						}
					}
				}
			}
		}
		// Fields the bridge neither writes nor reads ids from (logx's keys
		// and those SetFieldKeys may point logx at), in their order.
		other := func(k string) bool {
			switch k {
			case "trace", "span", "trace_id", "span_id", "trace.id", "span.id":
				return false
			}
			return !b.Owns(k)
		}
		var wantRest, gotRest []logx.LogField
		for _, fl := range saved {
			if other(fl.Key) {
				wantRest = append(wantRest, fl)
			}
		}
		for _, fl := range out {
			if other(fl.Key) {
				gotRest = append(gotRest, fl)
			}
		}
		if len(wantRest) != len(gotRest) || (len(wantRest) > 0 && !reflect.DeepEqual(wantRest, gotRest)) {
			t.Errorf("fields the bridge does not own changed:\nin  %v\nout %v", saved, out)
		}
	})
}

func countKey(fields []logx.LogField, key string) int {
	n := 0
	for _, f := range fields {
		if f.Key == key {
			n++
		}
	}
	return n
}

package bridge

import (
	"context"
	"github.com/traceline/traceline/logbridge"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

var (
	testTraceID = trace.TraceID{0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c}
	testSpanID  = trace.SpanID{0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31}
)

func spanCtx(flags trace.TraceFlags) context.Context {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: testSpanID, TraceFlags: flags})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

func fieldMap(fs []Field) map[string]any {
	m := map[string]any{}
	for _, f := range fs {
		if f.Kind == BoolKind {
			m[f.Key] = f.Bool
		} else {
			m[f.Key] = f.String
		}
	}
	return m
}

func TestProfiles(t *testing.T) {
	const tid, sid = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	tests := []struct {
		name  string
		opts  []logbridge.Option
		flags trace.TraceFlags
		want  map[string]any
	}{
		{"default is logbridge.OTel", nil, trace.FlagsSampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01"}},
		{"OTel unsampled", []logbridge.Option{logbridge.WithProfile(logbridge.OTel)}, 0,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "00"}},
		{"ECS", []logbridge.Option{logbridge.WithProfile(logbridge.ECS)}, trace.FlagsSampled,
			map[string]any{"trace.id": tid, "span.id": sid}},
		{"Datadog", []logbridge.Option{logbridge.WithProfile(logbridge.Datadog)}, trace.FlagsSampled,
			map[string]any{"dd.trace_id": tid, "dd.span_id": "13235353014750950193"}},
		{"GCP", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("epro-prod"))}, trace.FlagsSampled,
			map[string]any{"logging.googleapis.com/trace": "projects/epro-prod/traces/" + tid, "logging.googleapis.com/spanId": sid, "logging.googleapis.com/trace_sampled": true}},
		{"GCP long project unsampled", []logbridge.Option{logbridge.WithProfile(logbridge.GCP(strings.Repeat("p", 40)))}, 0,
			map[string]any{"logging.googleapis.com/trace": "projects/" + strings.Repeat("p", 40) + "/traces/" + tid, "logging.googleapis.com/spanId": sid, "logging.googleapis.com/trace_sampled": false}},
		{"GoZero", []logbridge.Option{logbridge.WithProfile(logbridge.GoZero)}, trace.FlagsSampled,
			map[string]any{"trace": tid, "span": sid}},
		{"several profiles, shared service key once", []logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog), logbridge.WithService("questionnaire")}, trace.FlagsSampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "trace.id": tid, "span.id": sid,
				"dd.trace_id": tid, "dd.span_id": "13235353014750950193", "service.name": "questionnaire", "dd.service": "questionnaire"}},
		{"service logbridge.OTel", []logbridge.Option{logbridge.WithService("gw")}, trace.FlagsSampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01", "service.name": "gw"}},
		{"service logbridge.GoZero", []logbridge.Option{logbridge.WithProfile(logbridge.GoZero), logbridge.WithService("gw")}, trace.FlagsSampled,
			map[string]any{"trace": tid, "span": sid, "service": "gw"}},
		{"service GCP", []logbridge.Option{logbridge.WithProfile(logbridge.GCP("p")), logbridge.WithService("gw")}, trace.FlagsSampled,
			map[string]any{"logging.googleapis.com/trace": "projects/p/traces/" + tid, "logging.googleapis.com/spanId": sid, "logging.googleapis.com/trace_sampled": true, "serviceContext.service": "gw"}},
		{"zero profile ignored", []logbridge.Option{logbridge.WithProfile(logbridge.Profile{})}, trace.FlagsSampled,
			map[string]any{"trace_id": tid, "span_id": sid, "trace_flags": "01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(tt.opts...)
			f, ok := b.Fields(spanCtx(tt.flags))
			if !ok {
				t.Fatal("valid span context gave no fields")
			}
			got := fieldMap(f.Fields)
			if len(got) != len(f.Fields) {
				t.Errorf("a key is written twice: %v", f.Fields)
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d fields %v, want %d %v", len(got), got, len(tt.want), tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestFieldsMatchSpanContextStrings(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: testSpanID, TraceFlags: trace.FlagsSampled})
	f := New().SpanFields(sc)
	want := []string{sc.TraceID().String(), sc.SpanID().String(), sc.TraceFlags().String()}
	for i, w := range want {
		if f.Fields[i].String != w {
			t.Errorf("field %s = %q, want %q", f.Fields[i].Key, f.Fields[i].String, w)
		}
	}
	if !f.SpanContext().Equal(sc) {
		t.Errorf("SpanContext() = %v, want %v", f.SpanContext(), sc)
	}
}

func TestFromContext(t *testing.T) {
	valid := trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: testSpanID})
	tests := []struct {
		name string
		ctx  context.Context
		ok   bool
	}{
		{"nil context", nil, false},
		{"no span", context.Background(), false},
		{"invalid span context", trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}), false},
		{"trace id only", trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID})), false},
		{"local span", trace.ContextWithSpanContext(context.Background(), valid), true},
		{"remote span context", trace.ContextWithRemoteSpanContext(context.Background(), valid), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			//nolint:staticcheck // a nil context is one of the cases under test
			sc, ok := logbridge.FromContext(tt.ctx)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && !sc.Equal(valid) && !sc.Equal(valid.WithRemote(true)) {
				t.Errorf("span context = %v", sc)
			}
			_, fok := New().Fields(tt.ctx)
			if fok != tt.ok {
				t.Errorf("Fields ok = %v, want %v", fok, tt.ok)
			}
		})
	}
}

func TestCacheDistinguishesSpans(t *testing.T) {
	b := New()
	sc1 := trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: testSpanID, TraceFlags: 1})
	// Same slot (same low bits), different span: must not be confused.
	other := testSpanID
	other[0] ^= 0xff
	sc2 := sc1.WithSpanID(other)
	sc3 := sc1.WithTraceFlags(0)
	f1 := b.SpanFields(sc1)
	f2 := b.SpanFields(sc2)
	f3 := b.SpanFields(sc3)
	if f1.Fields[1].String == f2.Fields[1].String {
		t.Errorf("two spans share a span id string %q", f1.Fields[1].String)
	}
	if f3.Fields[2].String != "00" || f1.Fields[2].String != "01" {
		t.Errorf("flags not part of the cache key: %q %q", f1.Fields[2].String, f3.Fields[2].String)
	}
	// Values handed out earlier stay right after the slot is reused.
	if f1.Fields[1].String != "b7ad6b7169203331" {
		t.Errorf("earlier fields changed: %q", f1.Fields[1].String)
	}
	if b.SpanFields(sc1) == nil || b.SpanFields(sc1).Fields[1].String != "b7ad6b7169203331" {
		t.Error("re-encoding gave another value")
	}
}

func TestConcurrentSpans(t *testing.T) {
	b := New(logbridge.WithService("svc"))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				sid := trace.SpanID{byte(g), byte(i), byte(i >> 8), 1, 2, 3, 4, 5}
				sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: sid, TraceFlags: 1})
				f := b.SpanFields(sc)
				if f.Fields[1].String != sid.String() {
					t.Errorf("span %s got %s", sid, f.Fields[1].String)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestBaggage(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	m1, _ := baggage.NewMemberRaw("trial_id", "EPRO-2031")
	m2, _ := baggage.NewMemberRaw("note", long)
	m3, _ := baggage.NewMemberRaw("secret", "do-not-copy")
	bag, _ := baggage.New(m1, m2, m3)
	ctx := baggage.ContextWithBaggage(spanCtx(1), bag)

	b := New(logbridge.WithBaggage("trial_id", "note", "absent", "trace_id"))
	got := fieldMap(b.AppendBaggage(nil, ctx))
	if got["trial_id"] != "EPRO-2031" {
		t.Errorf("trial_id = %v", got["trial_id"])
	}
	note, _ := got["note"].(string)
	if len(note) > logbridge.DefaultBaggageValueLimit || !strings.HasPrefix(long, note) || strings.ContainsRune(note, '\uFFFD') {
		t.Errorf("note not cut cleanly to %d bytes: %d bytes", logbridge.DefaultBaggageValueLimit, len(note))
	}
	if _, ok := got["secret"]; ok {
		t.Error("a member that was not asked for was copied")
	}
	if _, ok := got["absent"]; ok {
		t.Error("an absent member was written")
	}
	if _, ok := got["trace_id"]; ok {
		t.Error("baggage may not overwrite a trace key")
	}
	if n := len(New(logbridge.WithBaggage("trial_id")).AppendBaggage(nil, spanCtx(1))); n != 0 {
		t.Errorf("no baggage in ctx gave %d fields", n)
	}
	if n := len(New(logbridge.WithBaggage("trial_id"), logbridge.WithBaggageLimit(3)).AppendBaggage(nil, ctx)); n != 1 {
		t.Fatalf("limit: %d fields", n)
	}
	if v := New(logbridge.WithBaggage("trial_id"), logbridge.WithBaggageLimit(3)).AppendBaggage(nil, ctx)[0].String; v != "EPR" {
		t.Errorf("logbridge.WithBaggageLimit(3) = %q", v)
	}
}

func TestOwns(t *testing.T) {
	b := New(logbridge.WithProfile(logbridge.ECS), logbridge.WithService("s"), logbridge.WithBaggage("trial_id"))
	for _, k := range []string{"trace.id", "span.id", "service.name", "trial_id"} {
		if !b.Owns(k) {
			t.Errorf("Owns(%q) = false", k)
		}
	}
	if b.Owns("trace_id") || b.Owns("msg") {
		t.Error("Owns reports a key the bridge does not write")
	}
}

func TestPlainJSON(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
	for _, tt := range []struct {
		opts []logbridge.Option
		want bool
	}{
		{nil, true},
		{[]logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("epro-prod"), logbridge.GoZero), logbridge.WithService("questionnaire")}, true},
		{[]logbridge.Option{logbridge.WithService(`say "hi"`)}, false},
		{[]logbridge.Option{logbridge.WithService(`a\b`)}, false},
		{[]logbridge.Option{logbridge.WithService("é")}, false},
		{[]logbridge.Option{logbridge.WithService("a<b")}, false},
		{[]logbridge.Option{logbridge.WithProfile(logbridge.GCP("line\nbreak"))}, false},
	} {
		if got := New(tt.opts...).SpanFields(sc).PlainJSON(); got != tt.want {
			t.Errorf("%v: PlainJSON = %v, want %v", New(tt.opts...).SpanFields(sc).Fields, got, tt.want)
		}
	}
	if (&SpanFields{}).PlainJSON() {
		t.Error("a SpanFields not made by a Bridge claims plain JSON")
	}
}

// TestDefaultProfileCannotBeChanged pins that the default does not follow a
// caller who reassigns logbridge.OTel: other adapters keep writing OTel keys.
func TestDefaultProfileCannotBeChanged(t *testing.T) {
	saved := logbridge.OTel
	logbridge.OTel = logbridge.ECS
	defer func() { logbridge.OTel = saved }()
	f, ok := New().Fields(spanCtx(trace.FlagsSampled))
	if !ok || f.Fields[0].Key != "trace_id" {
		t.Fatalf("default profile followed the reassigned variable: %+v", f)
	}
}

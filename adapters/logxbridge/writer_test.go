package logxbridge

import (
	"reflect"
	"testing"

	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

func TestWriterRewrite(t *testing.T) {
	caller := logx.Field("caller", "svc/handler.go:12")
	tests := []struct {
		name string
		opts []logbridge.Option
		in   []logx.LogField
		want map[string]any
	}{
		{
			name: "logx keys to OTel, flags unknown",
			in:   []logx.LogField{caller, logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan)},
			want: map[string]any{"caller": "svc/handler.go:12", "trace_id": goldenTrace, "span_id": goldenSpan},
		},
		{
			name: "logx keys and context flags to OTel",
			in:   []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan), logx.Field("trace_flags", "01")},
			want: map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan, "trace_flags": "01"},
		},
		{
			name: "FieldKeys already OTel: written once",
			in:   []logx.LogField{logx.Field("trace_id", goldenTrace), logx.Field("span_id", goldenSpan), logx.Field("trace_flags", "00")},
			want: map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan, "trace_flags": "00"},
		},
		{
			name: "both logx and OTel keys: written once",
			in:   []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan), logx.Field("trace_id", goldenTrace), logx.Field("span_id", goldenSpan)},
			want: map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan},
		},
		{
			name: "GoZero profile keeps logx keys",
			opts: []logbridge.Option{logbridge.WithProfile(logbridge.GoZero)},
			in:   []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan)},
			want: map[string]any{"trace": goldenTrace, "span": goldenSpan},
		},
		{
			name: "OTel and Datadog",
			opts: []logbridge.Option{logbridge.WithProfile(logbridge.OTel, logbridge.Datadog)},
			in:   []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan), logx.Field("trace_flags", "01")},
			want: map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan, "trace_flags": "01",
				"dd.trace_id": goldenTrace, "dd.span_id": "13235353014750950193"},
		},
		{
			name: "GCP with sampled bool from the context side",
			opts: []logbridge.Option{logbridge.WithProfile(logbridge.GCP("p1"))},
			in:   []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan), logx.Field("logging.googleapis.com/trace_sampled", true)},
			want: map[string]any{"logging.googleapis.com/trace": "projects/p1/traces/" + goldenTrace,
				"logging.googleapis.com/spanId": goldenSpan, "logging.googleapis.com/trace_sampled": true},
		},
		{
			name: "service replaces the context side's copy",
			opts: []logbridge.Option{logbridge.WithService("gateway")},
			in:   []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan), logx.Field("service.name", "gateway"), logx.Field("trial_id", "T-1")},
			want: map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan, "service.name": "gateway", "trial_id": "T-1"},
		},
		{
			name: "no ids: unchanged",
			in:   []logx.LogField{caller, logx.Field("service.name", "gateway")},
			want: map[string]any{"caller": "svc/handler.go:12", "service.name": "gateway"},
		},
		{
			name: "a trace field that is not an id: unchanged",
			in:   []logx.LogField{logx.Field("trace", "goroutine 1 [running]"), logx.Field("span", goldenSpan)},
			want: map[string]any{"trace": "goroutine 1 [running]", "span": goldenSpan},
		},
		{
			name: "all-zero ids: unchanged, never zeros under our keys",
			in:   []logx.LogField{logx.Field("trace", "00000000000000000000000000000000"), logx.Field("span", "0000000000000000")},
			want: map[string]any{"trace": "00000000000000000000000000000000", "span": "0000000000000000"},
		},
		{
			name: "a span field that is a number, not an id: unchanged",
			in:   []logx.LogField{logx.Field("trace", goldenTrace), logx.Field("span", "3")},
			want: map[string]any{"trace": goldenTrace, "span": "3"},
		},
		{
			name: "caller's trace_id dropped: ours win",
			in:   []logx.LogField{logx.Field("trace_id", "mine"), caller, logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan)},
			want: map[string]any{"caller": "svc/handler.go:12", "trace_id": goldenTrace, "span_id": goldenSpan},
		},
		{
			name: "caller's trace_id, no ids: unchanged",
			in:   []logx.LogField{logx.Field("trace_id", "mine"), caller},
			want: map[string]any{"trace_id": "mine", "caller": "svc/handler.go:12"},
		},
		{
			name: "caller's own id under our key: logx's, appended last, wins",
			in:   []logx.LogField{logx.Field("span_id", "00f067aa0ba902b7"), logx.Field("trace_id", goldenTrace), logx.Field("span_id", goldenSpan)},
			want: map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan},
		},
		{
			name: "caller's flags and service dropped, the context side's kept",
			opts: []logbridge.Option{logbridge.WithService("gateway")},
			in: []logx.LogField{logx.Field("trace_flags", "zz"), logx.Field("service.name", "mine"),
				logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan), logx.Field("trace_flags", "01"), logx.Field("service.name", "gateway")},
			want: map[string]any{"trace_id": goldenTrace, "span_id": goldenSpan, "trace_flags": "01", "service.name": "gateway"},
		},
		{
			name: "caller's field under logx's key, not ours: kept",
			in:   []logx.LogField{logx.Field("trace", "goroutine 1 [running]"), logx.Field("trace", goldenTrace), logx.Field("span", goldenSpan)},
			want: map[string]any{"trace": "goroutine 1 [running]", "trace_id": goldenTrace, "span_id": goldenSpan},
		},
		{
			name: "trace without span: unchanged",
			in:   []logx.LogField{logx.Field("trace", goldenTrace)},
			want: map[string]any{"trace": goldenTrace},
		},
	}
	levels := []struct {
		name  string
		write func(w logx.Writer, fields []logx.LogField)
	}{
		{"info", func(w logx.Writer, f []logx.LogField) { w.Info("m", f...) }},
		{"error", func(w logx.Writer, f []logx.LogField) { w.Error("m", f...) }},
		{"debug", func(w logx.Writer, f []logx.LogField) { w.Debug("m", f...) }},
		{"slow", func(w logx.Writer, f []logx.LogField) { w.Slow("m", f...) }},
		{"stat", func(w logx.Writer, f []logx.LogField) { w.Stat("m", f...) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			w := NewWriter(rec, tt.opts...)
			for _, lv := range levels {
				in := append([]logx.LogField(nil), tt.in...)
				lv.write(w, in)
				got := rec.last()
				if got.level != lv.name {
					t.Fatalf("level %q, want %q", got.level, lv.name)
				}
				if m := fieldMap(t, got.fields); !reflect.DeepEqual(m, tt.want) {
					t.Errorf("%s: fields %v, want %v", lv.name, m, tt.want)
				}
				if !reflect.DeepEqual(in, tt.in) {
					t.Errorf("%s: caller's fields changed to %v", lv.name, in)
				}
			}
		})
	}
}

func TestWriterPassesFieldlessCalls(t *testing.T) {
	rec := &recorder{}
	w := NewWriter(rec)
	w.Alert("a")
	w.Severe("s")
	w.Stack("st")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"alert", "severe", "stack"}
	for i, c := range rec.calls {
		if c.level != want[i] {
			t.Errorf("call %d: %q, want %q", i, c.level, want[i])
		}
	}
}

func TestReadSpan(t *testing.T) {
	tests := []struct {
		in      any
		decimal bool // read under Datadog's span key
		ok      bool
		want    string
	}{
		{goldenSpan, false, true, goldenSpan},
		{"B7AD6B7169203331", false, true, goldenSpan},
		{"13235353014750950193", true, true, goldenSpan},
		{"13235353014750950193", false, false, ""},
		{"01", false, false, ""}, // "span":"01" is not an id outside Datadog's key
		{"1", true, true, "0000000000000001"},
		{"0000000000000000", false, false, ""},
		{"0", true, false, ""},
		{"b7ad6b71692033", false, false, ""},
		{"b7ad6b716920333z", false, false, ""},
		{42, false, false, ""},
	}
	for _, tt := range tests {
		var ids lineIDs
		ok := ids.readSpan(tt.in, tt.decimal)
		if ok != tt.ok || (ok && ids.spanID.String() != tt.want) {
			t.Errorf("readSpan(%v) = %v %s, want %v %s", tt.in, ok, ids.spanID, tt.ok, tt.want)
		}
	}
}

func TestReadTrace(t *testing.T) {
	tests := []struct {
		in any
		ok bool
	}{
		{goldenTrace, true},
		{"projects/p1/traces/" + goldenTrace, true},
		{"0af7651916cd43dd8448eb211c80319", false},
		{"00000000000000000000000000000000", false},
		{[]byte(goldenTrace), false},
	}
	for _, tt := range tests {
		var ids lineIDs
		if ok := ids.readTrace(tt.in); ok != tt.ok || (ok && ids.traceID.String() != goldenTrace) {
			t.Errorf("readTrace(%v) = %v %s, want %v", tt.in, ok, ids.traceID, tt.ok)
		}
	}
}

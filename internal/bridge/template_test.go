package bridge

import (
	"encoding/json"
	"github.com/traceline/traceline/logbridge"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"
)

// TestJSONTemplate renders random spans under every profile and checks the
// JSON against SpanFields, member by member.
func TestJSONTemplate(t *testing.T) {
	every := logbridge.WithProfile(logbridge.OTel, logbridge.ECS, logbridge.Datadog, logbridge.GCP("epro-prod"), logbridge.GoZero)
	tests := []struct {
		name     string
		opts     []logbridge.Option
		compiles bool
	}{
		{"OTel", nil, true},
		{"ECS", []logbridge.Option{logbridge.WithProfile(logbridge.ECS)}, true},
		{"Datadog", []logbridge.Option{logbridge.WithProfile(logbridge.Datadog)}, true},
		{"GCP", []logbridge.Option{logbridge.WithProfile(logbridge.GCP(`odd"project\`))}, true},
		{"GoZero", []logbridge.Option{logbridge.WithProfile(logbridge.GoZero)}, true},
		{"every profile and a service", []logbridge.Option{every, logbridge.WithService("questionnaire")}, true},
		{"service needing escapes", []logbridge.Option{logbridge.WithService("q\"u\\e\x01")}, true},
		{"service with invalid UTF-8", []logbridge.Option{logbridge.WithService("s\xb0v\xff\xfeé")}, true},
		{"long service", []logbridge.Option{every, logbridge.WithService(strings.Repeat("s", 4096))}, true},
		{"service that looks like flags", []logbridge.Option{logbridge.WithService("01")}, false},
		{"service that looks like a span id", []logbridge.Option{logbridge.WithService("abcdef0123456789")}, false},
	}
	rng := rand.New(rand.NewSource(1))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(tt.opts...)
			tmpl := b.JSONTemplate()
			if (tmpl != nil) != tt.compiles {
				t.Fatalf("template compiled = %v, want %v", tmpl != nil, tt.compiles)
			}
			if tmpl == nil {
				return
			}
			if tmpl.Key() != b.SpanFields(templateProbe).Fields[0].Key {
				t.Errorf("Key %q, want the first field's key", tmpl.Key())
			}
			for i := 0; i < 500; i++ {
				var cfg trace.SpanContextConfig
				rng.Read(cfg.TraceID[:])
				rng.Read(cfg.SpanID[:])
				cfg.TraceFlags = trace.TraceFlags(rng.Intn(256))
				sc := trace.NewSpanContext(cfg)
				if !sc.IsValid() {
					continue
				}
				full := tmpl.Append([]byte("{"), sc)
				if len(full)-1 > tmpl.Max() {
					t.Fatalf("rendered %d bytes, Max says %d", len(full)-1, tmpl.Max())
				}
				if !utf8.Valid(full) {
					t.Fatalf("rendered invalid UTF-8: %q", full)
				}
				got := map[string]any{}
				if err := json.Unmarshal(append(full, '}'), &got); err != nil {
					t.Fatalf("rendered %s: %v", full, err)
				}
				keyed := tmpl.AppendValue(append(appendJSONString([]byte("{"), tmpl.Key()), ':'), sc)
				if string(keyed) != string(full) {
					t.Fatalf("AppendValue after the key gives %s, Append %s", keyed, full)
				}
				// Into an empty buffer, as zerolog's RawJSON path renders it.
				prefix := len(appendJSONString([]byte("{"), tmpl.Key())) + 1
				if alone := tmpl.AppendValue(nil, sc); string(alone) != string(full[prefix:]) {
					t.Fatalf("AppendValue alone gives %s, want %s", alone, full[prefix:])
				}
				want := map[string]any{}
				for _, f := range b.SpanFields(sc).Fields {
					if f.Kind == BoolKind {
						want[f.Key] = f.Bool
					} else {
						// As JSON encoders write it: a byte that starts no
						// UTF-8 sequence as U+FFFD.
						want[f.Key] = validUTF8(f.String)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("rendered %v, SpanFields %v", got, want)
				}
				for k, v := range want {
					if got[k] != v {
						t.Fatalf("rendered %v, SpanFields %v", got, want)
					}
				}
			}
		})
	}
}

// validUTF8 replaces each byte of s that starts no UTF-8 sequence with
// U+FFFD, as JSON encoders do (strings.ToValidUTF8 replaces a run of them
// with one).
func validUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

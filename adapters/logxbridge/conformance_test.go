package logxbridge

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logc"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// golden is what every Traceline adapter writes for the golden span under
// the default profile with WithService("gateway"): the same keys and values
// as the root module's conformance table.
var golden = map[string]string{
	"trace_id":     goldenTrace,
	"span_id":      goldenSpan,
	"trace_flags":  "01",
	"service.name": "gateway",
}

// TestLogxConformance writes through real logx, set up as the README says,
// and checks the line against the golden keys and values, in the encoding
// of this process (JSON; plain under TestLogxPlainEncoding).
func TestLogxConformance(t *testing.T) {
	opts := []logbridge.Option{logbridge.WithService("gateway"), logbridge.WithBaggage("trial_id")}
	type setup struct {
		name   string
		writer bool // install NewWriter
	}
	setups := []setup{{"Writer and Middleware", true}}
	if hasFieldKeys {
		setups = append(setups, setup{"FieldKeys and Middleware", false})
	}
	calls := []struct {
		name string
		log  func(ctx context.Context)
	}{
		{"logx.WithContext Infow", func(ctx context.Context) {
			logx.WithContext(ctx).Infow("form stored", logx.Field("form", "F-1"))
		}},
		{"logx.WithContext Errorf", func(ctx context.Context) { logx.WithContext(ctx).Errorf("form %s stored", "F-1") }},
		{"logc.Info", func(ctx context.Context) { logc.Info(ctx, "form stored") }},
		{"logx.WithContext Slow", func(ctx context.Context) { logx.WithContext(ctx).Slow("form stored") }},
	}
	member, _ := baggage.NewMember("trial_id", "T-1")
	bag, _ := baggage.New(member)
	ctx := newEnricher(opts...).context(baggage.ContextWithBaggage(goldenContext(trace.FlagsSampled), bag))
	for _, s := range setups {
		for _, c := range calls {
			t.Run(s.name+"/"+c.name, func(t *testing.T) {
				out := &syncBuffer{}
				var w logx.Writer = logx.NewWriter(out)
				if s.writer {
					w = NewWriter(w, opts...)
				}
				logx.SetWriter(w)
				defer logx.SetWriter(logx.NewWriter(os.Stderr))
				c.log(ctx)
				got := lines(out.take())
				if len(got) != 1 {
					t.Fatalf("got %d lines, want 1: %q", len(got), got)
				}
				line := parseLine(t, got[0])
				for k, want := range golden {
					if v, ok := line[k]; !ok || v != want {
						t.Errorf("%s = %v (present %v), want %q in %s", k, v, ok, want, got[0])
					}
				}
				if v := line["trial_id"]; v != "T-1" {
					t.Errorf("trial_id = %v, want T-1 in %s", v, got[0])
				}
				for _, k := range []string{"trace", "span"} {
					if _, ok := line[k]; ok {
						t.Errorf("logx's own key %q left in %s", k, got[0])
					}
				}
			})
		}
	}
}

// TestLogxNoSpan checks a context without a span gives no trace fields.
func TestLogxNoSpan(t *testing.T) {
	out := &syncBuffer{}
	logx.SetWriter(NewWriter(logx.NewWriter(out), logbridge.WithService("gateway")))
	defer logx.SetWriter(logx.NewWriter(os.Stderr))
	ctx := newEnricher(logbridge.WithService("gateway")).context(context.Background())
	logx.WithContext(ctx).Info("no span")
	got := lines(out.take())
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1", len(got))
	}
	line := parseLine(t, got[0])
	for _, k := range []string{"trace_id", "span_id", "trace_flags", "service.name", "trace", "span"} {
		if _, ok := line[k]; ok {
			t.Errorf("%s written without a span: %s", k, got[0])
		}
	}
}

// TestLogxPlainEncoding runs the conformance test in a child process whose
// logx is set up with Encoding: plain.
func TestLogxPlainEncoding(t *testing.T) {
	if os.Getenv(encodingEnv) != "" {
		t.Skip("already in the child process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^(TestLogxConformance|TestLogxNoSpan|TestLogxGolden)$", "-test.v")
	cmd.Env = append(os.Environ(), encodingEnv+"=plain")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("plain encoding: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestLogxConformance") || !strings.Contains(string(out), "--- PASS: TestLogxGolden") {
		t.Fatalf("plain encoding run did not pass the conformance test:\n%s", out)
	}
}

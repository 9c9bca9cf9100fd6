package logxbridge

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
)

// conformanceDir holds the golden files every adapter is checked against
// (the root module's adapters/conformance).
const conformanceDir = "../conformance/testdata"

// TestLogxGolden writes the golden span through real logx with NewWriter
// and the context side, under each profile, and checks the line's trace and
// service fields against the shared golden files: same keys, same values,
// nothing else under an id key.
func TestLogxGolden(t *testing.T) {
	profiles := []struct {
		file    string
		profile logbridge.Profile
	}{
		{"otel.json", logbridge.OTel},
		{"ecs.json", logbridge.ECS},
		{"datadog.json", logbridge.Datadog},
		{"gcp.json", logbridge.GCP("epro-prod")},
		{"gozero.json", logbridge.GoZero},
	}
	idKeys := map[string]bool{}
	for _, p := range profiles {
		for _, k := range []string{p.profile.TraceKey(), p.profile.SpanKey(), p.profile.FlagsKey(), p.profile.ServiceKey()} {
			if k != "" {
				idKeys[k] = true
			}
		}
	}
	for _, p := range profiles {
		t.Run(p.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(conformanceDir, p.file))
			if err != nil {
				t.Fatalf("golden file: %v", err)
			}
			var want map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			opts := []logbridge.Option{logbridge.WithProfile(p.profile), logbridge.WithService("questionnaire")}
			out := &syncBuffer{}
			logx.SetWriter(NewWriter(logx.NewWriter(out), opts...))
			defer logx.SetWriter(logx.NewWriter(os.Stderr))
			ctx := newEnricher(opts...).context(goldenContext(trace.FlagsSampled))
			logx.WithContext(ctx).Infow("form stored", logx.Field("form", "F-1"))
			got := lines(out.take())
			if len(got) != 1 {
				t.Fatalf("got %d lines, want 1", len(got))
			}
			line := parseLine(t, got[0])
			for k, v := range want {
				// Plain encoding prints every value with %+v.
				if fmt.Sprint(line[k]) != fmt.Sprint(v) {
					t.Errorf("%s = %v, want %v in %s", k, line[k], v, got[0])
				}
			}
			for k := range line {
				if _, ok := want[k]; idKeys[k] && !ok {
					t.Errorf("key %s is not in %s: %s", k, p.file, got[0])
				}
			}
		})
	}
}

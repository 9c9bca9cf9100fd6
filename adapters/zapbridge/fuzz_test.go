package zapbridge

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/internal/fuzzcase"
)

// FuzzJSONCoreMatchesZap logs one call, chosen by the fuzzer (message, a
// field's key and value, a namespace, a baggage value, the profile, the
// context's form, bound fields), through NewCore over zap's own JSON core
// and through NewJSONCore. NewJSONCore puts the bridge's fields at the end
// of the line, NewCore first: with those fields (as zap's encoder writes
// them) cut out, the two lines must be the same bytes; whole, the same
// object with each key as often, and never the context itself. Its seeds
// run with every `go test`.
func FuzzJSONCoreMatchesZap(f *testing.F) {
	fuzzcase.AddSeeds(f)
	f.Fuzz(func(t *testing.T, msg, key, val, ns, bag string, sel uint16) {
		opts, ctx := fuzzcase.Case(sel, ns, bag)
		ctxField := Context(ctx)
		if sel&64 != 0 {
			ctxField = zap.Any("ctx", ctx) // as otelzap hands it over
		}
		log := func(l *zap.Logger) {
			if sel&128 != 0 {
				l = l.With(zap.String(key, val))
			}
			fields := []zap.Field{zap.String(key, val), ctxField}
			if sel&256 != 0 {
				fields = []zap.Field{ctxField, zap.Namespace(ns), zap.String(key, val)}
			}
			if sel&512 != 0 {
				l = l.With(ctxField)
				fields = fields[:1]
			}
			l.Info(msg, fields...)
		}
		var a, b bytes.Buffer
		log(zap.New(NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(&a), zapcore.DebugLevel), opts...)))
		log(zap.New(NewJSONCore(encoderConfig, zapcore.AddSync(&b), zapcore.DebugLevel, opts...)))
		zapOut, ours := a.String(), b.String()
		if !strings.HasSuffix(ours, "\n") || strings.Count(ours, "\n") != 1 {
			t.Fatalf("not one line: %q", ours)
		}
		if !json.Valid([]byte(zapOut)) {
			t.Skipf("zap's own line is not JSON: not ours to judge: %q", zapOut)
		}
		sameObject(t, zapOut, ours)
		for _, k := range []string{"trace_id", "span_id", "trace_flags", "trace.id", "dd.trace_id", "logging.googleapis.com/trace", "trace", "span", "trial_id", key} {
			q, _ := json.Marshal(k)
			if n, m := strings.Count(zapOut, string(q)+":"), strings.Count(ours, string(q)+":"); n != m {
				t.Fatalf("key %s %d times in NewCore's line, %d in NewJSONCore's:\n zap  %q\n ours %q", q, n, m, zapOut, ours)
			}
		}
		if strings.Contains(ours, "context.Background") || strings.Contains(ours, "WithValue") {
			t.Fatalf("the context's internals reached the line: %q", ours)
		}
		// The bridge's fields as zap's encoder writes them: the span's,
		// then the baggage members.
		br := bridge.New(opts...)
		members := []zapcore.Field{inline(br.SpanFields(trace.SpanContextFromContext(ctx)))}
		members = appendBaggage(members, br, ctx)
		x := string(appendZapMembers(nil, false, members))
		if cut(zapOut, x) != cut(ours, x) {
			t.Fatalf("without the bridge's fields %q, the lines differ:\n zap  %q\n ours %q", x, zapOut, ours)
		}
	})
}

// cut removes the members x, and the comma that joins them to the line's
// others, from line; it leaves a line without x as it is.
func cut(line, x string) string {
	for _, s := range []string{"," + x, x + ",", x} {
		if i := strings.Index(line, s); i >= 0 {
			return line[:i] + line[i+len(s):]
		}
	}
	return line
}

// sameObject fails t unless a and b are the same JSON object.
func sameObject(t *testing.T, a, b string) {
	t.Helper()
	var x, y map[string]any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("NewCore's line is not JSON: %v: %q", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("NewJSONCore's line is not JSON: %v: %q", err, b)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	if !bytes.Equal(xs, ys) {
		t.Errorf("objects differ:\n zap  %s\n ours %s", a, b)
	}
}

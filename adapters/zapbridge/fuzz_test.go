package zapbridge

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/fuzzcase"
)

// FuzzJSONEncoderMatchesZap logs one call, chosen by the fuzzer (message, a
// field's key and value, a namespace, a baggage value, the profile, the
// context's form, bound fields), through zap's JSON encoder and through
// NewJSONEncoder, each under a NewCore bridge. NewJSONEncoder may put the
// span's fields elsewhere in the line, so the lines must hold the same
// object, with each key as often, and never the context itself. Its seeds
// run with every `go test`.
func FuzzJSONEncoderMatchesZap(f *testing.F) {
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
		zapOut, ours := bothEncoders(encoderConfig, log, opts...)
		if !strings.HasSuffix(ours, "\n") || strings.Count(ours, "\n") != 1 {
			t.Fatalf("not one line: %q", ours)
		}
		if !json.Valid([]byte(zapOut)) {
			t.Skipf("zap's own line is not JSON: not ours to judge: %q", zapOut)
		}
		sameObject(t, zapOut, ours)
		for _, k := range []string{"trace_id", "span_id", "trace_flags", "trace.id", "dd.trace_id", "logging.googleapis.com/trace", "trace", "span", key} {
			q, _ := json.Marshal(k)
			if a, b := strings.Count(zapOut, string(q)+":"), strings.Count(ours, string(q)+":"); a != b {
				t.Fatalf("key %s %d times in zap's line, %d in ours:\n zap  %q\n ours %q", q, a, b, zapOut, ours)
			}
		}
		if strings.Contains(ours, "context.Background") || strings.Contains(ours, "WithValue") {
			t.Fatalf("the context's internals reached the line: %q", ours)
		}
		// Under a tee (the bridge's other path: it registers a write for
		// the cores the tee chose), each core writes what the bridge over
		// that core alone writes.
		var a, b bytes.Buffer
		tee := zapcore.NewTee(
			zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), zapcore.AddSync(&a), zapcore.DebugLevel),
			zapcore.NewCore(NewJSONEncoder(encoderConfig), zapcore.AddSync(&b), zapcore.DebugLevel))
		log(zap.New(NewCore(tee, opts...)))
		if a.String() != zapOut || b.String() != ours {
			t.Fatalf("under a tee:\n zap  %q\n ours %q\nalone:\n zap  %q\n ours %q", a.String(), b.String(), zapOut, ours)
		}
	})
}

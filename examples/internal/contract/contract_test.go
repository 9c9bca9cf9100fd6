// Package contract tests the log line contract between the library and the
// correlator: every line an adapter writes under every profile is read back
// by correlate's parser with the span's trace id, span id, sampling flag and
// service, and with the logger's own message and level.
package contract

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/adapters/logxbridge"
	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/adapters/zapbridge"
	"github.com/traceline/traceline/adapters/zerologbridge"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/logbridge"
)

// writer writes one info line with msg and ctx's span into buf, through one
// adapter and format, with the bridge's options.
type writer struct {
	name  string
	write func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option)
}

var writers = []writer{
	{"zap/json", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(buf), zapcore.DebugLevel)
		zap.New(zapbridge.NewCore(core, opts...)).Info(msg, zapbridge.Context(ctx), zap.Int("items", 12))
	}},
	{"zap/NewJSONCore", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		core := zapbridge.NewJSONCore(zap.NewProductionEncoderConfig(), zapcore.AddSync(buf), zapcore.DebugLevel, opts...)
		zap.New(core).Info(msg, zapbridge.Context(ctx), zap.Int("items", 12))
	}},
	{"zap/console", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		core := zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(buf), zapcore.DebugLevel)
		zap.New(zapbridge.NewCore(core, opts...)).Info(msg, zap.Any("ctx", ctx), zap.Int("items", 12))
	}},
	{"zerolog/json", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		l := zerolog.New(buf).With().Timestamp().Logger().Hook(zerologbridge.NewHook(opts...))
		l.Info().Ctx(ctx).Int("items", 12).Msg(msg)
	}},
	{"zerolog/console", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		l := zerolog.New(zerolog.ConsoleWriter{Out: buf, NoColor: true}).With().Timestamp().Logger().Hook(zerologbridge.NewHook(opts...))
		l.Info().Ctx(ctx).Int("items", 12).Msg(msg)
	}},
	{"slog/json", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		slog.New(slogbridge.NewHandler(slog.NewJSONHandler(buf, nil), opts...)).InfoContext(ctx, msg, "items", 12)
	}},
	{"slog/NewJSONHandler", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		slog.New(slogbridge.NewJSONHandler(buf, nil, opts...)).InfoContext(ctx, msg, "items", 12)
	}},
	{"slog/text", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		slog.New(slogbridge.NewHandler(slog.NewTextHandler(buf, nil), opts...)).InfoContext(ctx, msg, "items", 12)
	}},
	{"logx/json", func(buf *bytes.Buffer, ctx context.Context, msg string, opts []logbridge.Option) {
		old := logx.Reset()
		defer logx.SetWriter(old)
		logx.SetWriter(logxbridge.NewWriter(logx.NewWriter(buf), opts...))
		// The context side puts the sampling decision on the line: a logx
		// writer sees strings, never the context.
		_, _ = logxbridge.UnaryServerInterceptor(opts...)(ctx, nil, nil, func(ctx context.Context, _ any) (any, error) {
			logx.WithContext(ctx).Infow(msg, logx.Field("items", 12))
			return nil, nil
		})
	}},
}

var profiles = []struct {
	profile logbridge.Profile
	flags   bool // the profile writes the sampling decision
}{
	{logbridge.OTel, true},
	{logbridge.ECS, false},
	{logbridge.Datadog, false},
	{logbridge.GCP("epro-prod"), true},
	{logbridge.GoZero, false},
}

func TestAdaptersLinesParse(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	const service = "questionnaire"
	for _, msg := range []string{"form stored", `say "hi" — é\n`} {
		for _, w := range writers {
			for _, p := range profiles {
				for _, flags := range []trace.TraceFlags{trace.FlagsSampled, 0} {
					name := w.name + "/" + p.profile.Name() + "/" + flags.String()
					if msg != "form stored" {
						name += "/escaped"
					}
					t.Run(name, func(t *testing.T) {
						sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags})
						ctx := trace.ContextWithSpanContext(context.Background(), sc)
						var buf bytes.Buffer
						w.write(&buf, ctx, msg, []logbridge.Option{logbridge.WithProfile(p.profile), logbridge.WithService(service)})
						line := bytes.TrimRight(buf.Bytes(), "\n")
						if bytes.Count(line, []byte("\n")) != 0 || len(line) == 0 {
							t.Fatalf("want one line, got %q", buf.String())
						}
						var rec parse.Record
						parse.ParseLine(line, &rec, &parse.Config{})
						if rec.Problems != 0 {
							t.Errorf("problems %v", rec.Problems)
						}
						if rec.TraceID != tid.String() {
							t.Errorf("trace id %q, want %q", rec.TraceID, tid.String())
						}
						if rec.SpanID != sid.String() {
							t.Errorf("span id %q, want %q", rec.SpanID, sid.String())
						}
						if p.flags && rec.TraceFlags != flags.String() {
							t.Errorf("trace flags %q, want %q", rec.TraceFlags, flags.String())
						}
						if rec.Service != service {
							t.Errorf("service %q, want %q", rec.Service, service)
						}
						if rec.Msg != msg {
							t.Errorf("message %q, want %q", rec.Msg, msg)
						}
						if rec.Level != "info" {
							t.Errorf("level %q, want info", rec.Level)
						}
						if t.Failed() {
							t.Logf("line: %s", line)
						}
						if strings.Contains(string(line), "context.Background") {
							t.Errorf("the context's internals reached the line: %s", line)
						}
					})
				}
			}
		}
	}
}

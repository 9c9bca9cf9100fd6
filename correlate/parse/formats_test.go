package parse

import (
	"testing"
	"time"
)

const (
	tid  = "0af7651916cd43dd8448eb211c80319c"
	sid  = "b7ad6b7169203331"
	tid1 = "00000000000000008448eb211c80319c" // a 64-bit id, left-padded
)

// want is the part of a Record a format test checks; Time is RFC3339Nano.
type want struct {
	Time       string
	Prec       time.Duration
	Level      string
	Msg        string
	Service    string
	Caller     string
	TraceID    string
	TraceIDLow string
	SpanID     string
	Flags      string
	Problems   Problem
}

func got(r *Record) want {
	w := want{Prec: r.TimePrecision, Level: r.Level, Msg: r.Msg, Service: r.Service, Caller: r.Caller,
		TraceID: r.TraceID, TraceIDLow: r.TraceIDLow, SpanID: r.SpanID, Flags: r.TraceFlags, Problems: r.Problems}
	if !r.Time.IsZero() {
		w.Time = r.Time.Format(time.RFC3339Nano)
	}
	return w
}

type lineCase struct {
	name string
	line string
	want want
}

func runLineCases(t *testing.T, cases []lineCase) {
	t.Helper()
	cfg := &Config{Location: time.FixedZone("CET", 3600)}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			ParseLine([]byte(tt.line), &r, cfg)
			if g := got(&r); g != tt.want {
				t.Errorf("ParseLine(%q)\n got %+v\nwant %+v", tt.line, g, tt.want)
			}
			if r.Raw != tt.line {
				t.Errorf("Raw = %q", r.Raw)
			}
		})
	}
}

// Lines below are the shapes the loggers print (captured from the real
// loggers; testdata/formats holds the full captures).

func TestJSONLoggers(t *testing.T) {
	runLineCases(t, []lineCase{
		{"zap production",
			`{"level":"info","ts":1795522121.6388903,"caller":"gen/main.go:24","msg":"form stored","trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01"}`,
			want{Time: "2026-11-24T12:08:41.6388903Z", Prec: 100, Level: "info", Msg: "form stored", Caller: "gen/main.go:24", TraceID: tid, SpanID: sid, Flags: "01"}},
		{"zap error with stacktrace field",
			`{"level":"error","ts":1795522121.6393812,"caller":"gen/main.go:25","msg":"db failed","error":"conn refused","trace_id":"` + tid + `","stacktrace":"main.main\n\t/tmp/gen/main.go:25"}`,
			want{Time: "2026-11-24T12:08:41.6393812Z", Prec: 100, Level: "error", Msg: "db failed", Caller: "gen/main.go:25", TraceID: tid}},
		{"zerolog",
			`{"level":"info","trace_id":"` + tid + `","span_id":"` + sid + `","time":"2026-11-24T12:08:42Z","caller":"/tmp/gen/main.go:42","message":"form stored"}`,
			want{Time: "2026-11-24T12:08:42Z", Prec: time.Second, Level: "info", Msg: "form stored", Caller: "/tmp/gen/main.go:42", TraceID: tid, SpanID: sid}},
		{"zerolog unix ms",
			`{"level":"error","error":"x","time":1795522122504,"message":"ms"}`,
			want{Time: "2026-11-24T12:08:42.504Z", Prec: time.Millisecond, Level: "error", Msg: "ms"}},
		{"go-zero logx",
			`{"@timestamp":"2026-11-24T12:08:44.115+08:00","caller":"gen/main.go:80","content":"form stored","level":"info","span":"` + sid + `","trace":"` + tid + `"}`,
			want{Time: "2026-11-24T12:08:44.115+08:00", Prec: time.Millisecond, Level: "info", Msg: "form stored", Caller: "gen/main.go:80", TraceID: tid, SpanID: sid}},
		{"go-zero severe is error",
			`{"@timestamp":"2026-11-24T12:08:44.115Z","content":"x","level":"severe"}`,
			want{Time: "2026-11-24T12:08:44.115Z", Prec: time.Millisecond, Level: "error", Msg: "x"}},
		{"slog JSONHandler with source",
			`{"time":"2026-11-24T12:08:43.067503899Z","level":"INFO","source":{"function":"main.main","file":"/tmp/gen/main.go","line":54},"msg":"form stored","trace_id":"` + tid + `"}`,
			want{Time: "2026-11-24T12:08:43.067503899Z", Prec: 1, Level: "info", Msg: "form stored", Caller: "/tmp/gen/main.go:54", TraceID: tid}},
		{"slog WARN",
			`{"time":"2026-11-24T12:08:43Z","level":"WARN","msg":"w"}`,
			want{Time: "2026-11-24T12:08:43Z", Prec: time.Second, Level: "warn", Msg: "w"}},
		{"logrus JSON warning",
			`{"dd.trace_id":"1234567890","level":"warning","msg":"warned","time":"2026-11-24T12:08:43Z"}`,
			want{Time: "2026-11-24T12:08:43Z", Prec: time.Second, Level: "warn", Msg: "warned", TraceID: "000000000000000000000000499602d2", TraceIDLow: "00000000499602d2"}},
		{"escaped message",
			`{"msg":"a \"b\" \\ \u00e9 \ud83d\ude00 \n end","level":"info"}`,
			want{Level: "info", Msg: "a \"b\" \\ é 😀 \n end"}},
		{"pino numeric level",
			`{"level":50,"time":1709287200123,"msg":"p"}`,
			want{Time: "2024-03-01T10:00:00.123Z", Prec: time.Millisecond, Level: "error", Msg: "p"}},
		{"zerolog numeric level",
			`{"level":-1,"msg":"p"}`,
			want{Level: "trace", Msg: "p"}},
	})
}

func TestTextEncoders(t *testing.T) {
	runLineCases(t, []lineCase{
		{"zap console",
			"2026-11-24T12:08:41.938Z\tINFO\tgen/main.go:30\tform stored\t{\"trace_id\": \"" + tid + "\", \"span_id\": \"" + sid + "\"}",
			want{Time: "2026-11-24T12:08:41.938Z", Prec: time.Millisecond, Level: "info", Msg: "form stored", Caller: "gen/main.go:30", TraceID: tid, SpanID: sid}},
		{"zap console named logger, zone +0100",
			"2026-11-24T12:08:41.941+0100\tWARN\tapi\tgen/main.go:31\tslow\t{\"took\": \"1s\"}",
			want{Time: "2026-11-24T12:08:41.941+01:00", Prec: time.Millisecond, Level: "warn", Msg: "slow", Caller: "gen/main.go:31"}},
		{"zap console colour",
			"2026-11-24T12:08:42.203Z\t\x1b[34mINFO\x1b[0m\tgen/main.go:38\tcolored\t{\"trace_id\": \"" + tid + "\"}",
			want{Time: "2026-11-24T12:08:42.203Z", Prec: time.Millisecond, Level: "info", Msg: "colored", Caller: "gen/main.go:38", TraceID: tid}},
		{"zerolog console colour",
			"\x1b[90m12:08PM\x1b[0m \x1b[32mINF\x1b[0m \x1b[1mform stored\x1b[0m \x1b[36mspan_id=\x1b[0m" + sid + " \x1b[36mtrace_id=\x1b[0m" + tid,
			want{Level: "info", Msg: "form stored", TraceID: tid, SpanID: sid}},
		{"zerolog console caller",
			"12:08PM INF main.go:51 > no color with caller traceId=" + tid,
			want{Level: "info", Msg: "no color with caller", Caller: "main.go:51", TraceID: tid}},
		{"zerolog console error field",
			"\x1b[90m12:08PM\x1b[0m \x1b[31mERR\x1b[0m \x1b[1mfailed\x1b[0m \x1b[36merror=\x1b[0m\x1b[31m\x1b[1mboom\x1b[0m\x1b[0m",
			want{Level: "error", Msg: "failed"}},
		{"logx plain",
			"2026-11-24T12:08:44.436+08:00\t info \tform stored\ttrace=" + tid + "\tspan=" + sid + "\tcaller=gen/main.go:80",
			want{Time: "2026-11-24T12:08:44.436+08:00", Prec: time.Millisecond, Level: "info", Msg: "form stored", Caller: "gen/main.go:80", TraceID: tid, SpanID: sid}},
		{"logx plain slow",
			"2026-11-24T12:08:44.436Z\t slow \tslow call\tduration=1.2s\tcaller=gen/main.go:82",
			want{Time: "2026-11-24T12:08:44.436Z", Prec: time.Millisecond, Level: "slow", Msg: "slow call", Caller: "gen/main.go:82"}},
		{"slog TextHandler",
			`time=2026-11-24T12:08:43.360Z level=INFO msg="form stored" trace_id=` + tid + ` span_id=` + sid + ` trace_flags=01`,
			want{Time: "2026-11-24T12:08:43.36Z", Prec: time.Millisecond, Level: "info", Msg: "form stored", TraceID: tid, SpanID: sid, Flags: "01"}},
		{"slog TextHandler quoting",
			`time=2026-11-24T12:08:43.364Z level=ERROR msg="quoted \"msg\"\nnewline" traceID=` + tid,
			want{Time: "2026-11-24T12:08:43.364Z", Prec: time.Millisecond, Level: "error", Msg: "quoted \"msg\"\nnewline", TraceID: tid}},
		{"slog TextHandler source",
			`time=2026-11-24T12:08:43Z level=DEBUG source=/src/main.go:12 msg=bare`,
			want{Time: "2026-11-24T12:08:43Z", Prec: time.Second, Level: "debug", Msg: "bare", Caller: "/src/main.go:12"}},
		{"logrus TextFormatter",
			`time="2026-11-24T12:08:43Z" level=warning msg="warn with spaces" spanId=` + sid,
			want{Time: "2026-11-24T12:08:43Z", Prec: time.Second, Level: "warn", Msg: "warn with spaces", SpanID: sid}},
		{"logrus TextFormatter on a terminal",
			"\x1b[31mERRO\x1b[0m[0000] colored                                       \x1b[31mtrace_id\x1b[0m=" + tid,
			want{Level: "error", Msg: "colored", TraceID: tid}},
		{"logfmt",
			`ts=1709287200.5 lvl=info msg=hello service=billing trace_id=` + tid,
			want{Time: "2024-03-01T10:00:00.5Z", Prec: 100 * time.Millisecond, Level: "info", Msg: "hello", Service: "billing", TraceID: tid}},
		{"go log package",
			`2024/03/01 10:00:00.123456 listening on :8080`,
			want{Time: "2024-03-01T10:00:00.123456+01:00", Prec: time.Microsecond, Msg: "listening on :8080"}},
		{"bracketed level",
			`2024-03-01 10:00:00 [ERROR] disk full`,
			want{Time: "2024-03-01T10:00:00+01:00", Prec: time.Second, Level: "error", Msg: "disk full"}},
		{"klog",
			`I0301 10:00:00.123456   12 server.go:88] "Serving" addr=":443" traceparent=00-` + tid + `-` + sid + `-01`,
			want{Level: "info", Msg: `"Serving"`, Caller: "server.go:88", TraceID: tid, SpanID: sid, Flags: "01"}},
		{"syslog time",
			`Mar  1 10:00:00 host app[123]: ERROR disk full`,
			want{Msg: "host app[123]: ERROR disk full"}},
		{"trace words in free text are no bad ids",
			`2024-03-01 10:00:00 INFO set trace=on for all users`,
			want{Time: "2024-03-01T10:00:00+01:00", Prec: time.Second, Level: "info", Msg: "set trace=on for all users"}},
		{"plain line",
			`hello world`,
			want{Msg: "hello world"}},
	})
}

func TestProfiles(t *testing.T) {
	runLineCases(t, []lineCase{
		{"OTel", `{"msg":"m","trace_id":"` + tid + `","span_id":"` + sid + `","trace_flags":"01","service.name":"checkout"}`,
			want{Msg: "m", Service: "checkout", TraceID: tid, SpanID: sid, Flags: "01"}},
		{"ECS dotted", `{"message":"m","log.level":"info","trace.id":"` + tid + `","span.id":"` + sid + `"}`,
			want{Msg: "m", Level: "info", TraceID: tid, SpanID: sid}},
		{"ECS nested", `{"message":"m","log":{"level":"warn"},"trace":{"id":"` + tid + `"},"span":{"id":"` + sid + `"},"service":{"name":"s"}}`,
			want{Msg: "m", Level: "warn", Service: "s", TraceID: tid, SpanID: sid}},
		{"Datadog hex trace, decimal span", `{"msg":"m","dd.trace_id":"` + tid + `","dd.span_id":"13235353014750950193","dd.service":"dd"}`,
			want{Msg: "m", Service: "dd", TraceID: tid, SpanID: sid}},
		{"Datadog decimal trace", `{"msg":"m","dd.trace_id":"1234567890123456789","dd.span_id":"987654321"}`,
			want{Msg: "m", TraceID: "0000000000000000112210f47de98115", TraceIDLow: "112210f47de98115", SpanID: "000000003ade68b1"}},
		{"Datadog numbers nested", `{"msg":"m","dd":{"trace_id":1234567890123456789,"span_id":987654321}}`,
			want{Msg: "m", TraceID: "0000000000000000112210f47de98115", TraceIDLow: "112210f47de98115", SpanID: "000000003ade68b1"}},
		{"GCP", `{"message":"m","severity":"ERROR","logging.googleapis.com/trace":"projects/p/traces/` + tid + `","logging.googleapis.com/spanId":"` + sid + `","logging.googleapis.com/trace_sampled":true,"serviceContext":{"service":"g"}}`,
			want{Msg: "m", Level: "error", Service: "g", TraceID: tid, SpanID: sid, Flags: "01"}},
		{"GCP unsampled", `{"logging.googleapis.com/trace":"projects/p/traces/` + tid + `","logging.googleapis.com/trace_sampled":false}`,
			want{TraceID: tid, Flags: "00"}},
		{"GoZero", `{"content":"m","trace":"` + tid + `","span":"` + sid + `","service":"gz"}`,
			want{Msg: "m", Service: "gz", TraceID: tid, SpanID: sid}},
		{"traceId/spanId", `{"msg":"m","traceId":"` + tid + `","spanId":"` + sid + `"}`,
			want{Msg: "m", TraceID: tid, SpanID: sid}},
		{"traceID/spanID", `{"msg":"m","traceID":"` + tid + `","spanID":"` + sid + `"}`,
			want{Msg: "m", TraceID: tid, SpanID: sid}},
		{"upper-case hex", `{"msg":"m","trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"B7AD6B7169203331","trace_flags":"01"}`,
			want{Msg: "m", TraceID: tid, SpanID: sid, Flags: "01"}},
		{"traceparent in text", `2024-03-01 10:00:00 INFO got 00-` + tid + `-` + sid + `-01 from peer`,
			want{Time: "2024-03-01T10:00:00+01:00", Prec: time.Second, Level: "info", Msg: "got 00-" + tid + "-" + sid + "-01 from peer", TraceID: tid, SpanID: sid, Flags: "01"}},
		{"traceparent key", `{"traceparent":"00-` + tid + `-` + sid + `-00"}`,
			want{TraceID: tid, SpanID: sid, Flags: "00"}},
		{"legacy Jaeger 64-bit", `{"trace_id":"8448eb211c80319c"}`,
			want{TraceID: tid1}},
		{"B3 64-bit", `{"X-B3-TraceId":"8448EB211C80319C","X-B3-SpanId":"` + sid + `","X-B3-Sampled":"1"}`,
			want{TraceID: tid1, TraceIDLow: "8448eb211c80319c", SpanID: sid, Flags: "01"}},
		{"B3 single header", `{"b3":"8448eb211c80319c-` + sid + `-d"}`,
			want{TraceID: tid1, TraceIDLow: "8448eb211c80319c", SpanID: sid, Flags: "01"}},
		{"full id beats low", `{"dd.trace_id":"1234567890","trace_id":"` + tid + `"}`,
			want{TraceID: tid}},
		{"all-zero ids are no trace", `{"trace_id":"00000000000000000000000000000000","span_id":"0000000000000000"}`,
			want{}},
		{"bad ids counted", `{"trace_id":"0af7651916cd43dd8448eb211c80319z","span_id":"12345"}`,
			want{Problems: ProblemBadTraceID | ProblemBadSpanID}},
		{"trace keys inside a group", `{"msg":"m","req":{"trace_id":"` + tid + `","span_id":"` + sid + `"}}`,
			want{Msg: "m", TraceID: tid, SpanID: sid}},
		{"trace keys inside a slog text group", `level=INFO msg=m req.traceId=` + tid,
			want{Level: "info", Msg: "m", TraceID: tid}},
		{"byte order mark", "\xef\xbb\xbf{\"msg\":\"m\",\"trace_id\":\"" + tid + "\"}",
			want{Msg: "m", TraceID: tid}},
		{"service from resource", `{"resource":{"service":{"name":"r"}}}`,
			want{Service: "r"}},
		{"app ranks below service", `{"app":"a","service":"s"}`,
			want{Service: "s"}},
	})
}

func TestTimes(t *testing.T) {
	runLineCases(t, []lineCase{
		{"int seconds", `{"ts":1709287200}`, want{Time: "2024-03-01T10:00:00Z", Prec: time.Second}},
		{"millis", `{"ts":1709287200123}`, want{Time: "2024-03-01T10:00:00.123Z", Prec: time.Millisecond}},
		{"micros", `{"ts":1709287200123456}`, want{Time: "2024-03-01T10:00:00.123456Z", Prec: time.Microsecond}},
		{"nanos", `{"ts":1709287200123456789}`, want{Time: "2024-03-01T10:00:00.123456789Z", Prec: 1}},
		{"float seconds", `{"ts":1709287200.25}`, want{Time: "2024-03-01T10:00:00.25Z", Prec: 10 * time.Millisecond}},
		{"float exponent", `{"ts":1.7092872e9}`, want{Time: "2024-03-01T10:00:00Z", Prec: time.Second}},
		{"epoch string", `{"time":"1709287200123"}`, want{Time: "2024-03-01T10:00:00.123Z", Prec: time.Millisecond}},
		{"RFC3339", `{"time":"2024-03-01T10:00:00Z"}`, want{Time: "2024-03-01T10:00:00Z", Prec: time.Second}},
		{"RFC3339Nano zone", `{"time":"2024-03-01T10:00:00.123456789-07:00"}`, want{Time: "2024-03-01T10:00:00.123456789-07:00", Prec: 1}},
		{"zone without colon", `{"time":"2024-03-01T10:00:00.12+0530"}`, want{Time: "2024-03-01T10:00:00.12+05:30", Prec: 10 * time.Millisecond}},
		{"no zone uses Location", `{"time":"2024-03-01 10:00:00.000"}`, want{Time: "2024-03-01T10:00:00+01:00", Prec: time.Millisecond}},
		{"Go Time.String", `{"time":"2024-03-01 10:00:00.5 -0700 MST"}`, want{Time: "2024-03-01T10:00:00.5-07:00", Prec: 100 * time.Millisecond}},
		{"Go Time.String in text", `2024-03-01 10:00:00.5 +0100 CET WARN m`, want{Time: "2024-03-01T10:00:00.5+01:00", Prec: 100 * time.Millisecond, Level: "warn", Msg: "m"}},
		{"numeric zone then level", `2024-03-01 10:00:00 -0700 INFO m`, want{Time: "2024-03-01T10:00:00-07:00", Prec: time.Second, Level: "info", Msg: "m"}},
		{"UTC suffix", `2024-03-01 10:00:00 UTC INFO m`, want{Time: "2024-03-01T10:00:00Z", Prec: time.Second, Level: "info", Msg: "m"}},
		{"unreadable time", `{"time":"yesterday"}`, want{}},
		{"first time key wins", `{"ts":1709287200,"time":"2020-01-01T00:00:00Z"}`, want{Time: "2024-03-01T10:00:00Z", Prec: time.Second}},
		{"kitchen has no date", `3:04PM INF m`, want{Level: "info", Msg: "m"}},
		{"time of day has no date", `10:00:00.123 WARN m`, want{Level: "warn", Msg: "m"}},
		{"epoch prefix", `1709287200.123 INFO m`, want{Time: "2024-03-01T10:00:00.123Z", Prec: time.Millisecond, Level: "info", Msg: "m"}},
		{"comma fraction", `2024-03-01 10:00:00,5 ERROR m`, want{Time: "2024-03-01T10:00:00.5+01:00", Prec: 100 * time.Millisecond, Level: "error", Msg: "m"}},
	})
}

func TestServiceFromPath(t *testing.T) {
	cfg := &Config{Services: []PathService{
		{Pattern: "/srv/pay/", Service: "pay"},
		{Pattern: "*-api.log", Service: "api"},
		{Pattern: "/var/log/*/web.log", Service: "web"},
	}}
	for _, tt := range []struct{ file, want string }{
		{"/var/log/pods/shop_checkout-7d9f_5e1c-uid/checkout/0.log", "checkout"},
		{"/var/log/pods/shop_checkout-7d9f_5e1c-uid/sidecar/3.log.20240301-101010.gz", "sidecar"},
		{"/var/log/containers/checkout-7d9f_shop_checkout-" + tid + tid + ".log", "checkout"},
		{"/srv/pay/out.log", "pay"},
		{"/tmp/x/orders-api.log", "api"},
		{"/var/log/nginx/web.log", "web"},
		{"/tmp/other.log", ""},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var r Record
			r.File = tt.file
			ParseLine([]byte(`{"msg":"m"}`), &r, cfg)
			if r.Service != tt.want {
				t.Errorf("service = %q, want %q", r.Service, tt.want)
			}
			r.File = tt.file
			ParseLine([]byte(`{"msg":"m","service":"own"}`), &r, cfg)
			if r.Service != "own" {
				t.Errorf("the line's own service lost: %q", r.Service)
			}
		})
	}
}

package logxbridge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/traceline/traceline/adapters/logxbridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
)

// printer is a logx.Writer that prints a line's level, content and fields
// as JSON with sorted keys, leaving out logx's caller, so examples have a
// fixed output.
type printer struct{}

func (printer) print(level string, v any, fields []logx.LogField) {
	m := map[string]any{"level": level, "content": v}
	for _, f := range fields {
		if f.Key != "caller" {
			m[f.Key] = f.Value
		}
	}
	b, _ := json.Marshal(m)
	fmt.Println(string(b))
}

func (p printer) Alert(v any)                          { p.print("alert", v, nil) }
func (printer) Close() error                           { return nil }
func (p printer) Debug(v any, fields ...logx.LogField) { p.print("debug", v, fields) }
func (p printer) Error(v any, fields ...logx.LogField) { p.print("error", v, fields) }
func (p printer) Info(v any, fields ...logx.LogField)  { p.print("info", v, fields) }
func (p printer) Severe(v any)                         { p.print("severe", v, nil) }
func (p printer) Slow(v any, fields ...logx.LogField)  { p.print("slow", v, fields) }
func (p printer) Stack(v any)                          { p.print("stack", v, nil) }
func (p printer) Stat(v any, fields ...logx.LogField)  { p.print("stat", v, fields) }

// requestContext stands for the context of a request go-zero traced.
func requestContext() context.Context {
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	return trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}))
}

// logx hands its writer the span as two strings under its own keys; the
// writer writes them under the profile's keys.
func ExampleNewWriter() {
	w := logxbridge.NewWriter(printer{})
	w.Info("form stored",
		logx.Field("trace", "0af7651916cd43dd8448eb211c80319c"),
		logx.Field("span", "b7ad6b7169203331"))
	// Output:
	// {"content":"form stored","level":"info","span_id":"b7ad6b7169203331","trace_id":"0af7651916cd43dd8448eb211c80319c"}
}

// Several profiles at once: Datadog's span id is decimal.
func ExampleNewWriter_datadog() {
	w := logxbridge.NewWriter(printer{}, logbridge.WithProfile(logbridge.OTel, logbridge.Datadog))
	w.Info("form stored",
		logx.Field("trace", "0af7651916cd43dd8448eb211c80319c"),
		logx.Field("span", "b7ad6b7169203331"))
	// Output:
	// {"content":"form stored","dd.span_id":"13235353014750950193","dd.trace_id":"0af7651916cd43dd8448eb211c80319c","level":"info","span_id":"b7ad6b7169203331","trace_id":"0af7651916cd43dd8448eb211c80319c"}
}

// The rest middleware adds what only the context knows; logx.WithContext
// lines in the handler carry it.
func ExampleMiddleware() {
	logx.SetWriter(logxbridge.NewWriter(printer{}, logbridge.WithService("gateway")))
	defer logx.SetWriter(logx.NewWriter(os.Stderr))

	handler := logxbridge.Middleware(logbridge.WithService("gateway"))(func(w http.ResponseWriter, r *http.Request) {
		logx.WithContext(r.Context()).Info("form stored")
	})
	r := httptest.NewRequest(http.MethodPost, "/forms", nil).WithContext(requestContext())
	handler(httptest.NewRecorder(), r)
	// Output:
	// {"content":"form stored","level":"info","service.name":"gateway","span_id":"b7ad6b7169203331","trace_flags":"01","trace_id":"0af7651916cd43dd8448eb211c80319c"}
}

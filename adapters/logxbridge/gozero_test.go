package logxbridge

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/conf"
	"github.com/zeromicro/go-zero/core/logx"
	"github.com/zeromicro/go-zero/rest"
	"github.com/zeromicro/go-zero/zrpc"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const goldenTraceparent = "00-" + goldenTrace + "-" + goldenSpan + "-01"

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// spanRecorder registers an in-memory span processor on the provider that
// go-zero's Telemetry set-up installed, to learn the ids of its spans.
func spanRecorder(t *testing.T) *tracetest.SpanRecorder {
	t.Helper()
	tp, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	if !ok {
		t.Fatalf("go-zero's Telemetry installed %T, want the SDK's provider", otel.GetTracerProvider())
	}
	sr := tracetest.NewSpanRecorder()
	tp.RegisterSpanProcessor(sr)
	return sr
}

// capture sends logx's lines, rewritten by NewWriter on go-zero versions
// without FieldKeys, to a buffer for the rest of the test.
func capture(t *testing.T, opts ...logbridge.Option) *syncBuffer {
	out := &syncBuffer{}
	var w logx.Writer = logx.NewWriter(out)
	if !hasFieldKeys {
		w = NewWriter(w, opts...)
	}
	logx.SetWriter(w)
	t.Cleanup(func() { logx.SetWriter(logx.NewWriter(os.Stderr)) })
	return out
}

// lineWith returns the one captured line whose content contains msg.
func lineWith(t *testing.T, out *syncBuffer, msg string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range lines(out.take()) {
		if strings.Contains(l, msg) {
			found = append(found, parseLine(t, l))
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d lines contain %q, want 1", len(found), msg)
	}
	return found[0]
}

// checkRequestLine checks a line logged inside a request go-zero traced as
// a child of goldenTraceparent.
func checkRequestLine(t *testing.T, line map[string]any, spans []sdktrace.ReadOnlySpan, service string) {
	t.Helper()
	var server sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Parent().SpanID().String() == goldenSpan {
			server = s
		}
	}
	if server == nil {
		t.Fatalf("no span of go-zero's with parent %s among %d", goldenSpan, len(spans))
	}
	want := map[string]string{
		"trace_id":     goldenTrace,
		"span_id":      server.SpanContext().SpanID().String(),
		"trace_flags":  "01",
		"service.name": service,
		"trial_id":     "T-1",
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %q (line %v)", k, line[k], v, line)
		}
	}
}

func TestRestMiddleware(t *testing.T) {
	opts := []logbridge.Option{logbridge.WithService("gateway"), logbridge.WithBaggage("trial_id")}
	port := freePort(t)
	var c rest.RestConf
	yaml := fmt.Sprintf(`
Name: gateway
Host: 127.0.0.1
Port: %d
Telemetry:
  Name: gateway
  Sampler: 1.0
`, port)
	if err := conf.LoadFromYamlBytes([]byte(yaml), &c); err != nil {
		t.Fatal(err)
	}
	SetFieldKeys(&c.Log)
	server := rest.MustNewServer(c)
	server.Use(Middleware(opts...))
	server.AddRoute(rest.Route{Method: http.MethodPost, Path: "/forms", Handler: func(w http.ResponseWriter, r *http.Request) {
		logx.WithContext(r.Context()).Infow("form stored over rest", logx.Field("form", "F-1"))
		w.WriteHeader(http.StatusNoContent)
	}})
	sr := spanRecorder(t)
	out := capture(t, opts...)
	go server.Start()
	defer server.Stop()

	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/forms"
	var resp *http.Response
	for deadline := time.Now().Add(5 * time.Second); ; {
		req, _ := http.NewRequest(http.MethodPost, url, nil)
		req.Header.Set("traceparent", goldenTraceparent)
		req.Header.Set("baggage", "trial_id=T-1")
		var err error
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rest server did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}
	checkRequestLine(t, lineWith(t, out, "form stored over rest"), sr.Ended(), "gateway")
}

// formService is a one-method gRPC service written by hand, so the test
// needs no generated code.
var formService = grpc.ServiceDesc{
	ServiceName: "traceline.test.Forms",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Store",
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				logx.WithContext(ctx).Infow("form stored over zrpc", logx.Field("form", req.(*wrapperspb.StringValue).GetValue()))
				return req, nil
			}
			if icpt == nil {
				return h(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/traceline.test.Forms/Store"}, h)
		},
	}},
}

func TestZrpcInterceptor(t *testing.T) {
	opts := []logbridge.Option{logbridge.WithService("consent"), logbridge.WithBaggage("trial_id")}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	var c zrpc.RpcServerConf
	yaml := fmt.Sprintf(`
Name: consent.rpc
ListenOn: %s
Telemetry:
  Name: consent.rpc
  Sampler: 1.0
`, addr)
	if err := conf.LoadFromYamlBytes([]byte(yaml), &c); err != nil {
		t.Fatal(err)
	}
	SetFieldKeys(&c.Log)
	server := zrpc.MustNewServer(c, func(s *grpc.Server) { s.RegisterService(&formService, struct{}{}) })
	server.AddUnaryInterceptors(UnaryServerInterceptor(opts...))
	server.AddStreamInterceptors(StreamServerInterceptor(opts...))
	sr := spanRecorder(t)
	out := capture(t, opts...)
	go server.Start()
	defer server.Stop()

	conn, err := grpc.Dial(addr, grpc.WithTransportCredentials(insecure.NewCredentials())) //nolint:staticcheck // grpc.NewClient is missing from the oldest go-zero's gRPC.
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", goldenTraceparent, "baggage", "trial_id=T-1")
	var reply wrapperspb.StringValue
	for deadline := time.Now().Add(5 * time.Second); ; {
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		err = conn.Invoke(callCtx, "/traceline.test.Forms/Store", wrapperspb.String("F-1"), &reply)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("zrpc server did not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkRequestLine(t, lineWith(t, out, "form stored over zrpc"), sr.Ended(), "consent")
}

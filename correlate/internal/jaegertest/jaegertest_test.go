package jaegertest

import (
	"context"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// allPorts lists every field of Ports, so a field added later cannot be
// left out of the checks.
func allPorts(p Ports) []int {
	v := reflect.ValueOf(p)
	out := make([]int, v.NumField())
	for i := range out {
		out[i] = int(v.Field(i).Int())
	}
	return out
}

func TestConfigUsesOnlyGivenLoopbackPorts(t *testing.T) {
	p, err := freePorts()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, port := range allPorts(p) {
		if port == 0 || seen[port] {
			t.Fatalf("port %d zero or repeated in %+v", port, p)
		}
		seen[port] = true
	}
	for _, tt := range []struct {
		name string
		tail *TailSampling
	}{{"plain", nil}, {"tail sampling", &TailSampling{DecisionWait: time.Second, Percent: 10}}} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := string(Config(p, tt.tail))
			for _, port := range allPorts(p) {
				if !strings.Contains(cfg, strconv.Itoa(port)) {
					t.Errorf("port %d missing from config", port)
				}
			}
			for _, line := range strings.Split(cfg, "\n") {
				if strings.Contains(line, "endpoint:") && !strings.Contains(line, "127.0.0.1:") {
					t.Errorf("endpoint not on loopback: %q", line)
				}
			}
			if strings.Contains(cfg, "0.0.0.0") || strings.Contains(cfg, "localhost") {
				t.Error("config binds beyond 127.0.0.1")
			}
			if got := strings.Contains(cfg, "tail_sampling"); got != (tt.tail != nil) {
				t.Errorf("tail_sampling in config = %v", got)
			}
		})
	}
}

// TestStart starts the real Jaeger: every TCP endpoint listens on its
// assigned loopback port, spans sent with the SDK come back, and Stop
// closes the ports.
func TestStart(t *testing.T) {
	j := Start(t)
	p := j.Ports
	tcp := allPorts(p)
	for _, port := range tcp {
		if port == p.JaegerThriftBinary || port == p.JaegerThriftCompact {
			continue // UDP
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err != nil {
			t.Errorf("port %d: %v", port, err)
			continue
		}
		c.Close()
	}

	tp := j.TracerProvider(t, "svc")
	_, span := tp.Tracer("t").Start(context.Background(), "op")
	span.End()
	Flush(t, tp)
	j.WaitForTrace(t, span.SpanContext().TraceID().String(), 1)

	j.Stop()
	if c, err := net.DialTimeout("tcp", j.OTLPHTTPEndpoint, time.Second); err == nil {
		c.Close()
		t.Error("OTLP port still open after Stop")
	}
	j.Stop() // idempotent
}

// TestTailSampling checks the tail-sampling variant: a trace with an error
// is kept, an error-free one is dropped at 0 %.
func TestTailSampling(t *testing.T) {
	j := Start(t, WithTailSampling(300*time.Millisecond, 0))
	tp := j.TracerProvider(t, "svc")
	_, ok := tp.Tracer("t").Start(context.Background(), "fine")
	ok.End()
	_, bad := tp.Tracer("t").Start(context.Background(), "broken")
	bad.SetStatus(codes.Error, "boom")
	bad.End()
	Flush(t, tp)
	j.WaitForTrace(t, bad.SpanContext().TraceID().String(), 1)
	time.Sleep(500 * time.Millisecond) // both were decided together; give storage a moment
	client := j.client()
	if n, err := countSpans(client, j.QueryURL+"/api/v3/traces/"+ok.SpanContext().TraceID().String()); err == nil {
		t.Errorf("error-free trace kept (%d spans), want dropped by tail sampling", n)
	}
}

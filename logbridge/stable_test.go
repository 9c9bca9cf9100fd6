package logbridge

import (
	"context"
	"encoding/binary"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
)

func stableSpan(i uint64, flags trace.TraceFlags) trace.SpanContext {
	var cfg trace.SpanContextConfig
	binary.BigEndian.PutUint64(cfg.TraceID[:8], 0xabcdef0012345678^i)
	binary.BigEndian.PutUint64(cfg.TraceID[8:], i+1)
	binary.BigEndian.PutUint64(cfg.SpanID[:], i*7919+3)
	cfg.TraceFlags = flags
	return trace.NewSpanContext(cfg)
}

// mutableCtx answers Value from a field that changes, as *gin.Context
// answers from its current (pooled, reused) request.
type mutableCtx struct {
	context.Context
	mu   sync.Mutex
	span trace.SpanContext
}

func (m *mutableCtx) Value(key any) any {
	m.mu.Lock()
	sc := m.span
	m.mu.Unlock()
	if v := trace.ContextWithSpanContext(context.Background(), sc).Value(key); v != nil {
		return v
	}
	return m.Context.Value(key)
}

func (m *mutableCtx) set(sc trace.SpanContext) {
	m.mu.Lock()
	m.span = sc
	m.mu.Unlock()
}

type otherKey struct{}

func TestStableContext(t *testing.T) {
	if len(stableKinds) == 0 {
		t.Fatal("the standard library's contexts are not laid out as expected: adapters remember no context")
	}
	bg := context.Background()
	sc := stableSpan(1, trace.FlagsSampled)
	withSpan := trace.ContextWithSpanContext(bg, sc)
	cancelled, cancel := context.WithCancel(withSpan)
	defer cancel()
	timed, cancelT := context.WithDeadline(context.WithValue(cancelled, otherKey{}, "x"), time.Now().Add(time.Hour))
	defer cancelT()
	req := httptest.NewRequest("GET", "/", nil).WithContext(timed)
	mut := &mutableCtx{Context: bg, span: sc}
	causeCtx, cancelC := context.WithCancelCause(timed)
	defer cancelC(nil)
	overMut, cancelM := context.WithCancel(mut)
	defer cancelM()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want bool
	}{
		{"background", bg, true},
		{"todo", context.TODO(), true},
		{"span", withSpan, true},
		{"cancel", cancelled, true},
		{"deadline over value", timed, true},
		{"without cancel", context.WithoutCancel(timed), true},
		{"cancel cause", causeCtx, true},
		{"request", req.Context(), true},
		{"nil", nil, false},
		{"mutable", mut, false},
		{"value over mutable", trace.ContextWithSpanContext(mut, sc), false},
		{"cancel over mutable", overMut, false},
	} {
		if got := StableContext(tc.ctx); got != tc.want {
			t.Errorf("%s: StableContext = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStableContextAllocs(t *testing.T) {
	ctx, cancel := context.WithCancel(trace.ContextWithSpanContext(context.Background(), stableSpan(1, 1)))
	defer cancel()
	if n := testing.AllocsPerRun(100, func() { StableContext(ctx) }); n != 0 {
		t.Errorf("StableContext: %v allocations", n)
	}
}

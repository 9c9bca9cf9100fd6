package logxbridge

import (
	"context"
	"fmt"
	"github.com/traceline/traceline/logbridge"

	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
)

// router is what the writers into other loggers share: it finds a line's
// span in logx's fields, turns it back into a context for the target
// logger's Traceline adapter, and leaves the rest of the fields to pass on.
type router struct {
	lf *lineFields
}

func newRouter(opts []logbridge.Option) router {
	lf := newLineFields(opts)
	lf.ctx = true
	return router{lf}
}

// split returns the context that carries the line's span (nil when the
// line has none) and a mask of the fields the adapter replaces: the ids, the
// flags and the service name. The other fields (caller, duration, the
// caller's own, baggage) pass on as they are.
func (r router) split(fields []logx.LogField) (context.Context, uint64) {
	ids, owned, ok := r.lf.read(fields)
	if !ok {
		return nil, 0
	}
	sc, ok := ids.spanContext()
	if !ok {
		return nil, 0
	}
	e := r.lf.entry(&ids, sc)
	return e.ctx, owned
}

// spanCtx is the context a routed line hands the target adapter: it holds
// the span context taken from the line and nothing else.
func spanCtx(sc trace.SpanContext) context.Context {
	return trace.ContextWithRemoteSpanContext(context.Background(), sc)
}

// message turns what logx was given (a string, an error, a Stringer, or any
// value for the ...v calls) into a message, and reports whether v is a value
// the target logger should keep as a field instead.
func message(v any) (msg string, isValue bool) {
	switch m := v.(type) {
	case string:
		return m, false
	case error:
		return safeString(m.Error), false
	case fmt.Stringer:
		return safeString(m.String), false
	case nil:
		return "", false
	}
	return "", true
}

// safeString calls a user's String or Error method; a panic becomes
// visible output instead of reaching the logging call.
func safeString(f func() string) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("!PANIC: %v", r)
		}
	}()
	return f()
}

// contentKey is where a routed line keeps a non-string value logged with
// logx's ...v calls (Infov), as logx's JSON encoding does.
const contentKey = "content"

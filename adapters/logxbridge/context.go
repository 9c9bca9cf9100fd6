package logxbridge

import (
	"context"
	"net/http"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
	"google.golang.org/grpc"
)

// enricher puts on a context, with logx.ContextWithFields, what only the
// context knows and logx does not write: the sampling decision under each
// profile's flags key, the service name, and the selected baggage members.
// Every later logx.WithContext(ctx) and logc call with that context carries
// them. It never puts ids there: a child span started later in the request
// has its own span id, which logx reads from the context at each call.
type enricher struct {
	lf *lineFields
}

func newEnricher(opts ...logbridge.Option) *enricher {
	return &enricher{lf: newLineFields(opts)}
}

// context returns ctx with the logx fields of its span context added, or
// ctx itself when it carries no valid span context.
func (e *enricher) context(ctx context.Context) context.Context {
	sf, ok := e.lf.b.Fields(ctx)
	if !ok {
		return ctx
	}
	fields := make([]logx.LogField, 0, len(sf.Fields)+2)
	for _, f := range sf.Fields {
		switch e.lf.role(f.Key) {
		case roleFlags:
			if f.Kind == bridge.BoolKind {
				fields = append(fields, logx.Field(f.Key, f.Bool))
			} else {
				fields = append(fields, logx.Field(f.Key, f.String))
			}
		case roleService:
			fields = append(fields, logx.Field(f.Key, f.String))
		}
	}
	if e.lf.b.HasBaggage() {
		var bag [4]bridge.Field
		for _, f := range e.lf.b.AppendBaggage(bag[:0], ctx) {
			fields = append(fields, logx.Field(f.Key, f.String))
		}
	}
	if len(fields) == 0 {
		return ctx
	}
	return logx.ContextWithFields(ctx, fields...)
}

// Middleware returns go-zero rest middleware (a rest.Middleware) that puts
// on each request's context what only the context knows and logx does not
// write: the sampling decision under each profile's flags key, the service
// name (logbridge.WithService) and the selected baggage members
// (logbridge.WithBaggage). Every logx.WithContext(ctx) and logc call with
// the request's context then carries them. Add it with server.Use; go-zero
// runs its own tracing handler first, so the request's span is already
// there:
//
//	server.Use(logxbridge.Middleware(logbridge.WithService("gateway")))
func Middleware(opts ...logbridge.Option) func(http.HandlerFunc) http.HandlerFunc {
	e := newEnricher(opts...)
	return func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if ectx := e.context(ctx); ectx != ctx {
				r = r.WithContext(ectx)
			}
			next(w, r)
		}
	}
}

// UnaryServerInterceptor returns a gRPC unary server interceptor that puts
// on each call's context what Middleware puts on a request's. Add it to a
// zrpc server with s.AddUnaryInterceptors or
// zrpc.WithUnaryServerInterceptors; zrpc runs its tracing interceptor
// first, so the call's span is already there.
func UnaryServerInterceptor(opts ...logbridge.Option) grpc.UnaryServerInterceptor {
	e := newEnricher(opts...)
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(e.context(ctx), req)
	}
}

// StreamServerInterceptor returns a gRPC stream server interceptor that
// puts on each stream's context what Middleware puts on a request's (add it
// with s.AddStreamInterceptors).
func StreamServerInterceptor(opts ...logbridge.Option) grpc.StreamServerInterceptor {
	e := newEnricher(opts...)
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		if ectx := e.context(ctx); ectx != ctx {
			ss = &enrichedStream{ServerStream: ss, ctx: ectx}
		}
		return handler(srv, ss)
	}
}

// enrichedStream is a server stream whose Context is the enriched one.
type enrichedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *enrichedStream) Context() context.Context { return s.ctx }

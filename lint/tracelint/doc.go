// Package tracelint defines an analyzer that finds the places where Go code
// drops a request's context, so the log lines and spans written there join
// no trace.
//
// A function has a request context in scope when it can see one of:
//
//   - a parameter or variable of type context.Context (a zrpc or gRPC
//     handler's ctx is one), or a variable derived from another request
//     context (ctx := r.Context(), ctx, span := tracer.Start(ctx, …));
//   - a *net/http.Request (its context is r.Context());
//   - a *gin.Context (its context is c.Request.Context());
//   - a receiver whose struct holds a context.Context field, as go-zero's
//     Logic structs do (l.ctx).
//
// A context.Context parameter that the function only watches (ctx.Done(),
// ctx.Err(), ctx.Deadline()), or hands to such a parameter, is a lifetime
// signal, not a request context, and does not count. Neither does the
// context of start-up code: a lifecycle function (Start, Run, New, Create,
// Init, Shutdown, Stop, Close, alone or followed by a word; Serve; any
// function taking a Collector component.Host) and the unexported helpers
// called only with such a context. A receiver's context field counts when
// the struct is request-scoped: it holds a logx.Logger (goctl's Logic), or
// the field is assigned from an *http.Request or *gin.Context.
//
// # What it reports
//
// Log calls that drop the context in scope:
//
//	slog.Info, (*slog.Logger).Info, …    use InfoContext(ctx, …)
//	zap (*Logger).Info, Sugared …w         need zapbridge.Context(ctx) or zap.Any(…, ctx),
//	                                       or a logger bound with one
//	zerolog events                         need .Ctx(ctx), or a logger bound from ctx
//	                                       (zerolog.Ctx(ctx), zerologbridge.Ctx(ctx))
//	logx.Info*, Error*, Debug*, Slow*      use logx.WithContext(ctx).Info…
//	logrus Info, (*Logger).Info, …         use WithContext(ctx)
//
// A logger counts as bound when the expression that yields it, or the
// assignment of the local variable that holds it, passes a context value.
//
// Goroutines that drop it: a go statement, or an errgroup or conc Go
// closure, whose body starts from context.Background() or context.TODO().
// The fix is context.WithoutCancel(ctx): the request's own ctx is
// cancelled when the request returns and would cancel the background work.
// Log calls without a context inside such a body are reported as well.
//
// Fresh roots: context.Background() or context.TODO() used while a request
// context is in scope — passed to a tracer's Start, a client call, a log
// call, or assigned to a variable. A root that is returned, handed to an
// OpenTelemetry metric instrument, made by start-up code, or on a line
// marked //nolint:contextcheck is not reported. When the callee is a function of the same
// package that logs through that context, the diagnostic names its log call:
// that is the line a run-time coverage report lists as untraced.
//
// Calls of a function of the package that takes no context but starts a
// fresh root itself (or through another such function) while a request
// context is in scope: the callee needs a context parameter, so this report
// has no automatic fix.
//
// Every other diagnostic names the context in scope and carries a suggested
// fix.
//
// # Suppression
//
// A comment //traceline:ignore REASON on the line of a diagnostic or on the
// line above it silences it. The reason is required; an ignore without one
// is itself reported. Generated files (a "Code generated … DO NOT EDIT."
// header) are skipped.
package tracelint

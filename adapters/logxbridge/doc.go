// Package logxbridge makes go-zero's logx write the same trace fields as
// every other Traceline adapter: trace_id, span_id and trace_flags under the
// default profile, or the keys of the profiles chosen with
// logbridge.WithProfile.
//
// logx already writes the ids of the span in a context given to
// logx.WithContext or a logc function, as strings under its keys trace and
// span, and hands its writers only those strings, never the context. So the
// work is split in two.
//
// # The context side
//
// SetFieldKeys points logx's FieldKeys (go-zero v1.9.1 and later) at the
// profile's keys, so logx itself writes trace_id and span_id. Middleware
// (go-zero rest) and UnaryServerInterceptor / StreamServerInterceptor (zrpc)
// add, with logx.ContextWithFields, what only the context knows: the
// sampling decision, the service name (logbridge.WithService) and selected
// baggage (logbridge.WithBaggage). go-zero's own Telemetry set-up installs
// the OpenTelemetry provider and its rest and zrpc middleware start the
// request's span before ours runs. A go-zero service adds two lines:
//
//	logxbridge.SetFieldKeys(&c.Log)                      // before rest.MustNewServer
//	server.Use(logxbridge.Middleware(logbridge.WithService("gateway")))
//
// and its lines read
//
//	{"@timestamp":"…","caller":"logic/store.go:31","content":"form stored","level":"info",
//	 "service.name":"gateway","span_id":"b7ad6b7169203331","trace_flags":"01",
//	 "trace_id":"0af7651916cd43dd8448eb211c80319c"}
//
// A context that reaches neither (a queue consumer's) carries no sampling
// decision: its lines get the ids from logx, and the service name when
// NewWriter is installed.
//
// # The writer side
//
// NewWriter wraps any logx.Writer and writes the ids logx put on a line
// under every profile's keys, once: logx's trace and span become trace_id and
// span_id (or dd.trace_id and a decimal dd.span_id, or GCP's
// projects/P/traces/ID), and a line that already carries them is not given
// them twice. Use it on go-zero before v1.9.1, and when the profiles are
// several or are Datadog or GCP:
//
//	logx.MustSetup(c.Log)
//	logx.SetWriter(logxbridge.NewWriter(logx.Reset(), logbridge.WithService("gateway")))
//
// A writer sees no context, so it writes trace_flags only when the context
// side put the sampling decision on the line. After a span's first line,
// it adds no allocation.
//
// # Cases
//
//	line has                                   written
//	trace and span ids (logx's or a profile's) the ids under each profile's keys, once; service when set
//	the context side's trace_flags             the flags under each profile's flags key
//	no trace flags                             no flags field (never a guessed "00")
//	a caller's field under a key written       dropped: ours win, each key once (the line has ids)
//	a caller's field under logx's trace or     kept as given, when the key is not a profile's
//	  span key that is not an id ("span":"3")
//	ids twice (a caller's, then logx's)        the last: logx appends the context's ids after the caller's fields
//	no ids, or only one of them                the line as it is, a caller's fields included
//	a "span" that is a number and no other     the line as it is (decimal span ids only under dd.span_id)
//	all-zero ids                               the line as it is, never zeros under our keys
//	Alert, Severe, Stack (no fields)           the line as it is
//
// # Versions
//
// Supported: go-zero v1.5.0 (the first whose logx.Writer has Debug and whose
// logx has ContextWithFields) through v1.10.3. FieldKeys exist from v1.9.1;
// before that SetFieldKeys reports false and NewWriter does the renaming.
// The module's tests run at v1.10.3, and at v1.5.0 in the compat module
// beside this package.
package logxbridge

package logxbridge

import (
	"os"

	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

// Writer is a logx.Writer that writes logx's trace and span fields under
// the profiles' keys before handing the line to the next writer.
type Writer struct {
	next logx.Writer
	lf   *lineFields
}

var _ logx.Writer = (*Writer)(nil)

// NewWriter returns a Writer that rewrites the trace and span ids
// logx put on a line (under its own keys trace and span, or under a
// profile's keys when FieldKeys point there) into every profile's keys,
// once each, adds the service name when WithService is set, and passes the
// line to next. Lines without ids pass unchanged. Use it on go-zero before
// v1.9.1, which has no FieldKeys, and whenever the profiles are more than
// one or are Datadog or GCP, whose ids are not logx's hex. Install it
// after go-zero set logx up (rest.MustNewServer, zrpc.MustNewServer or
// logx.MustSetup), around the writer logx set up:
//
//	logx.SetWriter(logxbridge.NewWriter(logx.Reset(), logbridge.WithService("gateway")))
//
// logx hands a writer strings, not a context, so the sampling decision is
// known only when the context side (Middleware, the interceptors) put it
// on the line; otherwise no flags field is written. A field of the
// caller's under a key the writer writes is dropped from a line that
// carries ids, so each key is written once.
//
// A nil next (logx.Reset before set-up) writes to standard output as
// logx.NewWriter(os.Stdout) does.
func NewWriter(next logx.Writer, opts ...logbridge.Option) *Writer {
	if next == nil {
		next = logx.NewWriter(os.Stdout)
	}
	return &Writer{next: next, lf: newLineFields(opts)}
}

// Alert passes v to the next writer.
func (w *Writer) Alert(v any) { w.next.Alert(v) }

// Close closes the next writer.
func (w *Writer) Close() error { return w.next.Close() }

// Debug writes a debug line with its trace fields rewritten.
func (w *Writer) Debug(v any, fields ...logx.LogField) {
	out, buf := w.lf.rewrite(fields)
	w.next.Debug(v, out...)
	w.lf.release(buf)
}

// Error writes an error line with its trace fields rewritten.
func (w *Writer) Error(v any, fields ...logx.LogField) {
	out, buf := w.lf.rewrite(fields)
	w.next.Error(v, out...)
	w.lf.release(buf)
}

// Info writes an info line with its trace fields rewritten.
func (w *Writer) Info(v any, fields ...logx.LogField) {
	out, buf := w.lf.rewrite(fields)
	w.next.Info(v, out...)
	w.lf.release(buf)
}

// Severe passes v to the next writer; logx gives severe lines no fields.
func (w *Writer) Severe(v any) { w.next.Severe(v) }

// Slow writes a slow-call line with its trace fields rewritten.
func (w *Writer) Slow(v any, fields ...logx.LogField) {
	out, buf := w.lf.rewrite(fields)
	w.next.Slow(v, out...)
	w.lf.release(buf)
}

// Stack passes v to the next writer; logx gives stack lines no fields.
func (w *Writer) Stack(v any) { w.next.Stack(v) }

// Stat writes a statistics line with its trace fields rewritten.
func (w *Writer) Stat(v any, fields ...logx.LogField) {
	out, buf := w.lf.rewrite(fields)
	w.next.Stat(v, out...)
	w.lf.release(buf)
}

package view

import (
	"io"
	"strconv"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

// JSON writes j as the JSON object described in the package doc, followed
// by a newline. It streams: memory stays flat however many lines the trace
// has.
func JSON(w io.Writer, j *join.Trace) error {
	e := jsonEncoder{w: w, buf: make([]byte, 0, 64<<10)}
	e.encode(j)
	e.buf = append(e.buf, '\n')
	e.flush()
	return e.err
}

// AppendJSON appends j as the JSON object described in the package doc
// (no newline).
func AppendJSON(dst []byte, j *join.Trace) []byte {
	e := jsonEncoder{buf: dst}
	e.encode(j)
	return e.buf
}

// jsonEncoder appends to buf and, when w is set, writes it out in large
// chunks.
type jsonEncoder struct {
	w   io.Writer
	buf []byte
	err error
}

func (e *jsonEncoder) maybeFlush() {
	if e.w != nil && len(e.buf) >= 48<<10 {
		e.flush()
	}
}

func (e *jsonEncoder) flush() {
	if e.w != nil && e.err == nil && len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
	}
	e.buf = e.buf[:0]
}

func (e *jsonEncoder) encode(j *join.Trace) {
	dst := e.buf
	dst = append(dst, `{"trace_id":`...)
	dst = appendString(dst, j.TraceID)
	dst = append(dst, `,"spans":[`...)
	for i := range j.Spans {
		if i > 0 {
			dst = append(dst, ',')
		}
		s := &j.Spans[i]
		dst = appendSpanHead(dst, s)
		for k := range s.Logs {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = appendLine(dst, &s.Logs[k])
			e.buf = dst
			e.maybeFlush()
			dst = e.buf
		}
		dst = append(dst, "]}"...)
	}
	dst = append(dst, `],"orphans":[`...)
	for i, o := range j.Orphans {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendOrphan(dst, &o)
		e.buf = dst
		e.maybeFlush()
		dst = e.buf
	}
	dst = append(dst, ']')
	if j.SourceError != "" {
		dst = append(dst, `,"source_error":`...)
		dst = appendString(dst, j.SourceError)
	}
	e.buf = append(dst, '}')
}

// appendSpanHead appends a span up to the opening of its "logs" array.
func appendSpanHead(dst []byte, s *join.Span) []byte {
	dst = append(dst, `{"span_id":`...)
	dst = appendString(dst, s.SpanID)
	dst = append(dst, `,"parent_span_id":`...)
	dst = appendString(dst, s.ParentSpanID)
	dst = append(dst, `,"service":`...)
	dst = appendString(dst, s.Service)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, s.Name)
	dst = append(dst, `,"start":"`...)
	dst = s.Start.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","duration_ms":`...)
	dst = appendMillis(dst, s.Duration)
	dst = append(dst, `,"error":`...)
	dst = strconv.AppendBool(dst, s.Error)
	if s.Kind != "" {
		dst = append(dst, `,"kind":`...)
		dst = appendString(dst, s.Kind)
	}
	if s.StatusMsg != "" {
		dst = append(dst, `,"status_message":`...)
		dst = appendString(dst, s.StatusMsg)
	}
	if s.SilentError {
		dst = append(dst, `,"silent_error":true`...)
	}
	if s.Status != "" {
		dst = append(dst, `,"status":`...)
		dst = appendString(dst, s.Status)
	}
	if len(s.Own) > 0 {
		dst = append(dst, `,"attributes":`...)
		dst = appendAttrs(dst, s.Own)
	}
	if len(s.Resource) > 0 {
		dst = append(dst, `,"resource":`...)
		dst = appendAttrs(dst, s.Resource)
	}
	if len(s.Events) > 0 {
		dst = append(dst, `,"events":[`...)
		for i := range s.Events {
			ev := &s.Events[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"time":"`...)
			dst = ev.Time.UTC().AppendFormat(dst, time.RFC3339Nano)
			dst = append(dst, `","name":`...)
			dst = appendString(dst, ev.Name)
			if len(ev.Attributes) > 0 {
				dst = append(dst, `,"attributes":`...)
				dst = appendAttrs(dst, ev.Attributes)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, `,"logs":[`...)
}

// appendAttrs appends attributes as a JSON object, in their (key) order.
func appendAttrs(dst []byte, as []traces.Attr) []byte {
	dst = append(dst, '{')
	for i, a := range as {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, a.Key)
		dst = append(dst, ':')
		dst = appendString(dst, a.Value)
	}
	return append(dst, '}')
}

// appendLine appends a placed line: the record's object plus "match" and
// the line's flags.
func appendLine(dst []byte, l *join.Line) []byte {
	dst = appendRecordOpen(dst, l.Record)
	dst = append(dst, `,"match":`...)
	dst = appendString(dst, string(l.Match))
	if len(l.Candidates) > 0 {
		dst = append(dst, `,"candidates":[`...)
		for i, c := range l.Candidates {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, c)
		}
		dst = append(dst, ']')
	}
	if l.Skewed {
		dst = append(dst, `,"skewed":true,"skew_ms":`...)
		dst = appendMillis(dst, l.Skew)
	}
	if l.Approx {
		dst = append(dst, `,"time_approx":true`...)
	}
	dst = append(dst, `,"pos":`...)
	dst = strconv.AppendInt(dst, int64(l.Pos), 10)
	return append(dst, '}')
}

// appendOrphan appends an orphan: the record's object plus "reason",
// "pos" and "time_approx" when set.
func appendOrphan(dst []byte, o *join.Orphan) []byte {
	dst = appendRecordOpen(dst, o.Record)
	dst = append(dst, `,"reason":`...)
	dst = appendString(dst, string(o.Reason))
	dst = append(dst, `,"pos":`...)
	dst = strconv.AppendInt(dst, int64(o.Pos), 10)
	if o.Approx {
		dst = append(dst, `,"time_approx":true`...)
	}
	return append(dst, '}')
}

// appendRecordOpen appends r's JSONL object without its closing brace, so
// keys can follow.
func appendRecordOpen(dst []byte, r *parse.Record) []byte {
	dst = r.AppendJSON(dst)
	return dst[:len(dst)-1]
}

// appendMillis appends d in milliseconds, shortest exact decimal.
func appendMillis(dst []byte, d time.Duration) []byte {
	return strconv.AppendFloat(dst, float64(d)/1e6, 'f', -1, 64)
}

// appendString appends s as a JSON string, escaped as the line objects are.
func appendString(dst []byte, s string) []byte { return parse.AppendJSONString(dst, s) }

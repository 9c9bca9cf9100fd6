package view

import (
	"cmp"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
)

// entry is one line of the merged view.
type entry struct {
	rec    *parse.Record
	span   *join.Span // nil for an orphan
	line   *join.Line // nil for an orphan
	orphan *join.Orphan
}

// entries returns every line of j in reading order (see join.Line.Pos).
func entries(j *join.Trace) []entry {
	n := len(j.Orphans)
	for i := range j.Spans {
		n += len(j.Spans[i].Logs)
	}
	es := make([]entry, 0, n)
	for i := range j.Spans {
		s := &j.Spans[i]
		for k := range s.Logs {
			es = append(es, entry{rec: s.Logs[k].Record, span: s, line: &s.Logs[k]})
		}
	}
	for i := range j.Orphans {
		es = append(es, entry{rec: j.Orphans[i].Record, orphan: &j.Orphans[i]})
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.pos(), b.pos()) })
	return es
}

// pos is the entry's place in the trace's reading order.
func (e entry) pos() int {
	if e.line != nil {
		return e.line.Pos
	}
	return e.orphan.Pos
}

// approx reports whether the entry's time is approximate.
func (e entry) approx() bool {
	if e.line != nil {
		return e.line.Approx
	}
	return e.orphan.Approx
}

// service is the service of a line: its own, else its span's.
func service(e entry) string {
	if e.rec.Service == "" && e.span != nil {
		return e.span.Service
	}
	return e.rec.Service
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Merged writes every line of j in reading order (see join.Line.Pos; an
// approximate time is marked "~"), each with its time, offset
// from the trace's start, service, level, message and the span it sits under
// (or its orphan reason).
func Merged(w io.Writer, j *join.Trace, o TextOptions) error {
	p := newPrinter(w, j, o)
	p.header(j)
	es := entries(j)
	width := 0
	for _, e := range es {
		width = max(width, utf8.RuneCountInString(service(e)))
	}
	for _, e := range es {
		r := e.rec
		switch {
		case r.Time.IsZero():
			p.str("               ?")
		case e.approx():
			// as precise as it was written, marked: it is ordered by its
			// span and file, not by this time
			p.str("      ~")
			p.buf = r.Time.UTC().AppendFormat(p.buf, "15:04:05")
		default:
			p.buf = r.Time.UTC().AppendFormat(p.buf, "15:04:05.000000")
		}
		p.str(" ")
		p.offset(r, e.approx())
		p.str("  ")
		svc := service(e)
		p.paint(serviceColor(svc), svc)
		p.pad(width - utf8.RuneCountInString(svc) + 1)
		p.level(r.Level)
		p.str(" ")
		p.msg(r)
		if e.span != nil {
			p.paint(dim, "  ← "+e.span.Name+" "+e.span.SpanID)
			p.lineMarks(e.line)
		} else {
			p.orphanMark(*e.orphan)
		}
		p.str("\n")
		p.flushIfFull()
	}
	return p.flush()
}

// MergedJSONL writes every line of j in reading order as JSON lines: the
// line object plus "match" and "span_name" for a placed line, "reason" for
// an orphan, and "time_approx":true for an approximate time.
func MergedJSONL(w io.Writer, j *join.Trace) error {
	buf := make([]byte, 0, 64<<10)
	for _, e := range entries(j) {
		if e.span != nil {
			buf = appendLine(buf, e.line)
			buf = append(buf[:len(buf)-1], `,"placed_span_id":`...)
			buf = appendString(buf, e.span.SpanID)
			buf = append(buf, `,"span_name":`...)
			buf = appendString(buf, e.span.Name)
			buf = append(buf, '}')
		} else {
			buf = appendOrphan(buf, e.orphan)
		}
		buf = append(buf, '\n')
		if len(buf) >= 48<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

package view

import (
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
)

// TextOptions configures the text views.
type TextOptions struct {
	// Color turns on ANSI colour (see IsColorTerminal).
	Color bool
	// BarWidth is the width of the waterfall's bars in cells (default 24).
	BarWidth int
}

// IsColorTerminal reports whether f is a terminal and the NO_COLOR
// environment variable is unset or empty: when colour should be on.
func IsColorTerminal(f *os.File) bool {
	if os.Getenv("NO_COLOR") != "" || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// ANSI sequences.
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
)

var palette = [...]string{"\x1b[36m", "\x1b[32m", "\x1b[35m", "\x1b[34m", "\x1b[96m", "\x1b[92m", "\x1b[95m", "\x1b[94m"}

// printer appends into buf and flushes to w in large writes.
type printer struct {
	w     io.Writer
	buf   []byte
	err   error
	color bool
	width int
	t0    time.Time // trace start: the offsets' origin
	total time.Duration
}

func newPrinter(w io.Writer, j *join.Trace, o TextOptions) *printer {
	p := &printer{w: w, buf: make([]byte, 0, 64<<10), color: o.Color, width: o.BarWidth}
	if p.width <= 0 {
		p.width = 24
	}
	var end time.Time
	for i := range j.Spans {
		s := &j.Spans[i]
		if p.t0.IsZero() || s.Start.Before(p.t0) {
			p.t0 = s.Start
		}
		if e := s.End(); e.After(end) {
			end = e
		}
	}
	if p.t0.IsZero() { // no spans: offsets from the first line
		p.t0 = firstTime(j)
	}
	p.total = max(end.Sub(p.t0), 1)
	return p
}

func firstTime(j *join.Trace) time.Time {
	var t time.Time
	for _, o := range j.Orphans {
		if rt := o.Record.Time; !rt.IsZero() && (t.IsZero() || rt.Before(t)) {
			t = rt
		}
	}
	return t
}

func (p *printer) flushIfFull() {
	if len(p.buf) >= 48<<10 {
		p.flush()
	}
}

func (p *printer) flush() error {
	if p.err == nil && len(p.buf) > 0 {
		_, p.err = p.w.Write(p.buf)
	}
	p.buf = p.buf[:0]
	return p.err
}

func (p *printer) str(s string) { p.buf = append(p.buf, s...) }

// paint appends s in colour c when colour is on.
func (p *printer) paint(c, s string) {
	if p.color && c != "" {
		p.buf = append(p.buf, c...)
		p.buf = append(p.buf, s...)
		p.buf = append(p.buf, reset...)
		return
	}
	p.buf = append(p.buf, s...)
}

func (p *printer) pad(n int) {
	for ; n > 0; n-- {
		p.buf = append(p.buf, ' ')
	}
}

// padLeft appends s right-aligned in n cells.
func (p *printer) padLeft(s []byte, n int) {
	p.pad(n - utf8.RuneCount(s))
	p.buf = append(p.buf, s...)
}

func serviceColor(s string) string {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return palette[h%uint32(len(palette))]
}

// Text writes j as a waterfall: the span tree with each span's log lines
// under it, then the orphans.
func Text(w io.Writer, j *join.Trace, o TextOptions) error {
	p := newPrinter(w, j, o)
	p.header(j)
	// Children in start order: j.Spans is in start order already.
	children := make([][]int32, len(j.Spans))
	var roots []int32
	for i := range j.Spans {
		if par := j.Spans[i].Parent; par >= 0 {
			children[par] = append(children[par], int32(i))
		} else {
			roots = append(roots, int32(i))
		}
	}
	stack := make([]int32, 0, 64)
	for k := len(roots) - 1; k >= 0; k-- {
		stack = append(stack, roots[k])
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p.span(&j.Spans[i])
		for k := len(children[i]) - 1; k >= 0; k-- {
			stack = append(stack, children[i][k])
		}
	}
	p.orphans(j)
	return p.flush()
}

func (p *printer) header(j *join.Trace) {
	p.paint(bold, "trace "+j.TraceID)
	lines := len(j.Orphans)
	services := map[string]struct{}{}
	for i := range j.Spans {
		lines += len(j.Spans[i].Logs)
		services[j.Spans[i].Service] = struct{}{}
	}
	p.str("  ")
	p.buf = strconv.AppendInt(p.buf, int64(len(j.Spans)), 10)
	p.str(" spans, ")
	p.buf = strconv.AppendInt(p.buf, int64(len(services)), 10)
	p.str(" services")
	if len(j.Spans) > 0 {
		p.str(", ")
		p.buf = appendDuration(p.buf, p.total)
		p.str(" from ")
		p.buf = p.t0.UTC().AppendFormat(p.buf, time.RFC3339Nano)
	}
	p.str("; ")
	p.buf = strconv.AppendInt(p.buf, int64(lines), 10)
	p.str(" log lines")
	if len(j.Orphans) > 0 {
		p.str(", ")
		p.buf = strconv.AppendInt(p.buf, int64(len(j.Orphans)), 10)
		p.str(" orphans")
	}
	if j.SilentErrors > 0 {
		p.str(", ")
		p.buf = strconv.AppendInt(p.buf, int64(j.SilentErrors), 10)
		if j.SilentErrors == 1 {
			p.paint(red, " span in error without a log line")
		} else {
			p.paint(red, " spans in error without a log line")
		}
	}
	p.str("\n")
	if j.SourceError != "" {
		p.paint(yellow, "trace unavailable: "+j.SourceError+" (showing the log lines only)")
		p.str("\n")
	} else if len(j.Spans) == 0 {
		p.paint(yellow, "trace not found in the trace source (showing the log lines only)")
		p.str("\n")
	}
}

// span appends a span row and its lines.
func (p *printer) span(s *join.Span) {
	p.bar(s)
	p.str(" ")
	var d [32]byte
	p.padLeft(appendDuration(d[:0], s.Duration), 9)
	p.str("  ")
	p.pad(2 * s.Depth)
	p.paint(serviceColor(s.Service), s.Service)
	p.str(" ")
	p.str(s.Name)
	if s.Error {
		p.str(" ")
		msg := "ERROR"
		if s.StatusMsg != "" {
			msg += ": " + s.StatusMsg
		}
		if s.SilentError {
			msg += " (no log lines)"
		}
		p.paint(red+bold, msg)
	}
	p.str("\n")
	for i := range s.Logs {
		l := &s.Logs[i]
		p.pad(p.width + 3)
		p.offset(l.Record, l.Approx)
		p.str("  ")
		p.pad(2*s.Depth + 2)
		p.level(l.Record.Level)
		p.str(" ")
		p.msg(l.Record)
		p.lineMarks(l)
		p.str("\n")
		p.flushIfFull()
	}
}

func (p *printer) bar(s *join.Span) {
	w := p.width
	from := int(int64(s.Start.Sub(p.t0)) * int64(w) / int64(p.total))
	to := int((int64(s.End().Sub(p.t0))*int64(w) + int64(p.total) - 1) / int64(p.total))
	from = min(max(from, 0), w-1)
	to = min(max(to, from+1), w)
	p.str("|")
	p.pad(from)
	fill := "="
	if p.color {
		fill = "█"
		p.str(serviceColor(s.Service))
		if s.Error {
			p.str(red)
		}
	}
	for k := from; k < to; k++ {
		p.str(fill)
	}
	if p.color {
		p.str(reset)
	}
	p.pad(w - to)
	p.str("|")
}

// offset appends the record's time as an offset from the trace's start,
// right-aligned in the duration column; "~" before it marks an
// approximate time (see join.Line.Approx).
func (p *printer) offset(r *parse.Record, approx bool) {
	var d [32]byte
	b := d[:0]
	if r.Time.IsZero() || p.t0.IsZero() {
		b = append(b, '?')
	} else {
		if approx {
			b = append(b, '~')
		}
		off := r.Time.Sub(p.t0)
		if off < 0 {
			b = append(b, '-')
			off = -off
		} else {
			b = append(b, '+')
		}
		b = appendDuration(b, off)
	}
	p.padLeft(b, 9)
}

var levelText = map[string]string{
	"trace": "TRACE", "debug": "DEBUG", "info": "INFO ", "warn": "WARN ", "warning": "WARN ",
	"error": "ERROR", "fatal": "FATAL", "panic": "PANIC", "dpanic": "PANIC",
}

func (p *printer) level(l string) {
	t, ok := levelText[l]
	if !ok {
		t = strings.ToUpper(l)
		if len(t) < 5 {
			t += "     "[len(t):]
		}
		if l == "" {
			t = "  -  "
		}
	}
	switch l {
	case "error", "fatal", "panic", "dpanic":
		p.paint(red, t)
	case "warn", "warning":
		p.paint(yellow, t)
	case "debug", "trace":
		p.paint(dim, t)
	default:
		p.str(t)
	}
}

// msg appends the message's first line, and how many lines follow.
func (p *printer) msg(r *parse.Record) {
	m := r.Msg
	if m == "" {
		m = r.Raw
	}
	if i := strings.IndexByte(m, '\n'); i >= 0 {
		rest := strings.Count(m[i:], "\n")
		p.str(strings.TrimRight(m[:i], "\r"))
		p.paint(dim, " (+"+strconv.Itoa(rest)+" lines)")
		return
	}
	p.str(m)
}

func (p *printer) lineMarks(l *join.Line) {
	switch l.Match {
	case join.MatchInferred:
		p.paint(dim, "  [inferred]")
	case join.MatchAmbiguous:
		p.paint(yellow, "  [ambiguous: one of "+strings.Join(l.Candidates, " ")+"]")
	}
	if l.Skewed {
		var d [32]byte
		b := append(d[:0], "  [skewed "...)
		s := l.Skew
		if s < 0 {
			b = append(b, '-')
			s = -s
		} else {
			b = append(b, '+')
		}
		b = appendDuration(b, s)
		b = append(b, ']')
		p.paint(yellow, string(b))
	}
}

func (p *printer) orphans(j *join.Trace) {
	if len(j.Orphans) == 0 {
		return
	}
	p.str("\n")
	p.paint(bold, "orphans: "+strconv.Itoa(len(j.Orphans))+" lines of this trace no span took")
	p.str("\n")
	for _, o := range j.Orphans {
		p.pad(p.width + 3)
		p.offset(o.Record, o.Approx)
		p.str("  ")
		p.level(o.Record.Level)
		p.str(" ")
		if o.Record.Service != "" {
			p.paint(serviceColor(o.Record.Service), o.Record.Service)
			p.str(" ")
		}
		p.msg(o.Record)
		p.orphanMark(o)
		p.str("\n")
		p.flushIfFull()
	}
}

func (p *printer) orphanMark(o join.Orphan) {
	m := "  [" + string(o.Reason)
	if o.Record.SpanID != "" {
		m += ", span " + o.Record.SpanID
	}
	p.paint(yellow, m+"]")
}

// appendDuration appends d compactly: 850µs, 1.234ms, 12.35ms, 123.5ms,
// 1.235s, 75.3s.
func appendDuration(b []byte, d time.Duration) []byte {
	switch {
	case d < time.Microsecond:
		b = strconv.AppendInt(b, int64(d), 10)
		return append(b, "ns"...)
	case d < time.Millisecond:
		b = strconv.AppendInt(b, int64(d/time.Microsecond), 10)
		return append(b, "µs"...)
	case d < time.Second:
		ms := float64(d) / 1e6
		b = strconv.AppendFloat(b, ms, 'f', 3-digits(int64(ms)), 64)
		return append(b, "ms"...)
	default:
		s := float64(d) / 1e9
		b = strconv.AppendFloat(b, s, 'f', max(3-digits(int64(s)), 1), 64)
		return append(b, 's')
	}
}

// digits is the number of decimal digits of n's integer part less one (0
// for 0..9).
func digits(n int64) int {
	d := 0
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

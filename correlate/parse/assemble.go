package parse

import (
	"bytes"
	"strings"
	"time"
)

// Continuation lines. A physical line (after container unwrapping) starts a
// new entry when it is:
//
//   - a JSON object (first non-blank byte '{'), or
//   - a text entry: it starts with a time (see timefmt.go), a bracketed
//     time, a syslog time, a klog header, a level word (see level.go) or a
//     key=value pair.
//
// Every other line continues the pending entry above it, with these
// limits: lines starting with a space or a tab, blank lines, "goroutine N
// [" and "created by " continue any entry; a "panic:", "fatal error:" or
// "Traceback (" line continues a text entry but after a JSON entry (whose
// logger would have put a stack in a field) starts a new one; any other
// line continues a text entry, a panic, or a plain line that already has
// indented lines under it (a Java exception's "Caused by:"), and otherwise
// is an entry of its own (so a file of plain lines gives one record per
// line). Trailing blank lines are dropped from Raw. With nothing
// pending every line starts an entry, except blank lines, which are
// dropped. An entry takes at most maxContinuations continuation lines and
// Config.MaxLineBytes bytes (then it is cut and marked ProblemTooLong; the
// lines after the cut still belong to it).
//
// Binary lines (NUL bytes, mostly invalid UTF-8) are dropped and counted
// (Stats.Skipped, ProblemBinary): their content cannot be shown or
// searched, and a record of junk would only hide the count. Everything else
// that cannot be read in full is still emitted, with Raw and Problems set.
//
// Records are emitted when the next entry starts, so the newest entry waits
// in the Assembler until then, until Flush, or (a complete JSON object)
// until FlushSettled.

const maxContinuations = 10000

type lineKind uint8

const (
	lkBlank lineKind = iota
	lkIndented
	lkStack // goroutine N [, created by
	lkPanic // panic:, fatal error:, Traceback (
	lkJSON
	lkEntry
	lkOther
)

// part is a line being joined from container partials.
type part struct {
	active bool
	buf    []byte
	offset int64
	lineNo int64
	lines  int32
	t      time.Time
	prec   time.Duration
	prob   Problem
}

// pending is the entry waiting for its continuation lines.
type pending struct {
	active   bool
	raw      []byte
	headLen  int
	head     lineKind
	offset   int64
	lineNo   int64
	lines    int32
	conts    int
	t        time.Time
	prec     time.Duration
	stream   string
	problems Problem
	tail     []byte // the end of a line cut at MaxLineBytes, for its ids
}

// TailBytes is how much of the end of an over-long line the Assembler
// looks at for trace ids when the kept head has none: loggers write the
// trace fields after the message, so a cut line keeps its trace.
const TailBytes = 16 << 10

// Assembler turns the physical lines of one file into Records: it unwraps
// container formats (CRI with P/F partials, Docker json-file with 16 KB
// splits), folds continuation lines (stack traces, Go panic goroutine dumps)
// into the record above and parses each entry. An Assembler is not safe for
// concurrent use; use one per file.
type Assembler struct {
	file        string
	cfg         Config
	pathService string
	fileService string // the service the file's lines last named
	pushed      bool   // file names a pushed stream (PushPrefix), not one process's file
	max         int
	stats       Stats
	p           parser
	cri, docker [2]part
	pend        pending
	dockBuf     []byte
	tail        []byte // tail of the line being added, when it was cut
}

// NewAssembler returns an Assembler for the lines of file (the path as
// given to the reader; it names Record.File and may name the service).
func NewAssembler(file string, cfg Config) *Assembler {
	a := &Assembler{file: file, cfg: cfg}
	a.max = a.cfg.maxLineBytes()
	a.pathService = serviceForPath(file, &a.cfg)
	a.pushed = strings.HasPrefix(file, PushPrefix)
	a.p.cfg = &a.cfg
	return a
}

// Add takes one physical line without its trailing newline (a trailing
// "\r" is dropped), the byte offset of its first byte and its 1-based line
// number, and appends the records that are now complete to dst. line is
// not retained: the caller may reuse it. A line longer than
// Config.MaxLineBytes is cut there and marked ProblemTooLong.
func (a *Assembler) Add(dst []Record, line []byte, offset, lineNo int64) []Record {
	return a.add(dst, line, offset, lineNo, 0)
}

// AddCut is Add for a line the reader has already cut (because it was
// longer than its limit): the record is marked ProblemTooLong. tail is the
// line's last bytes (up to TailBytes; nil if unknown): when the head names
// no trace, the trace fields are looked for there.
func (a *Assembler) AddCut(dst []Record, line, tail []byte, offset, lineNo int64) []Record {
	a.tail = append(a.tail[:0], tail...)
	dst = a.add(dst, line, offset, lineNo, ProblemTooLong)
	a.tail = a.tail[:0]
	return dst
}

func (a *Assembler) add(dst []Record, line []byte, offset, lineNo int64, prob Problem) []Record {
	a.stats.Lines++
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > a.max {
		if len(a.tail) == 0 {
			a.tail = append(a.tail[:0], line[max(a.max, len(line)-TailBytes):]...)
			defer func() { a.tail = a.tail[:0] }()
		}
		line = line[:a.max]
		prob |= ProblemTooLong
	}
	if isBinary(line) {
		a.stats.Skipped++
		a.stats.Add(ProblemBinary)
		return dst
	}
	if len(line) >= 29 && line[0]-'0' <= 9 {
		if t, prec, stream, partial, payload, ok := a.p.parseCRI(line); ok {
			return a.joinPart(dst, &a.cri[stream], payload, !partial, offset, lineNo, t, prec, stream, prob)
		}
	} else if bytes.HasPrefix(line, []byte(`{"log":`)) {
		buf, t, prec, stream, complete, isDocker, bad := a.p.parseDocker(line, a.dockBuf[:0])
		a.dockBuf = buf
		if isDocker {
			return a.joinPart(dst, &a.docker[stream], buf, complete, offset, lineNo, t, prec, stream, prob)
		}
		if bad {
			prob |= ProblemBadContainer
		}
	}
	return a.entry(dst, line, offset, lineNo, 1, time.Time{}, 0, "", prob)
}

// joinPart adds a container record's payload to its stream's part and
// passes the line on once it is complete.
func (a *Assembler) joinPart(dst []Record, pt *part, payload []byte, complete bool, offset, lineNo int64, t time.Time, prec time.Duration, stream int, prob Problem) []Record {
	if !pt.active {
		if complete {
			return a.entry(dst, payload, offset, lineNo, 1, t, prec, streamNames[stream], prob)
		}
		pt.active, pt.offset, pt.lineNo, pt.lines, pt.t, pt.prec, pt.prob = true, offset, lineNo, 0, t, prec, 0
		pt.buf = pt.buf[:0]
	}
	pt.lines++
	pt.prob |= prob
	if room := a.max - len(pt.buf); len(payload) > room {
		payload = payload[:max(room, 0)]
		pt.prob |= ProblemTooLong
	}
	pt.buf = append(pt.buf, payload...)
	if !complete {
		return dst
	}
	pt.active = false
	dst = a.entry(dst, pt.buf, pt.offset, pt.lineNo, pt.lines, pt.t, pt.prec, streamNames[stream], pt.prob)
	if cap(pt.buf) > 64<<10 {
		pt.buf = nil
	}
	return dst
}

// classify tells what a logical line is, for continuation folding.
func (a *Assembler) classify(line []byte) lineKind {
	line = bytes.TrimPrefix(line, utf8BOM)
	if len(trimSpace(line)) == 0 {
		return lkBlank
	}
	switch c := line[0]; {
	case c == ' ' || c == '\t':
		return lkIndented
	case c == '{':
		return lkJSON
	case c == 'g' && bytes.HasPrefix(line, []byte("goroutine ")) && bytes.Contains(line, []byte(" [")):
		return lkStack
	case c == 'c' && bytes.HasPrefix(line, []byte("created by ")):
		return lkStack
	case c == 'p' && bytes.HasPrefix(line, []byte("panic: ")),
		c == 'f' && bytes.HasPrefix(line, []byte("fatal error: ")),
		c == 'T' && bytes.HasPrefix(line, []byte("Traceback (")):
		return lkPanic
	}
	s := line
	if bytes.IndexByte(s[:min(len(s), 64)], 0x1b) >= 0 {
		a.p.scratch = a.p.scratch[:0]
		s = a.p.stripANSI(s[:min(len(s), 256)])
	}
	if keyAt(s) > 0 || syslogTimeLen(s) > 0 {
		return lkEntry
	}
	if _, n := klogHeader(s); n > 0 {
		return lkEntry
	}
	if _, _, _, _, ok := a.p.parseTimePrefix(s); ok {
		return lkEntry
	}
	if len(s) > 2 && s[0] == '[' {
		if _, _, n, _, ok := a.p.parseTimePrefix(s[1:]); ok && 1+n < len(s) && s[1+n] == ']' {
			return lkEntry
		}
	}
	if _, n := levelToken(s); n > 0 {
		return lkEntry
	}
	return lkOther
}

// continues reports whether a line of kind k belongs to the pending entry.
func (a *Assembler) continues(k lineKind) bool {
	if !a.pend.active || a.pend.conts >= maxContinuations {
		return false
	}
	switch k {
	case lkBlank, lkIndented, lkStack:
		return true
	case lkPanic:
		return a.pend.head == lkEntry || a.pend.head == lkPanic || a.pend.head == lkOther && a.pend.conts > 0
	case lkOther:
		return a.pend.head == lkEntry || a.pend.head == lkPanic || a.pend.head == lkOther && a.pend.conts > 0
	}
	return false
}

// entry takes one logical line: it continues the pending entry or starts
// the next one, emitting the pending one.
func (a *Assembler) entry(dst []Record, line []byte, offset, lineNo int64, lines int32, t time.Time, prec time.Duration, stream string, prob Problem) []Record {
	k := a.classify(line)
	if a.continues(k) {
		pd := &a.pend
		pd.lines += lines
		pd.conts++
		pd.problems |= prob
		if room := a.max - len(pd.raw) - 1; len(line) > room {
			pd.problems |= ProblemTooLong
			if room <= 0 {
				return dst
			}
			line = line[:room]
		}
		pd.raw = append(pd.raw, '\n')
		pd.raw = append(pd.raw, line...)
		return dst
	}
	dst = a.emit(dst)
	if k == lkBlank {
		a.stats.Skipped += int64(lines)
		return dst
	}
	pd := &a.pend
	if cap(pd.raw) > 64<<10 {
		pd.raw = nil
	}
	pd.active = true
	pd.raw = append(pd.raw[:0], line...)
	pd.headLen = len(line)
	pd.head = k
	pd.offset, pd.lineNo, pd.lines, pd.conts = offset, lineNo, lines, 0
	pd.t, pd.prec, pd.stream, pd.problems = t, prec, stream, prob
	pd.tail = append(pd.tail[:0], a.tail...)
	return dst
}

// emit parses the pending entry and appends its record.
func (a *Assembler) emit(dst []Record) []Record {
	pd := &a.pend
	if !pd.active {
		return dst
	}
	pd.active = false
	if len(pd.raw) > pd.headLen { // trailing blank continuation lines say nothing
		pd.raw = append(pd.raw[:pd.headLen], trimRightSpace(pd.raw[pd.headLen:])...)
	}
	if a.cfg.Redact != nil {
		a.redact()
	}
	dst = append(dst, Record{File: a.file, Line: pd.lineNo, Offset: pd.offset})
	r := &dst[len(dst)-1]
	a.p.parseEntry(r, pd.raw, pd.headLen, &a.cfg, a.pathService, pd.t, pd.prec, pd.problems)
	r.Lines = pd.lines
	r.Stream = pd.stream
	if r.TraceID == "" && len(pd.tail) > 0 {
		idsFromTail(r, pd.raw, pd.tail)
	}
	r.FromLine = pd.lines == 1 && pd.headLen == len(pd.raw) && pd.t.IsZero() && pd.stream == "" &&
		pd.problems == 0 && (a.pathService == "" || len(a.p.service) > 0) &&
		(a.cfg.Location == nil || a.cfg.Location == time.UTC)
	if a.pathService == "" && !a.pushed {
		a.fileService = a.learnService(r)
	}
	a.stats.Records++
	a.stats.Add(r.Problems)
	return dst
}

// learnService gives a record without a service the one the file's lines
// named last (or a go-zero stat line's Name), and returns what the file's
// service is now.
func (a *Assembler) learnService(r *Record) string {
	if r.Service != "" {
		return r.Service
	}
	name := goZeroName(r.Level, r.Msg)
	if name == "" {
		name = a.fileService
	}
	if name != "" {
		r.Service = name
		r.FromLine = false // the line alone does not say it
	}
	return name
}

// redact applies Config.Redact to the pending entry, keeping headLen on
// the end of its first line.
func (a *Assembler) redact() {
	pd := &a.pend
	single := pd.headLen == len(pd.raw)
	out := a.cfg.Redact(pd.raw)
	if len(out) == len(pd.raw) && (len(out) == 0 || &out[0] == &pd.raw[0]) {
		return
	}
	pd.raw = append(pd.raw[:0], out...)
	pd.headLen = len(pd.raw)
	if !single {
		if i := bytes.IndexByte(pd.raw, '\n'); i >= 0 {
			pd.headLen = i
		}
	}
}

// Flush completes whatever is pending (end of input, or an idle timeout in
// follow mode) and appends it to dst. Container partials that never saw
// their last part are emitted as they are, marked ProblemIncomplete.
func (a *Assembler) Flush(dst []Record) []Record {
	for _, parts := range []*[2]part{&a.cri, &a.docker} {
		for s := range parts {
			pt := &parts[s]
			if pt.active {
				pt.prob |= ProblemIncomplete
				pt.lines--
				dst = a.joinPart(dst, pt, nil, true, pt.offset, pt.lineNo, pt.t, pt.prec, s, 0)
			}
		}
	}
	return a.emit(dst)
}

// FlushSettled emits the pending entry when it is a complete JSON object
// and appends it to dst; other pending entries stay. A follower calls it
// once it has read all that was written: a JSON logger writes a stack
// trace in a field, not on lines after the object, so nothing is left to
// wait for, whereas a text entry's stack trace may still be on its way.
func (a *Assembler) FlushSettled(dst []Record) []Record {
	pd := &a.pend
	if !pd.active || pd.head != lkJSON || !closesObject(pd.raw) {
		return dst
	}
	return a.emit(dst)
}

// closesObject reports whether a JSON line ends its object.
func closesObject(line []byte) bool {
	line = trimRightSpace(line)
	return len(line) > 0 && line[len(line)-1] == '}'
}

// Pending reports the offset and line number of the first physical line not
// yet emitted in a record, so a checkpoint can resume there; ok is false when
// nothing is pending. Lines before it are all in emitted records (or
// dropped as binary or blank).
func (a *Assembler) Pending() (offset, lineNo int64, ok bool) {
	consider := func(o, l int64) {
		if !ok || o < offset {
			offset, lineNo, ok = o, l, true
		}
	}
	if a.pend.active {
		consider(a.pend.offset, a.pend.lineNo)
	}
	for s := range 2 {
		if a.cri[s].active {
			consider(a.cri[s].offset, a.cri[s].lineNo)
		}
		if a.docker[s].active {
			consider(a.docker[s].offset, a.docker[s].lineNo)
		}
	}
	return offset, lineNo, ok
}

// Stats returns the counts so far.
func (a *Assembler) Stats() Stats { return a.stats }

// idsFromTail fills r's trace fields from the tail of a line that was cut
// before them: the tail, from its first field boundary on, is parsed as a
// line of its own (a JSON object when the line is one, else key=value
// text).
func idsFromTail(r *Record, head, tail []byte) {
	var frag []byte
	if h := trimLeftSpace(head); len(h) > 0 && h[0] == '{' {
		i := bytes.Index(tail, []byte(`,"`))
		if i < 0 {
			return
		}
		frag = append([]byte{'{'}, tail[i+1:]...)
	} else {
		i := bytes.IndexByte(tail, ' ')
		if i < 0 {
			return
		}
		frag = tail[i+1:]
	}
	var t Record
	ParseLine(frag, &t, nil)
	if t.TraceID == "" {
		return
	}
	r.TraceID, r.TraceIDLow = t.TraceID, t.TraceIDLow
	if r.SpanID == "" {
		r.SpanID = t.SpanID
	}
	if r.TraceFlags == "" {
		r.TraceFlags = t.TraceFlags
	}
}

package parse

import (
	"bytes"
	"math"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// parser holds what one entry yields while it is read, and scratch buffers
// reused across entries. Field values are slices of the entry or of
// scratch; finish turns them into the Record's strings with one allocation.
type parser struct {
	cfg *Config

	time    time.Time
	prec    time.Duration
	hasTime bool

	level    string // normalised, or ""
	levelRaw []byte // an unknown level word from a level field

	msg    []byte
	hasMsg bool

	caller, callerFile, callerLine []byte
	callerRank                     int

	service     []byte
	serviceRank int

	traceID      [32]byte
	traceQuality int
	spanID       [16]byte
	hasSpan      bool
	flags        [2]byte
	hasFlags     bool

	problems Problem

	keyBuf  [96]byte
	scratch []byte
	out     []byte
	zones   zoneCache
}

var parserPool = sync.Pool{New: func() any { return new(parser) }}

// ParseLine parses one logical entry (no container wrapper, no continuation
// lines) into rec, which it overwrites except for File, Line and Offset.
// cfg may be nil. Push ingest uses it; files go through an Assembler. The
// service falls back to rec.File's Kubernetes path and cfg.Services as an
// Assembler's does. A binary entry is parsed anyway and marked
// ProblemBinary: the caller should count and drop it. rec does not alias
// line.
func ParseLine(line []byte, rec *Record, cfg *Config) {
	if cfg != nil && cfg.Redact != nil {
		line = cfg.Redact(line)
	}
	p := parserPool.Get().(*parser)
	var ps string
	if rec.File != "" {
		ps = serviceForPath(rec.File, cfg)
	}
	var pr Problem
	if isBinary(line) {
		pr = ProblemBinary
	}
	p.parseEntry(rec, line, len(line), cfg, ps, time.Time{}, 0, pr)
	rec.Lines = 1
	parserPool.Put(p)
}

// isBinary reports lines that are not text: a NUL byte, or invalid UTF-8
// in more than a quarter of the bytes.
func isBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	if utf8.Valid(b) {
		return false
	}
	bad := 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		}
		i += n
	}
	return bad*4 > len(b)
}

func (p *parser) reset(cfg *Config) {
	scratch, out, zones := p.scratch[:0], p.out[:0], p.zones
	if cap(scratch) > 64<<10 {
		scratch = nil
	}
	if cap(out) > 64<<10 {
		out = nil
	}
	*p = parser{cfg: cfg, scratch: scratch, out: out, zones: zones}
}

// parseEntry parses raw[:headLen] (the entry's first line; the rest of raw
// is continuation lines) and fills rec. pathService names the service when
// the line does not; ctime is the container's time, used when the line has
// none.
func (p *parser) parseEntry(rec *Record, raw []byte, headLen int, cfg *Config, pathService string, ctime time.Time, cprec time.Duration, problems Problem) {
	*rec = Record{File: rec.File, Line: rec.Line, Offset: rec.Offset}
	p.reset(cfg)
	p.problems = problems
	head := raw[:headLen]
	if len(head) > 0 && head[len(head)-1] == '\r' {
		head = head[:len(head)-1]
	}
	src := head
	if bytes.HasPrefix(src, utf8BOM) {
		src = src[len(utf8BOM):]
	}
	if bytes.IndexByte(src, 0x1b) >= 0 {
		src = p.stripANSI(src)
	}
	s := trimLeftSpace(src)
	parsed := false
	if len(s) > 0 && s[0] == '{' {
		if p.parseJSON(s) {
			parsed = true
		} else if problems&ProblemTooLong != 0 && p.parseCutJSON(s, cfg, problems) {
			parsed = true
		} else {
			p.reset(cfg)
			p.problems = problems | ProblemBadJSON
		}
	}
	if !parsed {
		p.parseText(src)
	}
	p.finish(rec, raw, pathService, ctime, cprec)
}

var utf8BOM = []byte("\xef\xbb\xbf")

// parseCutJSON reads a JSON object cut at MaxLineBytes: the fields before
// the last complete one are parsed as an object of their own, so a cut
// line keeps its time, level, service and trace when they came before the
// long value.
func (p *parser) parseCutJSON(s []byte, cfg *Config, problems Problem) bool {
	i := bytes.LastIndex(s, []byte(`,"`)) // a quote inside a string is escaped: this is a field boundary
	if i <= 0 {
		return false
	}
	closed := make([]byte, i+1)
	copy(closed, s[:i])
	closed[i] = '}'
	p.reset(cfg)
	p.problems = problems
	return p.parseJSON(closed)
}

// within returns the offset of sub inside base when sub is a slice of it.
func within(sub, base []byte) (int, bool) {
	if len(sub) == 0 || len(base) == 0 {
		return 0, len(sub) == 0
	}
	bp := uintptr(unsafe.Pointer(unsafe.SliceData(base)))
	sp := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	if sp >= bp && sp+uintptr(len(sub)) <= bp+uintptr(len(base)) {
		return int(sp - bp), true
	}
	return 0, false
}

type strRef struct{ off, end int }

// ref places v in the record's backing bytes: inside raw when it is a
// slice of raw, else appended.
func (p *parser) ref(raw, v []byte) strRef {
	if off, ok := within(v, raw); ok {
		return strRef{off, off + len(v)}
	}
	off := len(p.out)
	p.out = append(p.out, v...)
	return strRef{off, len(p.out)}
}

// finish builds rec's strings: raw and every value not inside raw share
// one allocation.
func (p *parser) finish(rec *Record, raw []byte, pathService string, ctime time.Time, cprec time.Duration) {
	p.out = append(p.out[:0], raw...)
	msg := p.ref(raw, trimSpace(p.msg))
	var caller strRef
	if p.caller != nil {
		caller = p.ref(raw, trimSpace(p.caller))
	} else if p.callerFile != nil {
		off := len(p.out)
		p.out = append(p.out, p.callerFile...)
		if len(p.callerLine) > 0 {
			p.out = append(p.out, ':')
			p.out = append(p.out, p.callerLine...)
		}
		caller = strRef{off, len(p.out)}
	}
	service := p.ref(raw, p.service)
	var level strRef
	if p.level == "" && p.levelRaw != nil {
		off := len(p.out)
		for _, c := range p.levelRaw {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			p.out = append(p.out, c)
		}
		level = strRef{off, len(p.out)}
	}
	var trace, span, flags strRef
	if p.traceQuality != traceNone {
		trace.off = len(p.out)
		p.out = append(p.out, p.traceID[:]...)
		trace.end = len(p.out)
	}
	if p.hasSpan {
		span.off = len(p.out)
		p.out = append(p.out, p.spanID[:]...)
		span.end = len(p.out)
	}
	flagStr := ""
	if p.hasFlags {
		switch p.flags {
		case [2]byte{'0', '1'}:
			flagStr = "01"
		case [2]byte{'0', '0'}:
			flagStr = "00"
		default:
			flags.off = len(p.out)
			p.out = append(p.out, p.flags[:]...)
			flags.end = len(p.out)
		}
	}
	s := string(p.out)

	rec.Raw = s[:len(raw)]
	rec.Msg = s[msg.off:msg.end]
	rec.Caller = s[caller.off:caller.end]
	rec.Service = s[service.off:service.end]
	if rec.Service == "" {
		rec.Service = pathService
	}
	rec.Level = p.level
	if level.end > 0 {
		rec.Level = s[level.off:level.end]
	}
	rec.TraceID = s[trace.off:trace.end]
	if p.traceQuality == traceLow {
		rec.TraceIDLow = rec.TraceID[16:]
	}
	rec.SpanID = s[span.off:span.end]
	rec.TraceFlags = flagStr
	if flags.end > 0 {
		rec.TraceFlags = s[flags.off:flags.end]
	}
	// A time of year 0000 or 9999 ("never") stays in the line but is no
	// time the index can order by (entries sort by Unix nanoseconds): the
	// container's time stands in for it when there is one.
	bad := false
	if p.hasTime && !p.time.IsZero() {
		if storable(p.time) {
			rec.Time, rec.TimePrecision = p.time, p.prec
		} else {
			bad = true
		}
	}
	if rec.Time.IsZero() && !ctime.IsZero() {
		if storable(ctime) {
			rec.Time, rec.TimePrecision = ctime, cprec
		} else {
			bad = true
		}
	}
	if bad {
		p.problems |= ProblemBadTime
	}
	rec.Problems = p.problems
}

// Times whose Unix nanoseconds fit an int64: 1677-09-21 to 2262-04-11.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// storable reports whether t lies within minTime and maxTime.
func storable(t time.Time) bool { return !t.Before(minTime) && !t.After(maxTime) }

func trimSpace(b []byte) []byte {
	return trimRightSpace(trimLeftSpace(b))
}

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

func indexByte(b []byte, c byte) int     { return bytes.IndexByte(b, c) }
func lastIndexByte(b []byte, c byte) int { return bytes.LastIndexByte(b, c) }

func appendRune(b []byte, r rune) []byte {
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	return utf8.AppendRune(b, r)
}

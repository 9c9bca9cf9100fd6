package parse

// Keys. Keys are matched case-insensitively; nested JSON objects are read
// as dotted keys ({"trace":{"id":…}} is trace.id). The first key of a kind
// wins unless noted.
//
//	time     ts, time, timestamp, @timestamp, t (logfmt)
//	level    level, lvl, severity, log.level, loglevel
//	message  msg, message, content (go-zero)
//	caller   caller, source (a string: slog TextHandler), source.file+source.line
//	         (slog JSONHandler), log.origin.file.name+.line (ECS), file (logrus)
//	service  service.name, resource.service.name, dd.service,
//	         servicecontext.service, service, service_name; app ranks last
//	trace    trace_id, traceid, trace.id, trace, otel.trace_id (32 hex; 16 hex is a
//	         legacy Jaeger id), dd.trace_id (decimal low 64 bits, or hex),
//	         logging.googleapis.com/trace (projects/P/traces/ID), x-b3-traceid
//	         (16 hex is the low 64 bits), b3 (single header), traceparent
//	span     span_id, spanid, span.id, span, otel.span_id, x-b3-spanid (16 hex),
//	         dd.span_id (decimal), logging.googleapis.com/spanid (hex or decimal)
//	flags    trace_flags, traceflags (2 hex); logging.googleapis.com/trace_sampled,
//	         x-b3-sampled, sampled (booleans → "01"/"00")
//
// Under any other prefix (a nested object, a slog group: req.trace_id),
// trace_id, traceid, span_id, spanid, trace_flags, traceflags and
// traceparent keep their meaning.

type fieldKind uint8

const (
	fUnknown fieldKind = iota
	fTime
	fLevel
	fMsg
	fCaller
	fCallerFile
	fCallerLine
	fCallerWeak // logrus "file": used when nothing better names the caller
	fService
	fServiceWeak // "app"
	fTrace
	fTraceDD
	fTraceB3
	fTraceGCP
	fSpan
	fSpanDD
	fSpanGCP
	fFlags
	fB3
	fTraceparent
)

// classifyKey maps a lower-cased key to its kind.
func classifyKey(k []byte) fieldKind {
	switch len(k) {
	case 1:
		if k[0] == 't' {
			return fTime
		}
	case 2:
		if string(k) == "ts" {
			return fTime
		}
		if string(k) == "b3" {
			return fB3
		}
	case 3:
		switch string(k) {
		case "msg":
			return fMsg
		case "lvl":
			return fLevel
		case "app":
			return fServiceWeak
		}
	case 4:
		switch string(k) {
		case "time":
			return fTime
		case "span":
			return fSpan
		case "file":
			return fCallerWeak
		}
	case 5:
		switch string(k) {
		case "level":
			return fLevel
		case "trace":
			return fTrace
		}
	}
	switch string(k) {
	case "timestamp", "@timestamp":
		return fTime
	case "severity", "log.level", "loglevel":
		return fLevel
	case "message", "content":
		return fMsg
	case "caller", "source":
		return fCaller
	case "source.file", "log.origin.file.name":
		return fCallerFile
	case "source.line", "log.origin.file.line":
		return fCallerLine
	case "service", "service.name", "resource.service.name", "dd.service", "servicecontext.service", "service_name":
		return fService
	case "trace_id", "traceid", "trace.id", "otel.trace_id", "trace-id":
		return fTrace
	case "dd.trace_id":
		return fTraceDD
	case "x-b3-traceid", "x_b3_traceid":
		return fTraceB3
	case "logging.googleapis.com/trace":
		return fTraceGCP
	case "span_id", "spanid", "span.id", "otel.span_id", "x-b3-spanid", "x_b3_spanid", "span-id":
		return fSpan
	case "dd.span_id":
		return fSpanDD
	case "logging.googleapis.com/spanid":
		return fSpanGCP
	case "trace_flags", "traceflags", "otel.trace_flags", "logging.googleapis.com/trace_sampled", "x-b3-sampled", "x_b3_sampled", "sampled", "trace_sampled":
		return fFlags
	case "traceparent":
		return fTraceparent
	}
	// A trace key inside an object or a group (slog WithGroup, a "req"
	// object) still names the trace: match the last segment.
	if i := lastIndexByte(k, '.'); i >= 0 {
		switch string(k[i+1:]) {
		case "trace_id", "traceid":
			return fTrace
		case "span_id", "spanid":
			return fSpan
		case "trace_flags", "traceflags":
			return fFlags
		case "traceparent":
			return fTraceparent
		}
	}
	return fUnknown
}

// isTraceKind reports kinds the free-text scan looks for.
func isTraceKind(k fieldKind) bool { return k >= fTrace }

// field takes the value of a classified key. str is false for JSON
// numbers, booleans and null.
func (p *parser) field(kind fieldKind, v []byte, str bool) {
	switch kind {
	case fTime:
		if p.hasTime {
			return
		}
		if t, prec, ok := p.parseTimeValue(v); ok {
			p.time, p.prec, p.hasTime = t, prec, true
		}
	case fLevel:
		if p.level != "" || p.levelRaw != nil {
			return
		}
		if !str {
			p.level = numericLevel(v)
			return
		}
		v = trimSpace(v)
		if l := normalizeLevel(v); l != "" {
			p.level = l
		} else if len(v) > 0 && len(v) <= 16 {
			p.levelRaw = v
		}
	case fMsg:
		if !p.hasMsg {
			p.msg, p.hasMsg = v, true
		}
	case fCaller:
		if p.callerRank == 0 || p.callerRank > 1 {
			p.caller, p.callerRank = v, 1
		}
	case fCallerWeak:
		if p.callerRank == 0 {
			p.caller, p.callerRank = v, 3
		}
	case fCallerFile:
		p.callerFile = v
	case fCallerLine:
		p.callerLine = v
	case fService:
		if p.serviceRank == 0 || p.serviceRank > 1 {
			if v = trimSpace(v); len(v) > 0 {
				p.service, p.serviceRank = v, 1
			}
		}
	case fServiceWeak:
		if p.serviceRank == 0 {
			if v = trimSpace(v); len(v) > 0 {
				p.service, p.serviceRank = v, 2
			}
		}
	case fTrace:
		p.setTrace(v, idHex)
	case fTraceDD:
		p.setTrace(v, idDatadog)
	case fTraceB3:
		p.setTrace(v, idB3)
	case fTraceGCP:
		p.setTrace(v, idGCP)
	case fSpan:
		p.setSpan(v, idHex)
	case fSpanDD:
		p.setSpan(v, idDatadog)
	case fSpanGCP:
		p.setSpan(v, idGCP)
	case fFlags:
		p.setFlags(v)
	case fB3:
		p.setB3(v)
	case fTraceparent:
		p.setTraceparent(v)
	}
}

// lowerKey copies k lower-cased into p.keyBuf at off and returns the key so
// far (prefix included); ok is false when it does not fit.
func (p *parser) lowerKey(off int, k []byte) ([]byte, bool) {
	if off+len(k) > len(p.keyBuf) {
		return nil, false
	}
	for i, c := range k {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		p.keyBuf[off+i] = c
	}
	return p.keyBuf[:off+len(k)], true
}

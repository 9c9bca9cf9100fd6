package parse

import "bytes"

// Text lines. After ANSI colour codes are stripped, a text line is read as
// the first shape that fits:
//
//   - logfmt (slog TextHandler, logrus TextFormatter, logfmt in general):
//     the line starts with key=value; all pairs are read, quoted values
//     unquoted (Go %q escapes);
//   - tab-separated (zap console, go-zero logx plain): time TAB level TAB …;
//     a last field holding a JSON object is read as fields (zap), trailing
//     key=value fields are read as fields (logx: caller=, trace=, span=),
//     fields of the form file.go:12 before the message are the caller and
//     the last remaining field is the message;
//   - time and/or level words, space-separated (zerolog ConsoleWriter
//     "3:04PM INF caller.go:12 > message key=value", logrus on a terminal
//     "INFO[0000] message key=value", Go's log package "2006/01/02 15:04:05
//     message", most hand-made formats): the level may be bracketed
//     ([INFO]), followed by ':' or by logrus's [0000]; the message runs up to
//     the trailing run of key=value pairs, which are read as fields;
//   - klog (Kubernetes components): "I0301 10:00:00.123456   12 file.go:12] message";
//     the date has no year, so Time stays zero;
//   - a syslog time "Jan _2 15:04:05" (no year either) starts a line like a time;
//   - anything else: the whole line is the message.
//
// In every text shape, when no key has given a trace id, known trace keys
// written key=value anywhere in the line and a W3C traceparent value
// (00-<32hex>-<16hex>-<2hex>) anywhere in the line are used.

// stripANSI copies b without terminal escape sequences into p.scratch.
func (p *parser) stripANSI(b []byte) []byte {
	start := len(p.scratch)
	out := p.scratch
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], 0x1b)
		if j < 0 {
			out = append(out, b[i:]...)
			break
		}
		out = append(out, b[i:i+j]...)
		i += j + 1
		if i >= len(b) {
			break
		}
		switch b[i] {
		case '[': // CSI: parameters, intermediates, one final byte
			i++
			for i < len(b) && b[i] >= 0x20 && b[i] <= 0x3f {
				i++
			}
			if i < len(b) && b[i] >= 0x40 && b[i] <= 0x7e {
				i++
			}
		case ']': // OSC: up to BEL or ESC \
			i++
			for i < len(b) && b[i] != 0x07 && b[i] != 0x1b {
				i++
			}
			if i < len(b) && b[i] == 0x07 {
				i++
			} else if i+1 < len(b) && b[i+1] == '\\' {
				i += 2
			}
		default:
			i++
		}
	}
	p.scratch = out
	return out[start:len(out):len(out)]
}

func isKeyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == '-' || c == '@' || c == '/'
}

// keyAt reports whether b starts with key= and returns the key length.
func keyAt(b []byte) int {
	i := 0
	for i < len(b) && isKeyChar(b[i]) {
		i++
	}
	if i == 0 || i >= len(b) || b[i] != '=' || b[0] == '-' || b[0] == '/' {
		return 0
	}
	return i
}

// logfmtValue reads the value at b[0]: "quoted" (Go escapes) or bare up
// to a space. It returns the value and the bytes used.
func (p *parser) logfmtValue(b []byte) ([]byte, int) {
	if len(b) == 0 || b[0] != '"' {
		i := 0
		for i < len(b) && b[i] != ' ' && b[i] != '\t' {
			i++
		}
		return b[:i], i
	}
	esc := false
	i := 1
	for i < len(b) && b[i] != '"' {
		if b[i] == '\\' {
			esc = true
			i++
		}
		i++
	}
	if i >= len(b) { // unterminated: take the rest
		return b[1:], len(b)
	}
	v := b[1:i]
	if esc {
		v = p.unquoteGo(v)
	}
	return v, i + 1
}

// unquoteGo decodes Go string escapes (as strconv.Quote writes them) into
// p.scratch.
func (p *parser) unquoteGo(v []byte) []byte {
	start := len(p.scratch)
	out := p.scratch
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 >= len(v) {
			out = append(out, c)
			continue
		}
		i++
		switch e := v[i]; e {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'v':
			out = append(out, '\v')
		case 'x':
			if i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
				out = append(out, unhex(v[i+1])<<4|unhex(v[i+2]))
				i += 2
			} else {
				out = append(out, '\\', 'x')
			}
		case 'u', 'U':
			n := 4
			if e == 'U' {
				n = 8
			}
			if i+n < len(v) {
				var r rune
				ok := true
				for _, h := range v[i+1 : i+1+n] {
					if !isHex(h) {
						ok = false
						break
					}
					r = r<<4 | rune(unhex(h))
				}
				if ok {
					out = appendRune(out, r)
					i += n
					continue
				}
			}
			out = append(out, '\\', e)
		default:
			out = append(out, e)
		}
	}
	p.scratch = out
	return out[start:len(out):len(out)]
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// kvField dispatches key=value when the key is known.
func (p *parser) kvField(key, val []byte) {
	k, ok := p.lowerKey(0, key)
	if !ok {
		return
	}
	if kind := classifyKey(k); kind != fUnknown {
		p.field(kind, val, true)
	}
}

// parseLogfmt reads every key=value pair of b; bare words are skipped.
func (p *parser) parseLogfmt(b []byte) {
	for i := 0; i < len(b); {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i >= len(b) {
			break
		}
		if n := keyAt(b[i:]); n > 0 {
			val, m := p.logfmtValue(b[i+n+1:])
			p.kvField(b[i:i+n], val)
			i += n + 1 + m
			continue
		}
		for i < len(b) && b[i] != ' ' && b[i] != '\t' {
			i++
		}
	}
}

// splitTrailingPairs returns the text before the trailing run of key=value
// tokens of b and reads that run's pairs.
func (p *parser) splitTrailingPairs(b []byte) []byte {
	runStart := -1
	var pairs [24][2][]byte
	n := 0
	for i := 0; i < len(b); {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i >= len(b) {
			break
		}
		if k := keyAt(b[i:]); k > 0 {
			val, m := p.logfmtValue(b[i+k+1:])
			if runStart < 0 {
				runStart, n = i, 0
			}
			if n < len(pairs) {
				pairs[n] = [2][]byte{b[i : i+k], val}
				n++
			}
			i += k + 1 + m
			continue
		}
		runStart, n = -1, 0
		for i < len(b) && b[i] != ' ' {
			i++
		}
	}
	for _, kv := range pairs[:n] {
		p.kvField(kv[0], kv[1])
	}
	if runStart < 0 {
		return trimSpace(b)
	}
	return trimSpace(b[:runStart])
}

// callerLike reports file.go:12 shaped tokens.
func callerLike(b []byte) bool {
	i := lastIndexByte(b, ':')
	if i <= 0 || i == len(b)-1 || indexByte(b, ' ') >= 0 || indexByte(b, '=') >= 0 {
		return false
	}
	return allDigits(b[i+1:])
}

// levelToken reads a level word at the start of b: INFO, [INFO], INFO:,
// INFO[0000] (logrus). It returns the level and the bytes used.
func levelToken(b []byte) (string, int) {
	end := 0
	for end < len(b) && b[end] != ' ' && b[end] != '\t' {
		end++
	}
	w := b[:end]
	if len(w) > 2 && w[0] == '[' && w[len(w)-1] == ']' {
		w = w[1 : len(w)-1]
	} else if len(w) > 1 && w[len(w)-1] == ':' {
		w = w[:len(w)-1]
	} else if i := indexByte(w, '['); i > 0 && w[len(w)-1] == ']' {
		w = w[:i]
	}
	if l := normalizeLevel(w); l != "" {
		return l, end
	}
	return "", 0
}

// parseText reads a text line (see above).
func (p *parser) parseText(b []byte) {
	b = trimSpace(b)
	if keyAt(b) > 0 {
		p.parseLogfmt(b)
		p.textFallback(b)
		return
	}
	if p.parseKlog(b) {
		p.textFallback(b)
		return
	}
	rest := b
	entry := false
	if n := syslogTimeLen(rest); n > 0 {
		entry = true
		rest = rest[n:]
	} else if t, prec, n, known, ok := p.parseTimePrefix(rest); ok {
		entry = true
		if known {
			p.time, p.prec, p.hasTime = t, prec, true
		}
		rest = rest[n:]
		if len(rest) > 0 && rest[0] == '\t' {
			p.parseTabbed(rest[1:])
			p.textFallback(b)
			return
		}
	} else if len(rest) > 2 && rest[0] == '[' {
		if t, prec, n, known, ok := p.parseTimePrefix(rest[1:]); ok && 1+n < len(rest) && rest[1+n] == ']' {
			entry = true
			if known {
				p.time, p.prec, p.hasTime = t, prec, true
			}
			rest = rest[n+2:]
		}
	}
	rest = trimLeftSpace(rest)
	if l, n := levelToken(rest); n > 0 {
		entry = true
		p.level = l
		rest = trimLeftSpace(rest[n:])
	}
	if !entry {
		p.msg, p.hasMsg = b, true
		p.textFallback(b)
		return
	}
	// zerolog ConsoleWriter caller: "file.go:12 > message"
	if sp := indexByte(rest, ' '); sp > 0 && callerLike(rest[:sp]) && len(rest) > sp+1 && rest[sp+1] == '>' {
		p.caller, p.callerRank = rest[:sp], 1
		rest = trimLeftSpace(rest[sp+2:])
	}
	p.msg, p.hasMsg = p.splitTrailingPairs(rest), true
	p.textFallback(b)
}

// parseTabbed reads the fields after the time of a tab-separated line.
func (p *parser) parseTabbed(b []byte) {
	var fields [16][]byte
	n := 0
	for len(b) > 0 && n < len(fields)-1 {
		i := indexByte(b, '\t')
		if i < 0 {
			break
		}
		fields[n] = b[:i]
		n++
		b = b[i+1:]
	}
	fields[n] = b
	n++
	lvl := trimSpace(fields[0])
	if l := normalizeLevel(lvl); l != "" {
		p.level = l
	} else if len(lvl) > 0 && len(lvl) <= 16 && indexByte(lvl, ' ') < 0 {
		p.levelRaw = lvl
	}
	r := fields[1:n]
	if len(r) > 1 {
		last := trimSpace(r[len(r)-1])
		if len(last) > 1 && last[0] == '{' && last[len(last)-1] == '}' {
			saved := p.problems
			if p.parseJSON(last) {
				r = r[:len(r)-1]
			}
			p.problems = saved | p.problems&^ProblemBadJSON
		}
	}
	for len(r) > 1 {
		f := r[len(r)-1]
		k := keyAt(f)
		if k == 0 {
			break
		}
		p.kvField(f[:k], trimSpace(f[k+1:]))
		r = r[:len(r)-1]
	}
	if len(r) == 0 {
		return
	}
	for _, f := range r[:len(r)-1] {
		if f = trimSpace(f); callerLike(f) && p.callerRank == 0 {
			p.caller, p.callerRank = f, 1
		}
	}
	p.msg, p.hasMsg = trimSpace(r[len(r)-1]), true
}

// textFallback finds trace keys written key=value anywhere in b, then a
// traceparent value, when no key has given a trace id yet.
// Words met this way are a guess, so values that are no ids are not
// counted as bad ids.
func (p *parser) textFallback(b []byte) {
	if p.traceQuality != traceNone {
		return
	}
	saved := p.problems
	defer func() { p.problems = saved }()
	for i := 0; i < len(b); {
		j := indexByte(b[i:], '=')
		if j < 0 {
			break
		}
		eq := i + j
		ks := eq
		for ks > 0 && isKeyChar(b[ks-1]) {
			ks--
		}
		if ks < eq {
			if k, ok := p.lowerKey(0, b[ks:eq]); ok {
				if kind := classifyKey(k); isTraceKind(kind) {
					val, m := p.logfmtValue(b[eq+1:])
					p.field(kind, val, true)
					i = eq + 1 + m // past the value: linear however keys repeat
					continue
				}
			}
		}
		i = eq + 1
	}
	if p.traceQuality == traceNone {
		p.scanTraceparent(b)
	}
}

// klogHeader reports the length of a klog header "Lmmdd hh:mm:ss.uuuuuu" at
// the start of b, and its level.
func klogHeader(b []byte) (string, int) {
	if len(b) < 21 || b[5] != ' ' || b[8] != ':' || b[11] != ':' || b[14] != '.' {
		return "", 0
	}
	var l string
	switch b[0] {
	case 'I':
		l = lvlInfo
	case 'W':
		l = lvlWarn
	case 'E':
		l = lvlError
	case 'F':
		l = lvlFatal
	default:
		return "", 0
	}
	for _, i := range [...]int{1, 2, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20} {
		if b[i]-'0' > 9 {
			return "", 0
		}
	}
	return l, 21
}

// parseKlog reads a klog line: header, thread id, file:line] message.
func (p *parser) parseKlog(b []byte) bool {
	l, n := klogHeader(b)
	if n == 0 {
		return false
	}
	p.level = l
	rest := trimLeftSpace(b[n:])
	for len(rest) > 0 && rest[0]-'0' <= 9 { // thread id
		rest = rest[1:]
	}
	rest = trimLeftSpace(rest)
	if i := indexByte(rest, ']'); i > 0 && callerLike(rest[:i]) {
		p.caller, p.callerRank = rest[:i], 1
		rest = rest[i+1:]
	}
	p.msg, p.hasMsg = p.splitTrailingPairs(rest), true
	return true
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// syslogTimeLen reports the length of a syslog time "Jan _2 15:04:05" at
// the start of b.
func syslogTimeLen(b []byte) int {
	if len(b) < 15 || b[3] != ' ' {
		return 0
	}
	found := false
	for _, m := range months {
		if string(b[:3]) == m {
			found = true
			break
		}
	}
	if !found {
		return 0
	}
	i := 4
	if b[i] == ' ' {
		i++
	}
	for i < len(b) && b[i]-'0' <= 9 {
		i++
	}
	if i >= len(b) || b[i] != ' ' || i+9 > len(b) || b[i+3] != ':' || b[i+6] != ':' {
		return 0
	}
	for _, k := range [...]int{1, 2, 4, 5, 7, 8} {
		if b[i+k]-'0' > 9 {
			return 0
		}
	}
	return i + 9
}

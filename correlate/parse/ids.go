package parse

import "strconv"

// Trace and span id normalisation. Every id ends up lower-case hex: trace
// ids 32 digits (64-bit ids left-padded with zeros), span ids 16 digits.
// All-zero ids mean "no trace" and are dropped silently; ids of the wrong
// length or with non-hex digits are dropped and counted
// (ProblemBadTraceID, ProblemBadSpanID).

// idKind says how a key writes its ids.
type idKind uint8

const (
	idHex     idKind = iota // 32 hex; 16 hex is a legacy Jaeger id (padded, no low key)
	idDatadog               // decimal uint64 (the low 64 bits) or 32 hex
	idB3                    // 32 hex or 16 hex; 16 hex is the low 64 bits
	idGCP                   // projects/P/traces/ID or ID; span ids hex16 or decimal
)

// Trace id quality: a full 128-bit id beats one of which only the low 64
// bits are known, whatever the key order.
const (
	traceNone = iota
	traceLow
	traceFull
)

// hexLower maps a hex digit to its lower-case form and anything else to 0.
var hexLower = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c)
		t[c-'a'+'A'] = byte(c)
	}
	return t
}()

func isHex(c byte) bool { return hexLower[c] != 0 }

func lowerHex(c byte) byte {
	if l := hexLower[c]; l != 0 {
		return l
	}
	return c
}

// copyHex writes src lower-cased to dst; false when src holds a non-hex
// digit. zero reports whether every digit was '0'.
func copyHex(dst []byte, src []byte) (ok, zero bool) {
	dst = dst[:len(src)]
	var nz byte
	for i, c := range src {
		l := hexLower[c]
		if l == 0 {
			return false, false
		}
		nz |= l ^ '0'
		dst[i] = l
	}
	return true, nz == 0
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// putUint64Hex writes v as 16 lower-case hex digits.
func putUint64Hex(dst []byte, v uint64) {
	for i := 15; i >= 0; i-- {
		dst[i] = hexDigits[v&0xf]
		v >>= 4
	}
}

func parseDecimal64(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b), 10, 64) // no allocation: string(b) does not escape
	return v, err == nil
}

// setTrace normalises v as a trace id written the kind's way and keeps it
// when it beats the id held so far.
func (p *parser) setTrace(v []byte, kind idKind) {
	v = trimSpace(v)
	if len(v) == 0 {
		return
	}
	if kind == idGCP {
		if i := lastIndexByte(v, '/'); i >= 0 {
			v = v[i+1:]
		}
	}
	var id [32]byte
	quality := traceNone
	switch {
	case len(v) == 32:
		ok, zero := copyHex(id[:], v)
		if !ok {
			p.problems |= ProblemBadTraceID
			return
		}
		if zero {
			return
		}
		quality = traceFull
	case kind == idDatadog && allDigits(v):
		n, ok := parseDecimal64(v)
		if !ok {
			p.problems |= ProblemBadTraceID
			return
		}
		if n == 0 {
			return
		}
		for i := 0; i < 16; i++ {
			id[i] = '0'
		}
		putUint64Hex(id[16:], n)
		quality = traceLow
	case len(v) == 16:
		for i := 0; i < 16; i++ {
			id[i] = '0'
		}
		ok, zero := copyHex(id[16:], v)
		if !ok {
			p.problems |= ProblemBadTraceID
			return
		}
		if zero {
			return
		}
		quality = traceFull // legacy Jaeger: the whole id is 64 bits
		if kind == idB3 || kind == idDatadog {
			quality = traceLow
		}
	default:
		p.problems |= ProblemBadTraceID
		return
	}
	if quality > p.traceQuality {
		p.traceQuality = quality
		p.traceID = id
	}
}

// setSpan normalises v as a span id written the kind's way; the first valid
// one wins.
func (p *parser) setSpan(v []byte, kind idKind) {
	v = trimSpace(v)
	if len(v) == 0 || p.hasSpan {
		return
	}
	var id [16]byte
	switch {
	case (kind == idDatadog || kind == idGCP) && allDigits(v) && (len(v) != 16 || kind == idDatadog):
		n, ok := parseDecimal64(v)
		if !ok {
			p.problems |= ProblemBadSpanID
			return
		}
		if n == 0 {
			return
		}
		putUint64Hex(id[:], n)
	case len(v) == 16:
		ok, zero := copyHex(id[:], v)
		if !ok {
			p.problems |= ProblemBadSpanID
			return
		}
		if zero {
			return
		}
	default:
		p.problems |= ProblemBadSpanID
		return
	}
	p.spanID = id
	p.hasSpan = true
}

// setFlags keeps a trace_flags value (two hex digits) or a sampled boolean
// ("true", "1", "false", "0").
func (p *parser) setFlags(v []byte) {
	v = trimSpace(v)
	if p.hasFlags || len(v) == 0 {
		return
	}
	switch string(v) {
	case "true", "True", "TRUE", "1", "d":
		p.flags, p.hasFlags = [2]byte{'0', '1'}, true
		return
	case "false", "False", "FALSE", "0":
		p.flags, p.hasFlags = [2]byte{'0', '0'}, true
		return
	}
	if len(v) == 2 && isHex(v[0]) && isHex(v[1]) {
		p.flags, p.hasFlags = [2]byte{lowerHex(v[0]), lowerHex(v[1])}, true
	}
}

// setB3 reads a single-header B3 value: {TraceId}-{SpanId}-{Sampled}-{Parent},
// or just the sampling state.
func (p *parser) setB3(v []byte) {
	v = trimSpace(v)
	i := indexByte(v, '-')
	if i < 0 {
		p.setFlags(v)
		return
	}
	p.setTrace(v[:i], idB3)
	v = v[i+1:]
	j := indexByte(v, '-')
	if j < 0 {
		p.setSpan(v, idHex)
		return
	}
	p.setSpan(v[:j], idHex)
	v = v[j+1:]
	if k := indexByte(v, '-'); k >= 0 {
		v = v[:k]
	}
	p.setFlags(v)
}

// setTraceparent reads a W3C traceparent value 00-<32hex>-<16hex>-<2hex>.
func (p *parser) setTraceparent(v []byte) bool {
	v = trimSpace(v)
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' || !isHex(v[0]) || !isHex(v[1]) {
		return false
	}
	for _, c := range v[3:35] {
		if !isHex(c) {
			return false
		}
	}
	for _, c := range v[36:52] {
		if !isHex(c) {
			return false
		}
	}
	if !isHex(v[53]) || !isHex(v[54]) {
		return false
	}
	if len(v) > 55 && isHex(v[55]) {
		return false
	}
	p.setTrace(v[3:35], idHex)
	p.setSpan(v[36:52], idHex)
	p.setFlags(v[53:55])
	return true
}

// scanTraceparent looks for a traceparent value anywhere in b (text lines).
func (p *parser) scanTraceparent(b []byte) {
	for i := 0; i+55 <= len(b); {
		j := indexByte(b[i+2:len(b)-52], '-')
		if j < 0 {
			return
		}
		k := i + 2 + j - 2 // start of the version digits
		if (k == 0 || !isHex(b[k-1]) && b[k-1] != '-') && p.setTraceparent(b[k:min(k+56, len(b))]) {
			return
		}
		i = k + 1
	}
}

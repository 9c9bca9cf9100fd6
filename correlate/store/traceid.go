package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// TraceID is a 128-bit trace id. Only64 marks an id of which only the low 64
// bits are known (a 16-hex or decimal id): a lookup then finds every trace
// whose low half is Lo.
type TraceID struct {
	Hi, Lo uint64
	Only64 bool
}

// String returns the id as 32 lower-case hex digits (left-padded).
func (t TraceID) String() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], t.Hi)
	binary.BigEndian.PutUint64(b[8:], t.Lo)
	return hex.EncodeToString(b[:])
}

// IsZero reports whether t is the all-zero id, which is no trace.
func (t TraceID) IsZero() bool { return t.Hi == 0 && t.Lo == 0 }

// Errors of ParseTraceID that callers may tell apart (they are wrapped).
var (
	// ErrZeroTraceID: the all-zero id means "no trace".
	ErrZeroTraceID = errors.New("the all-zero trace id means no trace")
	// ErrDecimalOverflow: 17 to 20 decimal digits that do not fit 64 bits.
	ErrDecimalOverflow = errors.New("as a decimal id it does not fit 64 bits (the largest is 18446744073709551615)")
)

// ParseTraceID reads a trace id as a person or a script gives it and returns
// the ids to look up (one, or two when the text reads both as hex and as
// decimal):
//
//   - 32 hex digits, any case, optionally 0x-prefixed: that id (Only64 when
//     the high half is zero);
//   - 1–16 hex digits: a 64-bit id, left-padded (Only64);
//   - 17–31 hex digits: left-padded to 32;
//   - up to 20 decimal digits (Datadog, B3): a 64-bit id as decimal, and
//     also as hex when it has at most 32 digits; 17 to 20 digits that do
//     not fit 64 bits are an error (no one means them as hex);
//   - a W3C traceparent "00-<trace id>-<span id>-<flags>": its trace id.
//
// The all-zero id is an error: it means "no trace".
func ParseTraceID(s string) ([]TraceID, error) {
	s = strings.TrimSpace(s)
	if p := strings.Split(s, "-"); len(p) == 4 && len(p[0]) == 2 && len(p[1]) == 32 {
		s = p[1]
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" {
		return nil, errors.New("empty trace id")
	}
	var ids []TraceID
	if isDecimal(s) && len(s) <= 20 {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil { // only 17 to 20 digits can overflow
			return nil, fmt.Errorf("trace id %s: %w", s, ErrDecimalOverflow)
		}
		if v != 0 {
			ids = append(ids, TraceID{Lo: v, Only64: true})
		}
	}
	if len(s) <= 32 && isHex(s) {
		id, _ := hexID(s)
		if !id.IsZero() && (len(ids) == 0 || ids[0] != id) {
			ids = append(ids, id)
		}
	} else if len(ids) == 0 {
		return nil, fmt.Errorf("trace id %q is neither up to 32 hex digits nor a decimal 64-bit number", s)
	}
	if len(ids) == 0 {
		return nil, ErrZeroTraceID
	}
	return ids, nil
}

// TraceIDFromRecord returns the id a parsed record carries, ok false when it
// carries none.
func TraceIDFromRecord(traceID, traceIDLow string) (TraceID, bool) {
	if traceID != "" {
		if id, ok := hexID(traceID); ok && !id.IsZero() {
			return id, true
		}
	}
	if traceIDLow != "" {
		if id, ok := hexID(traceIDLow); ok && !id.IsZero() {
			return TraceID{Lo: id.Lo, Only64: true}, true
		}
	}
	return TraceID{}, false
}

// hexID reads up to 32 hex digits (any case) left-padded. The two halves
// are decoded apart, through a table and without a branch per digit:
// index builds call it for every traced line.
func hexID(s string) (TraceID, bool) {
	if len(s) == 0 || len(s) > 32 {
		return TraceID{}, false
	}
	split := max(len(s)-16, 0)
	hi, okHi := hexWord(s[:split])
	lo, okLo := hexWord(s[split:])
	if !okHi || !okLo {
		return TraceID{}, false
	}
	return TraceID{Hi: hi, Lo: lo, Only64: hi == 0}, true
}

// hexWord reads at most 16 hex digits.
func hexWord(s string) (uint64, bool) {
	var v uint64
	var bad byte
	for i := 0; i < len(s); i++ {
		d := hexTable[s[i]]
		bad |= d
		v = v<<4 | uint64(d&0x0f)
	}
	return v, bad&0x80 == 0
}

// hexTable maps a hex digit to its value and any other byte to 0xff.
var hexTable = func() (t [256]byte) {
	for i := range t {
		v, ok := hexVal(byte(i))
		if !ok {
			v = 0xff
		}
		t[i] = v
	}
	return t
}()

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if _, ok := hexVal(s[i]); !ok {
			return false
		}
	}
	return true
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

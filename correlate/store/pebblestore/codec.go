package pebblestore

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// Value encoding, version 1:
//
//	version(1) flags(1) raw(str) time(zigzag varint ns, when flagTime and
//	not flagTimeIsAt) precision(1 byte code) line(varint) lines(varint)
//	problems(varint) span(8 bytes when flagSpanBin, else str) file level
//	msg service caller flags(str) stream
//
// str is a uvarint n: n even → n/2 literal bytes follow; n odd → a
// reference (n>>1 = offset into raw, then uvarint length). Level, message,
// service and caller are usually substrings of the raw line, so they cost
// a few bytes each. Compact (untraced) values have no raw and a message cut
// to store.UntracedMsgBytes.
const codecVersion = 1

const (
	flagTraceID = 1 << iota
	flagTraceIDLow
	flagSpanBin
	flagTime
	flagCompact
	flagTimeIsAt // Time equals the key's At: not stored again
)

// precisions are the common TimePrecision values, stored as their index;
// others are stored as 0xff and a varint.
var precisions = [...]time.Duration{0, time.Nanosecond, time.Microsecond, time.Millisecond, time.Second,
	10 * time.Millisecond, 100 * time.Millisecond, 10 * time.Microsecond, 100 * time.Microsecond, 100 * time.Nanosecond}

func appendEntry(dst []byte, e *store.Entry, compact bool) []byte {
	r := &e.Record
	var flags byte
	if r.TraceID != "" {
		flags |= flagTraceID
	}
	if r.TraceIDLow != "" {
		flags |= flagTraceIDLow
	}
	var span [8]byte
	if len(r.SpanID) == 16 && !compact && strings.Contains(r.Raw, r.SpanID) {
		// a reference into raw (below) costs less than 8 bytes
	} else if len(r.SpanID) == 16 {
		if _, err := hex.Decode(span[:], []byte(r.SpanID)); err == nil && strings.ToLower(r.SpanID) == r.SpanID {
			flags |= flagSpanBin
		}
	}
	if !r.Time.IsZero() {
		flags |= flagTime
		if r.Time.Equal(e.At) {
			flags |= flagTimeIsAt
		}
	}
	raw := r.Raw
	msg := r.Msg
	if compact {
		flags |= flagCompact
		raw = ""
		if len(msg) > store.UntracedMsgBytes {
			msg = cutUTF8(msg, store.UntracedMsgBytes)
		}
	}
	dst = append(dst, codecVersion, flags)
	dst = binary.AppendUvarint(dst, uint64(len(raw))<<1)
	dst = append(dst, raw...)
	if flags&flagTime != 0 && flags&flagTimeIsAt == 0 {
		dst = binary.AppendVarint(dst, r.Time.UnixNano())
	}
	code := byte(0xff)
	for i, p := range precisions {
		if p == r.TimePrecision {
			code = byte(i)
			break
		}
	}
	dst = append(dst, code)
	if code == 0xff {
		dst = binary.AppendVarint(dst, int64(r.TimePrecision))
	}
	dst = binary.AppendVarint(dst, r.Line)
	dst = binary.AppendUvarint(dst, uint64(r.Lines))
	dst = binary.AppendUvarint(dst, uint64(r.Problems))
	if flags&flagSpanBin != 0 {
		dst = append(dst, span[:]...)
	} else {
		dst = appendStr(dst, r.SpanID, raw)
	}
	dst = appendStr(dst, r.File, raw)
	dst = appendStr(dst, r.Level, raw)
	dst = appendStr(dst, msg, raw)
	dst = appendStr(dst, r.Service, raw)
	dst = appendStr(dst, r.Caller, raw)
	dst = appendStr(dst, r.TraceFlags, raw)
	dst = appendStr(dst, r.Stream, raw)
	return dst
}

func cutUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func appendStr(dst []byte, s, raw string) []byte {
	if len(s) >= 4 && len(raw) > 0 {
		if i := strings.Index(raw, s); i >= 0 {
			dst = binary.AppendUvarint(dst, uint64(i)<<1|1)
			return binary.AppendUvarint(dst, uint64(len(s)))
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(s))<<1)
	return append(dst, s...)
}

var errCorrupt = errors.New("pebblestore: corrupt entry value")

type decoder struct {
	b   []byte
	raw string
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n uint64) []byte {
	if uint64(len(d.b)) < n {
		d.err = errCorrupt
		d.b = nil
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	v := d.uvarint()
	if v&1 == 0 {
		return string(d.bytes(v >> 1))
	}
	off, n := v>>1, d.uvarint()
	if off+n > uint64(len(d.raw)) {
		d.err = errCorrupt
		return ""
	}
	return d.raw[off : off+n]
}

// decodeEntry fills e from a value; traceHi/Lo, at, and offset come from the key.
func decodeEntry(e *store.Entry, v []byte, hi, lo uint64, at time.Time, off int64) error {
	if len(v) < 2 || v[0] != codecVersion {
		return errCorrupt
	}
	flags := v[1]
	d := decoder{b: v[2:]}
	d.raw = string(d.bytes(d.uvarint() >> 1))
	r := &e.Record
	*r = parse.Record{Raw: d.raw, Offset: off}
	e.At = at
	if flags&flagTimeIsAt != 0 {
		r.Time = at
	} else if flags&flagTime != 0 {
		r.Time = time.Unix(0, d.varint()).UTC()
	}
	if code := d.bytes(1); len(code) == 1 && int(code[0]) < len(precisions) {
		r.TimePrecision = precisions[code[0]]
	} else if len(code) == 1 && code[0] == 0xff {
		r.TimePrecision = time.Duration(d.varint())
	} else {
		d.err = errCorrupt
	}
	r.Line = d.varint()
	r.Lines = int32(d.uvarint())
	r.Problems = parse.Problem(d.uvarint())
	if flags&flagSpanBin != 0 {
		r.SpanID = hex.EncodeToString(d.bytes(8))
	} else {
		r.SpanID = d.str()
	}
	r.File = d.str()
	r.Level = d.str()
	r.Msg = d.str()
	r.Service = d.str()
	r.Caller = d.str()
	r.TraceFlags = d.str()
	r.Stream = d.str()
	if flags&flagTraceID != 0 {
		r.TraceID = store.TraceID{Hi: hi, Lo: lo}.String()
	}
	if flags&flagTraceIDLow != 0 {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], lo)
		r.TraceIDLow = hex.EncodeToString(b[:])
	}
	return d.err
}

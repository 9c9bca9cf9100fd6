package storefmt

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

// Value encoding.
//
// A full entry (traced, or untraced with Untraced "full") keeps its raw
// line and only what parsing the raw line again does not give back:
//
//	version=2 mask(uvarint) raw(str) line(varint) file(str) [overrides]
//
// Decoding runs parse.ParseLine on raw and then applies the overrides,
// one per set bit of mask, in bit order: the Record fields that differed,
// when the entry was written, from a fresh parse of its raw line (the
// Assembler knows what a single line does not: a container wrapper's time
// and stream, the service of a file path, continuation lines, cut lines).
// So an entry costs its raw line plus a few bytes, and reads back exactly
// as it was written.
//
// A traced entry whose raw line holds its trace id as 32 lower-case hex
// digits keeps the line without them, and where they stood:
//
//	version=4 at(uvarint) mask(uvarint) raw-without-id(str) line(varint) file(str) [overrides]
//
// The key holds the id; decoding puts its hex back at that byte offset.
// Adjacent entries in a block share their trace, but the id in each line
// still cost zstd a few bytes, and 16 at the first line of each trace:
// without them the index is about 5% smaller.
//
// A compact entry (untraced) has no raw line and keeps its fields:
//
//	version=3 time(varint ns, 0 none) precision(1) line(varint) lines problems
//	file level msg service caller stream (str each; msg cut to store.UntracedMsgBytes)
//
// str is a uvarint length and the bytes.
const (
	codecFull    = 2
	codecCompact = 3
	CodecFullCut = 4
)

// override bits, in encoding order
const (
	ovTime = 1 << iota // varint unix ns (0: no time), precision code
	ovLevel
	ovMsg
	ovService
	ovCaller
	ovSpanID
	ovTraceFlags
	ovStream
	ovLines
	ovProblems
	ovTraceID    // TraceID presence differs from the key (64-bit-only entries)
	ovTraceIDLow // TraceIDLow presence
)

// precisions are the common TimePrecision values, stored as their index;
// others are stored as 0xff and a varint.
var precisions = [...]time.Duration{0, time.Nanosecond, time.Microsecond, time.Millisecond, time.Second,
	10 * time.Millisecond, 100 * time.Millisecond, 10 * time.Microsecond, 100 * time.Microsecond, 100 * time.Nanosecond}

func appendPrecision(dst []byte, p time.Duration) []byte {
	for i, q := range precisions {
		if q == p {
			return append(dst, byte(i))
		}
	}
	return binary.AppendVarint(append(dst, 0xff), int64(p))
}

func appendTime(dst []byte, t time.Time, p time.Duration) []byte {
	if t.IsZero() {
		dst = binary.AppendVarint(dst, 0)
	} else {
		dst = binary.AppendVarint(dst, t.UnixNano())
	}
	return appendPrecision(dst, p)
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// AppendEntry encodes e; scratch is a Record the caller lends for the
// re-parse.
//
// id is the trace id of the entry's key, nil for an untraced entry.
func AppendEntry(dst []byte, e *store.Entry, compact bool, scratch *parse.Record, id *[2]uint64) []byte {
	r := &e.Record
	if compact {
		msg := r.Msg
		if len(msg) > store.UntracedMsgBytes {
			msg = cutUTF8(msg, store.UntracedMsgBytes)
		}
		dst = append(dst, codecCompact)
		dst = appendTime(dst, r.Time, r.TimePrecision)
		dst = binary.AppendVarint(dst, r.Line)
		dst = binary.AppendUvarint(dst, uint64(r.Lines))
		dst = binary.AppendUvarint(dst, uint64(r.Problems))
		dst = appendStr(dst, r.File)
		dst = appendStr(dst, r.Level)
		dst = appendStr(dst, msg)
		dst = appendStr(dst, r.Service)
		dst = appendStr(dst, r.Caller)
		return appendStr(dst, r.Stream)
	}
	var mask uint64
	if !r.FromLine { // the Assembler vouches for records it marks
		mask = overrides(r, scratch)
	}
	cut := -1
	if id != nil && id[0] != 0 && len(r.TraceID) == 32 {
		if h := idHex(id); string(h[:]) == r.TraceID { // the key's id, as the line has it (no copy)
			cut = strings.Index(r.Raw, r.TraceID)
		}
	}
	if cut < 0 {
		dst = append(dst, codecFull)
		dst = binary.AppendUvarint(dst, mask)
		dst = appendStr(dst, r.Raw)
	} else {
		dst = append(dst, CodecFullCut)
		dst = binary.AppendUvarint(dst, uint64(cut))
		dst = binary.AppendUvarint(dst, mask)
		dst = binary.AppendUvarint(dst, uint64(len(r.Raw)-32))
		dst = append(dst, r.Raw[:cut]...)
		dst = append(dst, r.Raw[cut+32:]...)
	}
	dst = binary.AppendVarint(dst, r.Line)
	dst = appendStr(dst, r.File)
	if mask&ovTime != 0 {
		dst = appendTime(dst, r.Time, r.TimePrecision)
	}
	for _, f := range []struct {
		bit uint64
		s   string
	}{{ovLevel, r.Level}, {ovMsg, r.Msg}, {ovService, r.Service}, {ovCaller, r.Caller},
		{ovSpanID, r.SpanID}, {ovTraceFlags, r.TraceFlags}, {ovStream, r.Stream}} {
		if mask&f.bit != 0 {
			dst = appendStr(dst, f.s)
		}
	}
	if mask&ovLines != 0 {
		dst = binary.AppendUvarint(dst, uint64(r.Lines))
	}
	if mask&ovProblems != 0 {
		dst = binary.AppendUvarint(dst, uint64(r.Problems))
	}
	if mask&ovTraceID != 0 {
		dst = appendStr(dst, r.TraceID)
	}
	if mask&ovTraceIDLow != 0 {
		dst = appendStr(dst, r.TraceIDLow)
	}
	return dst
}

// overrides returns the mask of r's fields that a fresh parse of r.Raw
// does not give back.
func overrides(r *parse.Record, p *parse.Record) uint64 {
	parse.ParseLine([]byte(r.Raw), p, nil)
	var mask uint64
	if !p.Time.Equal(r.Time) || p.TimePrecision != r.TimePrecision {
		mask |= ovTime
	}
	if p.Level != r.Level {
		mask |= ovLevel
	}
	if p.Msg != r.Msg {
		mask |= ovMsg
	}
	if p.Service != r.Service {
		mask |= ovService
	}
	if p.Caller != r.Caller {
		mask |= ovCaller
	}
	if p.SpanID != r.SpanID {
		mask |= ovSpanID
	}
	if p.TraceFlags != r.TraceFlags {
		mask |= ovTraceFlags
	}
	if p.Stream != r.Stream {
		mask |= ovStream
	}
	if p.Lines != r.Lines {
		mask |= ovLines
	}
	if p.Problems != r.Problems {
		mask |= ovProblems
	}
	if p.TraceID != r.TraceID {
		mask |= ovTraceID
	}
	if p.TraceIDLow != r.TraceIDLow {
		mask |= ovTraceIDLow
	}
	return mask
}

func cutUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var errCorrupt = errors.New("pebblestore: corrupt entry value")

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) fail() {
	d.err = errCorrupt
	d.b = nil
}

func (d *decoder) bytes(n uint64) []byte {
	if uint64(len(d.b)) < n {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string { return string(d.bytes(d.uvarint())) }

func (d *decoder) time() (time.Time, time.Duration) {
	var t time.Time
	if ns := d.varint(); ns != 0 {
		t = time.Unix(0, ns).UTC()
	}
	c := d.bytes(1)
	switch {
	case len(c) == 1 && int(c[0]) < len(precisions):
		return t, precisions[c[0]]
	case len(c) == 1 && c[0] == 0xff:
		return t, time.Duration(d.varint())
	}
	d.fail()
	return t, 0
}

// DecodeEntry fills e from a value; at, off and id (nil for an untraced
// entry) come from the key.
func DecodeEntry(e *store.Entry, v []byte, at time.Time, off int64, id *[2]uint64) error {
	if len(v) < 1 {
		return errCorrupt
	}
	d := decoder{b: v[1:]}
	r := &e.Record
	e.At = at
	switch v[0] {
	case codecCompact:
		*r = parse.Record{Offset: off}
		r.Time, r.TimePrecision = d.time()
		r.Line = d.varint()
		r.Lines = int32(d.uvarint())
		r.Problems = parse.Problem(d.uvarint())
		r.File = d.str()
		r.Level = d.str()
		r.Msg = d.str()
		r.Service = d.str()
		r.Caller = d.str()
		r.Stream = d.str()
		return d.err
	case codecFull, CodecFullCut:
	default:
		return errCorrupt
	}
	cut := -1
	if v[0] == CodecFullCut {
		cut = int(min(d.uvarint(), 1<<31))
	}
	mask := d.uvarint()
	raw := d.bytes(d.uvarint())
	if cut >= 0 {
		if id == nil || cut > len(raw) {
			return errCorrupt
		}
		h := idHex(id)
		full := make([]byte, 0, len(raw)+32)
		full = append(append(full, raw[:cut]...), h[:]...)
		raw = append(full, raw[cut:]...)
	}
	line := d.varint()
	file := d.str()
	if d.err != nil {
		return d.err
	}
	*r = parse.Record{}
	parse.ParseLine(raw, r, nil)
	r.File, r.Line, r.Offset = file, line, off
	if mask&ovTime != 0 {
		r.Time, r.TimePrecision = d.time()
	}
	for _, f := range []struct {
		bit uint64
		s   *string
	}{{ovLevel, &r.Level}, {ovMsg, &r.Msg}, {ovService, &r.Service}, {ovCaller, &r.Caller},
		{ovSpanID, &r.SpanID}, {ovTraceFlags, &r.TraceFlags}, {ovStream, &r.Stream}} {
		if mask&f.bit != 0 {
			*f.s = d.str()
		}
	}
	if mask&ovLines != 0 {
		r.Lines = int32(d.uvarint())
	}
	if mask&ovProblems != 0 {
		r.Problems = parse.Problem(d.uvarint())
	}
	if mask&ovTraceID != 0 {
		r.TraceID = d.str()
	}
	if mask&ovTraceIDLow != 0 {
		r.TraceIDLow = d.str()
	}
	return d.err
}

// idHex is a key's trace id (hi, lo) as 32 lower-case hex digits, the
// text a version-4 entry's line had cut out.
func idHex(id *[2]uint64) (h [32]byte) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], id[0])
	binary.BigEndian.PutUint64(b[8:], id[1])
	hex.Encode(h[:], b[:])
	return h
}

// AppendStoredText appends to dst the bytes of value v in which every
// string of the entry is found as stored: v itself, except that a
// version-4 value gets its trace id's hex put back into its raw line (id
// is the key's trace id). A search tests a text against these bytes
// before it decodes the entry.
func AppendStoredText(dst, v []byte, id *[2]uint64) []byte {
	if len(v) == 0 || v[0] != CodecFullCut || id == nil {
		return append(dst, v...)
	}
	d := decoder{b: v[1:]}
	cut := d.uvarint()
	d.uvarint() // mask
	raw := d.bytes(d.uvarint())
	if d.err != nil || cut > uint64(len(raw)) {
		return append(dst, v...)
	}
	h := idHex(id)
	dst = append(dst, raw[:cut]...)
	dst = append(dst, h[:]...)
	dst = append(dst, raw[cut:]...)
	return append(dst, d.b...) // line, file and overrides
}

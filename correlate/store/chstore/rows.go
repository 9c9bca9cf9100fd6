package chstore

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// kind bits: which id strings the record carried, and whether it had a time.
const (
	kindTraceID = 1 << iota
	kindTraceIDLow
	kindTime
)

// Column lists, in the order rows are read back (TabSeparated).
const (
	tracedCols   = "toUInt32(at), at_ns, trace_lo, trace_hi, file, offset, line, kind, time_ns, precision, lines, problems, span, path, level, msg, service, caller, flags, stream, raw"
	untracedCols = "toUInt32(at), at_ns, toUInt64(0), toUInt64(0), file, offset, line, kind, time_ns, precision, lines, problems, span, path, level, msg, service, caller, flags, stream, ''"
	// keyCols are tracedCols with only what a time index would hold read:
	// the key, the trace id, level and service (the rest constants).
	keyCols         = "toUInt32(at), at_ns, trace_lo, trace_hi, file, offset, 0, kind, 0, 0, 0, 0, '', '', level, '', service, '', '', '', ''"
	untracedKeyCols = "toUInt32(at), at_ns, toUInt64(0), toUInt64(0), file, offset, 0, kind, 0, 0, 0, 0, '', '', level, '', service, '', '', '', ''"
	numCols         = 21
)

// atSeconds splits an entry time into what the DateTime and at_ns columns
// hold; DateTime is an unsigned 32-bit count of seconds, so times outside
// 1970–2106 are clamped.
func atSeconds(at time.Time) (uint32, uint32) {
	s := at.Unix()
	switch {
	case s < 0:
		return 0, 0
	case s > 1<<32-1:
		return 1<<32 - 1, 0
	}
	return uint32(s), uint32(at.Nanosecond())
}

// appendRow appends one JSONEachRow object for e. Traced rows carry the
// trace id and the raw line; untraced rows neither, and a message cut to
// store.UntracedMsgBytes.
func appendRow(b []byte, e *store.Entry, file uint64, id store.TraceID, traced bool) []byte {
	r := &e.Record
	at := e.At
	if at.IsZero() {
		at = r.Time
	}
	sec, ns := atSeconds(at)
	var kind int
	if r.TraceID != "" {
		kind |= kindTraceID
	}
	if r.TraceIDLow != "" {
		kind |= kindTraceIDLow
	}
	var tns int64
	if !r.Time.IsZero() {
		kind |= kindTime
		tns = r.Time.UnixNano()
	}
	b = append(b, `{"at":`...)
	b = strconv.AppendUint(b, uint64(sec), 10)
	b = append(b, `,"at_ns":`...)
	b = strconv.AppendUint(b, uint64(ns), 10)
	if traced {
		hi := id.Hi
		if id.Only64 {
			hi = 0
		}
		b = append(b, `,"trace_lo":`...)
		b = strconv.AppendUint(b, id.Lo, 10)
		b = append(b, `,"trace_hi":`...)
		b = strconv.AppendUint(b, hi, 10)
	}
	b = append(b, `,"file":`...)
	b = strconv.AppendUint(b, file, 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, r.Offset, 10)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, r.Line, 10)
	b = append(b, `,"kind":`...)
	b = strconv.AppendInt(b, int64(kind), 10)
	b = append(b, `,"time_ns":`...)
	b = strconv.AppendInt(b, tns, 10)
	b = append(b, `,"precision":`...)
	b = strconv.AppendInt(b, int64(r.TimePrecision), 10)
	b = append(b, `,"lines":`...)
	b = strconv.AppendUint(b, uint64(uint32(r.Lines)), 10)
	b = append(b, `,"problems":`...)
	b = strconv.AppendUint(b, uint64(r.Problems), 10)
	msg := r.Msg
	if !traced && len(msg) > store.UntracedMsgBytes {
		msg = cutUTF8(msg, store.UntracedMsgBytes)
	}
	for _, f := range [...]struct{ k, v string }{
		{"span", r.SpanID}, {"path", r.File}, {"level", r.Level}, {"msg", msg},
		{"service", r.Service}, {"caller", r.Caller}, {"flags", r.TraceFlags}, {"stream", r.Stream},
	} {
		b = append(b, `,"`...)
		b = append(b, f.k...)
		b = append(b, `":`...)
		b = appendJSONString(b, f.v)
	}
	if traced {
		b = append(b, `,"raw":`...)
		b = appendJSONString(b, r.Raw)
	}
	return append(b, "}\n"...)
}

func cutUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s for ClickHouse's JSON reader, which copies
// bytes as they are: only the quote, the backslash and control bytes are
// escaped, so invalid UTF-8 survives byte for byte (encoding/json would
// replace it).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// row is one decoded result row with its sort key.
type row struct {
	e         store.Entry
	sec, ns   uint32
	file, off uint64
	lo, hi    uint64 // the trace id's halves; 0 in the untraced table
}

func (a *row) less(b *row) bool {
	if a.sec != b.sec {
		return a.sec < b.sec
	}
	if a.ns != b.ns {
		return a.ns < b.ns
	}
	if a.file != b.file {
		return a.file < b.file
	}
	return a.off < b.off
}

func (a *row) sameKey(b *row) bool {
	return a.file == b.file && a.off == b.off && a.sec == b.sec && a.ns == b.ns
}

var errShortRow = errors.New("short row")

// readRow reads one TabSeparated row of tracedCols (or untracedCols) into
// r. It returns io.EOF at the end of the stream.
func readRow(br *bufio.Reader, r *row, fields *[numCols][]byte) error {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		big := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = br.ReadSlice('\n')
			big = append(big, line...)
		}
		line = big
	}
	if err != nil {
		if len(line) == 0 {
			return err
		}
		if err.Error() != "EOF" {
			return err
		}
		return fmt.Errorf("chstore: unterminated row (server error?): %.300q", line)
	}
	line = line[:len(line)-1]
	n := 0
	start := 0
	for i := 0; i <= len(line); i++ {
		if i == len(line) || line[i] == '\t' {
			if n == numCols {
				return fmt.Errorf("chstore: row has more than %d columns: %.300q", numCols, line)
			}
			fields[n] = line[start:i]
			n++
			start = i + 1
		}
	}
	if n != numCols {
		return fmt.Errorf("chstore: %w (%d of %d columns; a server error?): %.300q", errShortRow, n, numCols, line)
	}
	u := func(i int) uint64 { v, _ := strconv.ParseUint(string(fields[i]), 10, 64); return v }
	s := func(i int) int64 { v, _ := strconv.ParseInt(string(fields[i]), 10, 64); return v }
	r.sec, r.ns = uint32(u(0)), uint32(u(1))
	lo, hi := u(2), u(3)
	r.lo, r.hi = lo, hi
	r.file = u(4)
	off := s(5)
	r.off = uint64(off)
	kind := u(7)
	rec := parse.Record{
		Offset: off, Line: s(6), TimePrecision: time.Duration(s(9)), Lines: int32(u(10)), Problems: parse.Problem(u(11)),
		SpanID: unescape(fields[12]), File: unescape(fields[13]), Level: unescape(fields[14]), Msg: unescape(fields[15]),
		Service: unescape(fields[16]), Caller: unescape(fields[17]), TraceFlags: unescape(fields[18]), Stream: unescape(fields[19]),
		Raw: unescape(fields[20]),
	}
	if kind&kindTime != 0 {
		rec.Time = time.Unix(0, s(8)).UTC()
	}
	if kind&kindTraceID != 0 {
		var id [16]byte
		binary.BigEndian.PutUint64(id[:8], hi)
		binary.BigEndian.PutUint64(id[8:], lo)
		rec.TraceID = hex.EncodeToString(id[:])
	}
	if kind&kindTraceIDLow != 0 {
		var id [8]byte
		binary.BigEndian.PutUint64(id[:], lo)
		rec.TraceIDLow = hex.EncodeToString(id[:])
	}
	r.e = store.Entry{Record: rec, At: time.Unix(int64(r.sec), int64(r.ns)).UTC()}
	return nil
}

// unescape undoes ClickHouse's TabSeparated escaping (\b \f \r \n \t \0
// \' \\; any other escaped byte stands for itself).
func unescape(f []byte) string {
	i := 0
	for i < len(f) && f[i] != '\\' {
		i++
	}
	if i == len(f) {
		return string(f)
	}
	out := make([]byte, 0, len(f))
	out = append(out, f[:i]...)
	for ; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 == len(f) {
			out = append(out, c)
			continue
		}
		i++
		switch f[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '0':
			out = append(out, 0)
		default:
			out = append(out, f[i])
		}
	}
	return string(out)
}

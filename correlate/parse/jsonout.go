package parse

import (
	"bufio"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends r, without a trailing newline, as the JSONL object
// that `correlate parse` and `correlate logs` print (these keys are fixed):
//
//	{"file":…,"line":12,"trace_id":…,"span_id":…,"time":"<RFC3339Nano or empty>","level":…,"msg":…,"service":…}
//
// followed, when set, by "trace_id_low", "trace_flags", "caller" and
// "stream". Strings are escaped as encoding/json does (without its HTML
// escaping); each byte of invalid UTF-8 becomes \ufffd, so the output is
// always valid JSON and the damage stays visible.
func (r *Record) AppendJSON(dst []byte) []byte {
	return r.appendJSON(dst, false)
}

// AppendJSONRaw is AppendJSON with a final "raw" key holding Record.Raw.
func (r *Record) AppendJSONRaw(dst []byte) []byte {
	return r.appendJSON(dst, true)
}

// WriteJSONL writes recs to w as JSONL, one AppendJSON object a line
// (AppendJSONRaw's with raw): what `correlate logs` prints.
func WriteJSONL(w io.Writer, recs []Record, raw bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	buf := make([]byte, 0, 4096)
	for i := range recs {
		buf = append(recs[i].appendJSON(buf[:0], raw), '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func (r *Record) appendJSON(dst []byte, raw bool) []byte {
	dst = append(dst, `{"file":`...)
	dst = appendJSONString(dst, r.File)
	dst = append(dst, `,"line":`...)
	dst = strconv.AppendInt(dst, r.Line, 10)
	dst = append(dst, `,"trace_id":`...)
	dst = appendJSONString(dst, r.TraceID)
	dst = append(dst, `,"span_id":`...)
	dst = appendJSONString(dst, r.SpanID)
	dst = append(dst, `,"time":"`...)
	if !r.Time.IsZero() {
		dst = r.Time.AppendFormat(dst, time.RFC3339Nano)
	}
	dst = append(dst, `","level":`...)
	dst = appendJSONString(dst, r.Level)
	dst = append(dst, `,"msg":`...)
	dst = appendJSONString(dst, r.Msg)
	dst = append(dst, `,"service":`...)
	dst = appendJSONString(dst, r.Service)
	if r.TraceIDLow != "" {
		dst = append(dst, `,"trace_id_low":`...)
		dst = appendJSONString(dst, r.TraceIDLow)
	}
	if r.TraceFlags != "" {
		dst = append(dst, `,"trace_flags":`...)
		dst = appendJSONString(dst, r.TraceFlags)
	}
	if r.Caller != "" {
		dst = append(dst, `,"caller":`...)
		dst = appendJSONString(dst, r.Caller)
	}
	if r.Stream != "" {
		dst = append(dst, `,"stream":`...)
		dst = appendJSONString(dst, r.Stream)
	}
	if raw {
		dst = append(dst, `,"raw":`...)
		dst = appendJSONString(dst, r.Raw)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string, escaped as encoding/json
// does without its HTML escaping; invalid UTF-8 bytes become \ufffd one for
// one. Views that write the same line objects use it too.
func AppendJSONString(dst []byte, s string) []byte { return appendJSONString(dst, s) }

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

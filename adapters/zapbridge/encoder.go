package zapbridge

import (
	"bytes"
	"reflect"
	"unsafe"

	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/logbridge"
)

// jsonEncoder is zap's JSON encoder, plus one shortcut: the span fields the
// bridge core hands over are copied into the finished line as ready JSON,
// instead of being escaped key by key and byte by byte. Zap's encoder spends
// ~135 ns here on the three fields of the OTel profile; copying them costs a
// fraction of that.
type jsonEncoder struct {
	zapcore.Encoder
	// end is what zap's encoder writes after the last field: the closing
	// brace and the line ending.
	end []byte
}

// NewJSONEncoder returns zap's JSON encoder for cfg (zapcore.NewJSONEncoder)
// that writes the trace fields a NewCore bridge gives it faster: rendered
// from the span context as ready JSON at the end of the line (or copied so
// from the encoded fields), where zap's own encoder escapes them key by
// key. Lines are the same JSON object, with the trace fields last.
// Everything else, including fields from With and every other encoder call,
// is zap's encoder's own work.
//
//	enc := zapbridge.NewJSONEncoder(zap.NewProductionEncoderConfig())
//	logger := zap.New(zapbridge.NewCore(zapcore.NewCore(enc, zapcore.AddSync(os.Stdout), zap.InfoLevel)))
//
// Through any other encoder, or a core that does not come from NewCore, the
// trace fields are written as ordinary fields.
func NewJSONEncoder(cfg zapcore.EncoderConfig) zapcore.Encoder {
	end := []byte{'}'}
	if !cfg.SkipLineEnding {
		if cfg.LineEnding == "" {
			end = append(end, zapcore.DefaultLineEnding...)
		} else {
			end = append(end, cfg.LineEnding...)
		}
	}
	return &jsonEncoder{Encoder: zapcore.NewJSONEncoder(cfg), end: end}
}

// Clone implements zapcore.Encoder.
func (e *jsonEncoder) Clone() zapcore.Encoder {
	return &jsonEncoder{Encoder: e.Encoder.Clone(), end: e.end}
}

// EncodeEntry implements zapcore.Encoder. The bridge core puts a span's
// fields first in the list; when they need no escaping, the rest is encoded
// by zap and the span's JSON is appended before the closing brace.
func (e *jsonEncoder) EncodeEntry(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	if len(fields) == 0 || fields[0].Type != zapcore.InlineMarshalerType {
		return e.Encoder.EncodeEntry(ent, fields)
	}
	if rs, ok := fields[0].Interface.(*renderedSpan); ok {
		return e.encodeRendered(ent, fields, rs)
	}
	sf, ok := fields[0].Interface.(*spanFields)
	if !ok || !(*logbridge.SpanFields)(sf).PlainJSON() {
		return e.Encoder.EncodeEntry(ent, fields)
	}
	buf, err := e.Encoder.EncodeEntry(ent, fields[1:])
	if err != nil {
		return buf, err
	}
	b := buf.Bytes()
	if !bytes.HasSuffix(b, e.end) {
		// Not the line zap writes today: let zap write the fields itself.
		buf.Free()
		return e.Encoder.EncodeEntry(ent, fields)
	}
	body := len(b) - len(e.end)
	comma := body > 0 && b[body-1] != '{'
	buf.Reset()
	buf.AppendBytes(b[:body]) // the same bytes, in place: trims the end
	// The span's JSON is built on the stack and appended in one copy, or a
	// few for many profiles; a field too long for the stack goes straight
	// into buf.
	var tmp [256]byte
	j := tmp[:0]
	for i := range sf.Fields {
		f := &sf.Fields[i]
		need := len(f.Key) + len(f.String) + len(`,"":"false"`)
		if len(j)+need > len(tmp) {
			buf.AppendBytes(j)
			j = tmp[:0]
		}
		if need > len(tmp) {
			buf.AppendBytes(appendField(nil, f, comma))
		} else {
			j = appendField(j, f, comma)
		}
		comma = true
	}
	if len(j)+len(e.end) > len(tmp) {
		buf.AppendBytes(j)
		j = tmp[:0]
	}
	buf.AppendBytes(append(j, e.end...))
	return buf, nil
}

// encodeRendered is EncodeEntry for a line whose span the bridge core
// handed over as a span context: zap encodes the rest, and the span's
// fields are rendered from the Bridge's template before the closing brace.
func (e *jsonEncoder) encodeRendered(ent zapcore.Entry, fields []zapcore.Field, rs *renderedSpan) (*buffer.Buffer, error) {
	buf, err := e.Encoder.EncodeEntry(ent, fields[1:])
	if err != nil {
		return buf, err
	}
	b := buf.Bytes()
	tmpl := rs.b.JSONTemplate()
	if !bytes.HasSuffix(b, e.end) || tmpl.Max()+1+len(e.end) > renderBuf {
		// Not the line zap writes today, or an end too long for the
		// buffer: take the path of encoded fields. fields is the bridge
		// core's scratch slice, which it hands to this encoder only.
		buf.Free()
		fields[0] = inline(rs.b.SpanFields(rs.sc))
		return e.EncodeEntry(ent, fields)
	}
	body := len(b) - len(e.end)
	buf.Reset()
	buf.AppendBytes(b[:body]) // the same bytes, in place: trims the end
	var tmp [renderBuf]byte
	j := tmp[:0]
	if body > 0 && b[body-1] != '{' {
		j = append(j, ',')
	}
	j = tmpl.Append(j, rs.sc)
	buf.AppendBytes(append(j, e.end...))
	return buf, nil
}

// renderBuf is the stack buffer a line's span fields are rendered into.
const renderBuf = 256

// rendersFor reports whether a bridge core over next may hand lines' span
// contexts to next's encoder (renderedSpan): next is a core made by
// zapcore.NewCore whose encoder is NewJSONEncoder's, and b's fields render
// from a template that fits renderBuf, with nothing else (no baggage) and
// no escaping.
func rendersFor(next zapcore.Core, b *logbridge.Bridge) bool {
	t := b.JSONTemplate()
	if ioCoreEncOffset == noOffset || t == nil || t.Max() > renderBuf-16 || !b.PlainJSON() || b.HasBaggage() {
		return false
	}
	enc := *(*zapcore.Encoder)(unsafe.Add(reflect.ValueOf(next).UnsafePointer(), ioCoreEncOffset))
	_, ours := enc.(*jsonEncoder)
	return ours
}

// ioCoreEncOffset is the offset of the encoder in zapcore.NewCore's core,
// found by name and type at start-up; noOffset if a zap release renames or
// retypes it (the bridge then hands over encoded SpanFields, as to any
// encoder).
var ioCoreEncOffset = func() uintptr {
	f, ok := ioCoreType.Elem().FieldByName("enc")
	if !ok || f.Type != reflect.TypeOf((*zapcore.Encoder)(nil)).Elem() || len(f.Index) != 1 {
		return noOffset
	}
	return f.Offset
}()

const noOffset = ^uintptr(0)

// appendField appends f as a JSON member, after a comma unless it is the
// first one; its key and value need no escaping (PlainJSON).
func appendField(dst []byte, f *logbridge.Field, comma bool) []byte {
	if comma {
		dst = append(dst, ',')
	}
	return f.AppendJSON(dst)
}

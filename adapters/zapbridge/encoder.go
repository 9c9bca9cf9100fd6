package zapbridge

import (
	"bytes"
	"reflect"

	"go.opentelemetry.io/otel/trace"
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
	buf, comma, err := e.encodeOpen(ent, fields[1:])
	if buf == nil && err == nil {
		// Not the line zap writes today: let zap write the fields itself.
		return e.Encoder.EncodeEntry(ent, fields)
	}
	if err != nil {
		return buf, err
	}
	// The span's JSON is built on the stack and appended in one copy, or a
	// few for many profiles; a field too long for the stack goes straight
	// into buf.
	var tmp [renderBuf]byte
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
	buf, err := e.encodeSpan(ent, fields[1:], rs.b.JSONTemplate(), &rs.sc)
	if buf == nil && err == nil {
		// Not the line zap writes today: take the path of encoded
		// fields. fields is the bridge core's scratch slice, which it
		// hands to this encoder only.
		fields[0] = inline(rs.b.SpanFields(rs.sc))
		return e.EncodeEntry(ent, fields)
	}
	return buf, err
}

// encodeSpan encodes a line whose fields zap's encoder writes as they are,
// and renders sc's fields from t before the closing brace. A nil buf and
// err mean the line did not end as zap's does (nothing is kept).
func (e *jsonEncoder) encodeSpan(ent zapcore.Entry, fields []zapcore.Field, t *logbridge.JSONTemplate, sc *trace.SpanContext) (*buffer.Buffer, error) {
	buf, comma, err := e.encodeOpen(ent, fields)
	if buf != nil && err == nil {
		e.appendSpan(buf, comma, t, sc)
	}
	return buf, err
}

// appendSpan appends sc's fields, rendered from t, and the line's end to
// buf, whose line is open after its last field.
func (e *jsonEncoder) appendSpan(buf *buffer.Buffer, comma bool, t *logbridge.JSONTemplate, sc *trace.SpanContext) {
	var tmp [renderBuf]byte
	j := tmp[:0]
	if comma {
		j = append(j, ',')
	}
	j = t.Append(j, *sc)
	buf.AppendBytes(append(j, e.end...))
}

// encodeOpen encodes the line with zap's encoder and trims the end zap
// writes after the last field (the closing brace and line ending), so that
// members can be appended; comma says whether one must come first. A nil
// buf and err mean the line did not end as zap's does (nothing is kept).
func (e *jsonEncoder) encodeOpen(ent zapcore.Entry, fields []zapcore.Field) (buf *buffer.Buffer, comma bool, err error) {
	buf, err = e.Encoder.EncodeEntry(ent, fields)
	if err != nil {
		return buf, false, err
	}
	b := buf.Bytes()
	if !bytes.HasSuffix(b, e.end) {
		buf.Free()
		return nil, false, nil
	}
	body := len(b) - len(e.end)
	comma = body > 0 && b[body-1] != '{'
	buf.Reset()
	buf.AppendBytes(b[:body]) // the same bytes, in place: trims the end
	return buf, comma, nil
}

// renderBuf is the stack buffer a line's span fields are rendered into.
const renderBuf = 256

// rendersFor reports whether a bridge core may hand lines' span contexts to
// enc, the NewJSONEncoder encoder of the zapcore.NewCore core it wraps
// (renderedSpan): b's fields render from a template, with nothing else (no
// baggage) and no escaping, into renderBuf together with the encoder's
// line end.
func rendersFor(enc *jsonEncoder, b *logbridge.Bridge) bool {
	t := b.JSONTemplate()
	return t != nil && b.PlainJSON() && !b.HasBaggage() && t.Max()+1+len(enc.end) <= renderBuf
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

// ioCoreOutOffset is the offset of the output in zapcore.NewCore's core,
// found as ioCoreEncOffset is; noOffset turns off the bridge's own write of
// rendered lines (core.writeRendered), and lines go through the core's
// Write.
var ioCoreOutOffset = func() uintptr {
	f, ok := ioCoreType.Elem().FieldByName("out")
	if ioCoreEncOffset == noOffset || !ok || f.Type != reflect.TypeOf((*zapcore.WriteSyncer)(nil)).Elem() || len(f.Index) != 1 {
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

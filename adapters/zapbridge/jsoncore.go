package zapbridge

import (
	"bytes"
	"slices"
	"sync"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
)

var _ zapcore.Core = (*JSONCore)(nil)

// JSONCore is a zapcore.Core that writes JSON lines with the trace fields
// of each line's context, returned by NewJSONCore.
type JSONCore struct {
	enab zapcore.LevelEnabler
	out  zapcore.WriteSyncer
	b    *bridge.Bridge
	keys []string // the keys of a span's fields
	// keyLens has bit n set when a key among keys is n bytes long (n <
	// 64), or bit 0 when one is longer: a field whose key length is not
	// among them cannot collide.
	keyLens uint64
	// tmpl renders a span's fields as JSON, byte for byte as zap's encoder
	// writes them; nil when it would not (zap's encoder writes them then).
	tmpl *bridge.JSONTemplate
	end  []byte // what zap's encoder writes after the last field
	// tail is a comma, the template's skeleton and end, when the template
	// has a skeleton: a line with only the span's fields is finished by
	// copying it over the line's end and filling in the ids.
	tail []byte
	bind binding

	// enc encodes the lines with a span, and plain those without one.
	// They differ only when With was given a top-level field whose key
	// the bridge writes for a span, which plain keeps and enc drops.
	enc, plain zapcore.Encoder
	// small: the template's longest rendering, a comma and the line's
	// end fit into smallRenderBuf.
	small bool
	// nested: With opened a zap.Namespace in enc; no later field is at
	// the top level of a line.
	nested bool
	// fast: the core has a skeleton, no binding and no baggage, so a
	// line with only its own span's fields takes encode's short path.
	fast bool
	// heldBag are the top-level fields given to With whose key is a
	// baggage member's the bridge copies: each is written, after the
	// bridge's fields, on the lines that lack that member.
	heldBag []zapcore.Field
}

// NewJSONCore returns a core that writes each line as
// zapcore.NewCore(zapcore.NewJSONEncoder(cfg), ws, enab) does, byte for
// byte, with the trace fields of the line's context added at the top level,
// after the line's other fields, under the profiles that opts select. It is
// the recommended set-up for JSON lines: the bridge owns the encoder and
// the output, so it writes the trace fields as ready JSON, rendered from
// the span context, where zap's encoder would escape them byte by byte.
// Baggage members are written as zap's fields, before the line's own.
func NewJSONCore(cfg zapcore.EncoderConfig, ws zapcore.WriteSyncer, enab zapcore.LevelEnabler, opts ...logbridge.Option) *JSONCore {
	b := bridge.New(opts...)
	enc := zapcore.NewJSONEncoder(cfg)
	end := []byte{'}'}
	if !cfg.SkipLineEnding {
		if cfg.LineEnding == "" {
			end = append(end, zapcore.DefaultLineEnding...)
		} else {
			end = append(end, cfg.LineEnding...)
		}
	}
	keys := b.SpanKeys()
	c := &JSONCore{enab: enab, out: ws, b: b, keys: keys, keyLens: lengthsOf(keys), tmpl: zapTemplate(b), end: end, enc: enc, plain: enc}
	c.small = c.tmpl != nil && c.tmpl.Max()+1+len(end) <= smallRenderBuf
	if c.tmpl != nil && c.tmpl.Skeleton() != nil {
		c.tail = append(append([]byte{','}, c.tmpl.Skeleton()...), end...)
	}
	c.fast = c.tail != nil && !b.HasBaggage()
	return c
}

// zapTemplate returns b's JSON template when it renders a span's fields as
// zap's JSON encoder writes them (zap escapes some text differently from
// the template), for a sampled and an unsampled span; nil otherwise.
func zapTemplate(b *bridge.Bridge) *bridge.JSONTemplate {
	t := b.JSONTemplate()
	if t == nil {
		return nil
	}
	for _, flags := range []trace.TraceFlags{trace.FlagsSampled, 0} {
		sc := probeSpan.WithTraceFlags(flags)
		if string(appendZapMembers(nil, false, []zapcore.Field{inline(b.SpanFields(sc))})) != string(t.Append(nil, sc)) {
			return nil
		}
	}
	return t
}

// Enabled reports whether the core writes lines at lvl.
func (c *JSONCore) Enabled(lvl zapcore.Level) bool { return c.enab.Enabled(lvl) }

// Level reports the minimum enabled level, so that zap.Logger.Level and
// zapcore.LevelOf see it.
func (c *JSONCore) Level() zapcore.Level { return zapcore.LevelOf(c.enab) }

// Sync flushes the output.
func (c *JSONCore) Sync() error { return c.out.Sync() }

// With returns a child core with fields added to every line; c is not
// changed. A context among fields binds its span (and baggage) to every
// line of the child and is not written. A context without a valid span does
// not unbind a span bound before.
func (c *JSONCore) With(fields []zapcore.Field) zapcore.Core {
	clone := *c
	clone.enc = c.enc.Clone()
	clone.plain = clone.enc
	if c.plain != c.enc {
		clone.plain = c.plain.Clone()
	}
	ctx, _, _ := scan(fields)
	if ctx != nil {
		clone.bind.bind(c.b, ctx)
		clone.fast = false
	}
	for i := range fields {
		f := &fields[i]
		if _, isCtx := contextOf(f); isCtx {
			continue
		}
		if !clone.nested && copiesBaggage(c.b, f.Key) {
			clone.heldBag = append(slices.Clip(clone.heldBag), *f)
			continue
		}
		if !clone.nested && hasKey(c.keys, f.Key) {
			if clone.plain == clone.enc {
				clone.plain = clone.enc.Clone()
			}
			f.AddTo(clone.plain)
			continue
		}
		if f.Type == zapcore.NamespaceType {
			clone.nested = true
		}
		f.AddTo(clone.enc)
		if clone.plain != clone.enc {
			f.AddTo(clone.plain)
		}
	}
	return &clone
}

// Check adds c to ce when its level is enabled.
func (c *JSONCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.enab.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

// Write encodes the line with the trace fields of its context and writes
// it; a line above the error level then syncs the output, as zap's core
// does.
func (c *JSONCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	buf, err := c.encode(ent, fields)
	if err != nil {
		return err
	}
	_, err = c.out.Write(buf.Bytes())
	buf.Free()
	if err != nil {
		return err
	}
	if ent.Level > zapcore.ErrorLevel {
		_ = c.out.Sync()
	}
	return nil
}

// maxLineBaggage is how many baggage members a line reads without
// allocating.
const maxLineBaggage = 4

// encode encodes a line and inserts the bridge's fields at its end. The
// caller's fields go to zap's encoder as they are, unless a context among
// them would be printed (zap.Any's) or a top-level field has a key the
// bridge writes on the line: then a pooled copy without them is encoded.
func (c *JSONCore) encode(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	if c.fast {
		// The usual line: its own span's fields, rendered from the
		// skeleton, and nothing else to add.
		ctx, plain := lineContext(fields, !c.nested, c.keys, c.keyLens)
		if ctx == nil && plain {
			return c.plain.EncodeEntry(ent, fields)
		}
		if plain {
			if sc, ok := spanContextOf(ctx); ok {
				buf, err := c.enc.EncodeEntry(ent, fields)
				if err != nil || c.splice(buf, &sc) {
					return buf, err
				}
				buf.Free()
			}
		}
	}
	return c.encodeAny(ent, fields)
}

// encodeAny encodes any line: one with fields bound by With, baggage, a
// clashing key, a printed context, or a line end the skeleton does not
// follow.
func (c *JSONCore) encodeAny(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	ctx, n, printed := scan(fields)
	d := &c.bind
	if n == 0 && !d.bound && len(c.heldBag) == 0 {
		return c.plain.EncodeEntry(ent, fields)
	}
	sc, ok, fromLine := d.resolve(ctx)
	enc, keys := c.plain, []string(nil)
	if ok {
		enc, keys = c.enc, c.keys
	}
	bag := d.bag
	if fromLine {
		bag = nil
		if c.b.HasBaggage() {
			var arr [maxLineBaggage]zapcore.Field
			bag = appendBaggage(arr[:0], c.b, ctx)
		}
	}
	list := fields
	var s *scratch
	if printed || collides(fields, !c.nested, keys, bag) {
		s = scratches.Get().(*scratch)
		s.fields = appendLineFields(s.fields[:0], fields, !c.nested, keys, bag)
		list = s.fields
	}
	buf, err := enc.EncodeEntry(ent, list)
	if err == nil && (ok || len(bag) > 0 || len(c.heldBag) > 0) {
		var span *bridge.SpanFields
		if ok && c.tmpl == nil {
			span = c.spanFields(sc, fromLine)
		}
		if s == nil && (span != nil || len(bag) > 0 || len(c.heldBag) > 0) {
			s = scratches.Get().(*scratch)
		}
		if !c.appendFields(buf, ok, &sc, span, bag, s) {
			// Not the end zap's encoder writes today: let it write the
			// bridge's fields itself, first among the line's.
			buf.Free()
			if s == nil {
				s = scratches.Get().(*scratch)
			}
			out := s.fields[:0]
			if ok {
				out = append(out, inline(c.spanFields(sc, fromLine)))
			}
			out = c.appendHeld(append(out, bag...), bag)
			s.fields = appendLineFields(out, fields, !c.nested, keys, bag)
			buf, err = enc.EncodeEntry(ent, s.fields)
		}
	}
	if s != nil {
		s.release()
	}
	return buf, err
}

// spanFields returns sc's encoded fields, the bound span's unless
// fromLine.
func (c *JSONCore) spanFields(sc trace.SpanContext, fromLine bool) *bridge.SpanFields {
	if fromLine {
		return c.b.SpanFields(sc)
	}
	return c.bind.span
}

// appendFields inserts the bridge's fields before the end of the line in
// buf, after a comma unless the line has no other member: when ok, sc's
// fields rendered from the template (or span, encoded by zap's encoder,
// when there is no template), then the baggage members bag, encoded by
// zap's encoder; s is scratch space for those. It reports false, leaving
// buf as it was, when buf does not end as zap's encoder ends a line.
func (c *JSONCore) appendFields(buf *buffer.Buffer, ok bool, sc *trace.SpanContext, span *bridge.SpanFields, bag []zapcore.Field, s *scratch) bool {
	line := buf.Bytes()
	if !bytes.HasSuffix(line, c.end) {
		return false
	}
	if ok && c.tail != nil && span == nil && len(bag) == 0 && len(c.heldBag) == 0 {
		return c.splice(buf, sc)
	}
	// The stack buffer is zeroed on every line: the usual profiles take
	// the small one.
	if c.small {
		var tmp [smallRenderBuf]byte
		c.insert(buf, line, tmp[:0], ok, sc, span, bag, s)
	} else {
		var tmp [renderBuf]byte
		c.insert(buf, line, tmp[:0], ok, sc, span, bag, s)
	}
	return true
}

// splice puts sc's fields, rendered from the template's skeleton, in place
// of the end of the line in buf, after a comma unless the line has no
// other member. It reports false, leaving buf as it was, when buf does not
// end as zap's encoder ends a line. c.tail must be set.
func (c *JSONCore) splice(buf *buffer.Buffer, sc *trace.SpanContext) bool {
	line := buf.Bytes()
	if !bytes.HasSuffix(line, c.end) {
		return false
	}
	body := len(line) - len(c.end)
	tail := c.tail
	if body == 0 || line[body-1] == '{' {
		tail = tail[1:]
	}
	n := copy(line[body:], tail)
	buf.AppendBytes(tail[n:])
	c.tmpl.Fill(buf.Bytes()[body+len(tail)-len(c.tail)+1:], sc)
	return true
}

// insert renders the bridge's fields and the line's end into j and puts
// them in place of the end of line, the bytes of buf (zap's buffer hands
// them out to be changed).
func (c *JSONCore) insert(buf *buffer.Buffer, line, j []byte, ok bool, sc *trace.SpanContext, span *bridge.SpanFields, bag []zapcore.Field, s *scratch) {
	body := len(line) - len(c.end)
	comma := body > 0 && line[body-1] != '{'
	if ok && c.tmpl != nil {
		if comma {
			j = append(j, ',')
		}
		j, comma = c.tmpl.Append(j, *sc), true
	}
	if span != nil || len(bag) > 0 || len(c.heldBag) > 0 {
		s.members = s.members[:0]
		if span != nil {
			s.members = append(s.members, inline(span))
		}
		s.members = c.appendHeld(append(s.members, bag...), bag)
		j = appendZapMembers(j, comma, s.members)
	}
	j = append(j, c.end...)
	n := copy(line[body:], j)
	buf.AppendBytes(j[n:])
}

// smallRenderBuf is the size of the stack buffer the bridge's fields are
// rendered into when the template and the line's end fit: one profile with
// a short service name.
const smallRenderBuf = 160

// renderBuf is the size of the stack buffer the bridge's fields are
// rendered into: enough for every profile with a service name. Longer
// renderings allocate.
const renderBuf = 512

// appendHeld appends the fields With held back whose baggage member is not
// among the line's, bag.
func (c *JSONCore) appendHeld(dst, bag []zapcore.Field) []zapcore.Field {
	for i := range c.heldBag {
		if !bagHasKey(bag, c.heldBag[i].Key) {
			dst = append(dst, c.heldBag[i])
		}
	}
	return dst
}

// membersEncoder encodes fields alone, as {members}.
var membersEncoder = zapcore.NewJSONEncoder(zapcore.EncoderConfig{SkipLineEnding: true})

// appendZapMembers appends fields to dst as zap's JSON encoder writes them,
// without the braces around them, after a comma if comma is set and they
// write any member.
func appendZapMembers(dst []byte, comma bool, fields []zapcore.Field) []byte {
	buf, err := membersEncoder.EncodeEntry(zapcore.Entry{}, fields)
	if err == nil {
		if b := buf.Bytes(); len(b) > 2 {
			if comma {
				dst = append(dst, ',')
			}
			dst = append(dst, b[1:len(b)-1]...)
		}
	}
	buf.Free()
	return dst
}

// scratch is pooled space for a line's rewritten fields.
type scratch struct{ fields, members []zapcore.Field }

var scratches = sync.Pool{New: func() any { return &scratch{fields: make([]zapcore.Field, 0, 8)} }}

// release clears s and returns it to the pool.
func (s *scratch) release() {
	clear(s.fields)
	clear(s.members)
	s.fields, s.members = s.fields[:0], s.members[:0]
	if cap(s.fields) <= maxPooledFields && cap(s.members) <= maxPooledFields {
		scratches.Put(s)
	}
}

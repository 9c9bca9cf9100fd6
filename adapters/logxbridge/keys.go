package logxbridge

import (
	"sync"
	"sync/atomic"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
	"go.opentelemetry.io/otel/trace"
)

// role says what a key of a logx line means to the Bridge.
type role uint8

const (
	roleNone    role = iota
	roleTrace        // a trace id: logx's "trace" (before FieldKeys, and their default), or a profile's trace key
	roleSpan         // a span id: logx's "span", or a profile's span key
	roleFlags        // a profile's sampling key, written by the context side
	roleService      // a profile's service key, when WithService is set
)

type keyRole struct {
	key  string
	role role
	ours bool // the Bridge writes this key
}

// lineFields is the compiled form of a Bridge for logx lines: which keys
// it reads and replaces, and the encoded fields of recent spans.
type lineFields struct {
	b     *bridge.Bridge
	keys  []keyRole      // a few keys: a linear scan beats a map here
	flags []string       // the profiles' sampling keys
	boxed map[string]any // values boxed once: flags, the service name
	cache [entrySlots]atomic.Pointer[spanEntry]
	pool  sync.Pool
}

// entrySlots is the size of the direct-mapped cache of spans already
// turned into logx fields; a miss costs the allocations of one span.
const entrySlots = 256

// spanEntry is one span's fields as logx values, shared by every line of
// the span and never written after it is published.
type spanEntry struct {
	sc         trace.SpanContext
	flagsKnown bool
	fields     []logx.LogField
	inline     [6]logx.LogField
}

func newLineFields(opts []logbridge.Option) *lineFields {
	lf := &lineFields{b: bridge.New(opts...)}
	add := func(k string, r role, ours bool) {
		if k == "" {
			return
		}
		if kr := lf.lookup(k); kr != nil {
			kr.ours = kr.ours || ours
			return
		}
		lf.keys = append(lf.keys, keyRole{k, r, ours})
	}
	// Ids are read under logx's own keys and under every key SetFieldKeys
	// may have pointed logx at, whatever profiles this Bridge writes.
	for _, p := range []logbridge.Profile{logbridge.GoZero, logbridge.OTel, logbridge.ECS} {
		add(p.TraceKey(), roleTrace, false)
		add(p.SpanKey(), roleSpan, false)
	}
	for _, p := range lf.b.Profiles() {
		add(p.TraceKey, roleTrace, true)
		add(p.SpanKey, roleSpan, true)
		add(p.FlagsKey, roleFlags, true)
		if p.FlagsKey != "" {
			lf.flags = append(lf.flags, p.FlagsKey)
		}
	}
	// The service fields are the ones a span's fields carry beyond its ids
	// and flags; a probe span shows whether WithService set any.
	probe := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}})
	for _, p := range lf.b.Profiles() {
		for _, f := range lf.b.SpanFields(probe).Fields {
			if f.Key == p.ServiceKey {
				add(f.Key, roleService, true)
			}
		}
	}
	lf.boxed = map[string]any{"01": "01", "00": "00"}
	for _, k := range lf.keys {
		if k.role == roleService {
			for _, f := range lf.b.SpanFields(probe).Fields {
				if f.Key == k.key {
					lf.boxed[f.String] = f.String
				}
			}
		}
	}
	lf.pool.New = func() any {
		s := make([]logx.LogField, 0, 16)
		return &s
	}
	return lf
}

// lookup returns the role of key, or nil when the key means nothing to
// the Bridge.
func (lf *lineFields) lookup(key string) *keyRole {
	for i := range lf.keys {
		if lf.keys[i].key == key {
			return &lf.keys[i]
		}
	}
	return nil
}

func (lf *lineFields) role(key string) role {
	if kr := lf.lookup(key); kr != nil {
		return kr.role
	}
	return roleNone
}

func (lf *lineFields) isFlags(key string) bool {
	for _, k := range lf.flags {
		if k == key {
			return true
		}
	}
	return false
}

// read scans a line's fields for its span: the last trace and span ids
// under a key they are read under, and the last sampling decision. It
// reports false, leaving the line to be written as it is, when the line
// lacks either id. owned marks (for the first 64 fields) the fields the
// span's own fields replace: the ids read, and every field under a key the
// Bridge writes, a caller's included (ours win, each key once). logx
// appends the context's ids after the caller's fields, and the context
// side's fields after those, so its own are the last.
func (lf *lineFields) read(fields []logx.LogField) (ids lineIDs, owned uint64, ok bool) {
	if len(fields) > 64 {
		return ids, 0, false
	}
	for i := range fields {
		f := &fields[i]
		kr := lf.lookup(f.Key)
		if kr == nil {
			continue
		}
		switch kr.role {
		case roleTrace:
			if ids.readTrace(f.Value) {
				owned |= 1 << uint(i)
				continue
			}
		case roleSpan:
			if ids.readSpan(f.Value, f.Key == logbridge.Datadog.SpanKey()) {
				owned |= 1 << uint(i)
				continue
			}
		case roleFlags:
			ids.readFlags(f.Value)
		}
		if kr.ours {
			owned |= 1 << uint(i)
		}
	}
	return ids, owned, ids.hasTrace && ids.hasSpan
}

// entry returns the logx fields of a span, from the cache when the span was
// seen recently.
func (lf *lineFields) entry(ids *lineIDs, sc trace.SpanContext) *spanEntry {
	tid, sid := sc.TraceID(), sc.SpanID()
	slot := &lf.cache[(uint(sid[7])|uint(sid[6])<<8^uint(tid[15]))%entrySlots]
	if e := slot.Load(); e != nil && e.flagsKnown == ids.flagsKnown && e.sc.Equal(sc) {
		return e
	}
	sf := lf.b.SpanFields(sc)
	e := &spanEntry{sc: sc, flagsKnown: ids.flagsKnown}
	e.fields = e.inline[:0]
	if len(sf.Fields) > len(e.inline) {
		e.fields = make([]logx.LogField, 0, len(sf.Fields))
	}
	for _, f := range sf.Fields {
		if !ids.flagsKnown && lf.isFlags(f.Key) {
			// A writer that never saw the sampling decision does not guess it.
			continue
		}
		e.fields = append(e.fields, logx.LogField{Key: f.Key, Value: lf.value(ids, f)})
	}
	slot.Store(e)
	return e
}

// value boxes a field's value for logx, reusing an interface that already
// holds the same string (the line's own hex ids, the flags, the service
// name) so that a span's first line allocates little.
func (lf *lineFields) value(ids *lineIDs, f bridge.Field) any {
	if f.Kind == bridge.BoolKind {
		return f.Bool
	}
	if s, ok := ids.traceVal.(string); ok && s == f.String {
		return ids.traceVal
	}
	if s, ok := ids.spanVal.(string); ok && s == f.String {
		return ids.spanVal
	}
	if v, ok := lf.boxed[f.String]; ok {
		return v
	}
	return f.String
}

// rewrite returns fields with the span's ids under the profiles' keys,
// once each, and the pooled buffer to release after the line is written
// (nil when fields are returned as they are).
func (lf *lineFields) rewrite(fields []logx.LogField) ([]logx.LogField, *[]logx.LogField) {
	ids, owned, ok := lf.read(fields)
	if !ok {
		return fields, nil
	}
	sc, ok := ids.spanContext()
	if !ok {
		return fields, nil
	}
	e := lf.entry(&ids, sc)
	buf := lf.pool.Get().(*[]logx.LogField)
	out := (*buf)[:0]
	for i := range fields {
		if owned&(1<<uint(i)) == 0 {
			out = append(out, fields[i])
		}
	}
	out = append(out, e.fields...)
	*buf = out
	return out, buf
}

func (lf *lineFields) release(buf *[]logx.LogField) {
	if buf == nil || cap(*buf) > 256 {
		return
	}
	clear(*buf) // drop references to the caller's values
	*buf = (*buf)[:0]
	lf.pool.Put(buf)
}

package redact

import (
	"strconv"

	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
)

// LogRecord masks an OTLP log record in place: its body and attributes at
// any depth (a configured key's value, whatever its type, becomes the
// string "[REDACTED]"; strings are redacted as Entry redacts text; kvlists
// and arrays are walked). Call it before anything reads the record.
func (r *Redactor) LogRecord(lr *logspb.LogRecord) {
	if r == nil || lr == nil {
		return
	}
	lr.Body = r.anyValue(lr.GetBody(), "", 0)
	lr.Attributes = r.keyValues(lr.GetAttributes(), "", 0)
	if s := lr.GetEventName(); s != "" {
		lr.EventName = r.String(s)
	}
}

// Attributes masks OTLP attributes (of a resource, a scope) in place and
// returns them.
func (r *Redactor) Attributes(kvs []*commonpb.KeyValue) []*commonpb.KeyValue {
	if r == nil {
		return kvs
	}
	return r.keyValues(kvs, "", 0)
}

func (r *Redactor) keyValues(kvs []*commonpb.KeyValue, path string, depth int) []*commonpb.KeyValue {
	for _, kv := range kvs {
		if kv == nil {
			continue
		}
		key := kv.GetKey()
		sub := key
		if path != "" {
			sub = path + "." + key
		}
		if red, ch := r.plainPatterns(key); ch {
			kv.Key = red
		}
		if r.keyMatch(key, sub) {
			kv.Value = masked()
			continue
		}
		kv.Value = r.anyValue(kv.GetValue(), sub, depth+1)
	}
	return kvs
}

func (r *Redactor) anyValue(v *commonpb.AnyValue, path string, depth int) *commonpb.AnyValue {
	if v == nil {
		return nil
	}
	if depth > maxDepth {
		return masked()
	}
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		x.StringValue = r.String(x.StringValue)
	case *commonpb.AnyValue_BytesValue:
		if red, ch := r.text(x.BytesValue, depth); ch {
			x.BytesValue = red
		}
	case *commonpb.AnyValue_KvlistValue:
		if x.KvlistValue != nil {
			x.KvlistValue.Values = r.keyValues(x.KvlistValue.Values, path, depth+1)
		}
	case *commonpb.AnyValue_ArrayValue:
		if x.ArrayValue != nil {
			for i, e := range x.ArrayValue.Values {
				x.ArrayValue.Values[i] = r.anyValue(e, path, depth+1)
			}
		}
	case *commonpb.AnyValue_IntValue, *commonpb.AnyValue_DoubleValue:
		if _, ch := r.plainPatterns(anyNumber(v)); ch {
			return masked()
		}
	}
	return v
}

func masked() *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: Mask}}
}

// anyNumber is an int or double value as text, for the patterns.
func anyNumber(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	}
	return ""
}

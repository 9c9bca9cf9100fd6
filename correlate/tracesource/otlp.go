package tracesource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

// otlpTraces is OTLP JSON: ExportTraceServiceRequest, TracesData, and the
// "result" of Jaeger's api/v3 share this shape.
type otlpTraces struct {
	ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
}

type otlpResourceSpans struct {
	Resource struct {
		Attributes []otlpKeyValue `json:"attributes"`
	} `json:"resource"`
	ScopeSpans []otlpScopeSpans `json:"scopeSpans"`
	// Before OTLP 0.19 scopes were instrumentation libraries.
	InstrumentationLibrarySpans []otlpScopeSpans `json:"instrumentationLibrarySpans"`
}

type otlpScopeSpans struct {
	Scope                  otlpScope  `json:"scope"`
	InstrumentationLibrary otlpScope  `json:"instrumentationLibrary"`
	Spans                  []otlpSpan `json:"spans"`
}

type otlpScope struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type otlpSpan struct {
	TraceID           string         `json:"traceId"`
	SpanID            string         `json:"spanId"`
	ParentSpanID      string         `json:"parentSpanId"`
	Name              string         `json:"name"`
	Kind              flexEnum       `json:"kind"`
	StartTimeUnixNano flexUint       `json:"startTimeUnixNano"`
	EndTimeUnixNano   flexUint       `json:"endTimeUnixNano"`
	Attributes        []otlpKeyValue `json:"attributes"`
	Status            struct {
		Code    flexEnum `json:"code"`
		Message string   `json:"message"`
	} `json:"status"`
	Events []otlpEvent `json:"events"`
}

type otlpEvent struct {
	TimeUnixNano flexUint       `json:"timeUnixNano"`
	Name         string         `json:"name"`
	Attributes   []otlpKeyValue `json:"attributes"`
}

type otlpKeyValue struct {
	Key   string       `json:"key"`
	Value otlpAnyValue `json:"value"`
}

type otlpAnyValue struct {
	StringValue *string    `json:"stringValue"`
	BoolValue   *bool      `json:"boolValue"`
	IntValue    *flexInt   `json:"intValue"`
	DoubleValue *flexFloat `json:"doubleValue"`
	BytesValue  *string    `json:"bytesValue"`
	ArrayValue  *struct {
		Values []otlpAnyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []otlpKeyValue `json:"values"`
	} `json:"kvlistValue"`
}

// flexFloat is a double written as a number or, by protobuf JSON, as a
// string ("NaN", "Infinity", "1.5").
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	switch s {
	case "null", "":
		*f = 0
		return nil
	case "Infinity":
		*f = flexFloat(math.Inf(1))
		return nil
	case "-Infinity":
		*f = flexFloat(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a number: %.40q", s)
	}
	*f = flexFloat(v)
	return nil
}

// String renders an attribute value as the correlator shows it: strings
// as they are, numbers and booleans in their JSON form, arrays and maps as
// JSON.
func (v otlpAnyValue) String() string {
	var b strings.Builder
	v.appendTo(&b, false)
	return b.String()
}

func (v otlpAnyValue) appendTo(b *strings.Builder, nested bool) {
	switch {
	case v.StringValue != nil:
		if nested {
			b.WriteString(strconv.Quote(*v.StringValue))
		} else {
			b.WriteString(*v.StringValue)
		}
	case v.BoolValue != nil:
		b.WriteString(strconv.FormatBool(*v.BoolValue))
	case v.IntValue != nil:
		b.WriteString(strconv.FormatInt(int64(*v.IntValue), 10))
	case v.DoubleValue != nil:
		b.WriteString(strconv.FormatFloat(float64(*v.DoubleValue), 'g', -1, 64))
	case v.BytesValue != nil:
		if nested {
			b.WriteString(strconv.Quote(*v.BytesValue))
		} else {
			b.WriteString(*v.BytesValue)
		}
	case v.ArrayValue != nil:
		b.WriteByte('[')
		for i, e := range v.ArrayValue.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			e.appendTo(b, true)
		}
		b.WriteByte(']')
	case v.KvlistValue != nil:
		b.WriteByte('{')
		for i, kv := range v.KvlistValue.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(kv.Key))
			b.WriteByte(':')
			kv.Value.appendTo(b, true)
		}
		b.WriteByte('}')
	default:
		if nested {
			b.WriteString("null")
		}
	}
}

// errNoSpans is returned by decoders for a well-formed document holding no
// span with a valid trace and span id.
var errNoSpans = errors.New("no spans")

// DecodeV3 decodes the answer of Jaeger's GET /api/v3/traces/{id}: OTLP
// JSON inside {"result": …}. An {"error": …} answer becomes an error
// carrying Jaeger's message. It returns the traces in the order their
// first span appears; it never panics, whatever the input.
func DecodeV3(data []byte) ([]traces.Trace, error) {
	var doc struct {
		Result *otlpTraces `json:"result"`
		Error  *struct {
			HTTPCode int    `json:"httpCode"`
			Message  string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not Jaeger api/v3 JSON: %w", err)
	}
	if doc.Result == nil {
		if doc.Error != nil {
			return nil, fmt.Errorf("api/v3 error %d: %s", doc.Error.HTTPCode, doc.Error.Message)
		}
		return nil, errors.New(`not Jaeger api/v3 JSON: no "result"`)
	}
	return doc.Result.traces(), nil
}

// DecodeOTLP decodes OTLP JSON (ExportTraceServiceRequest or TracesData:
// {"resourceSpans": […]}), as the OpenTelemetry Collector's file exporter
// and otlptrace JSON writers produce it. Ids may be hex (the OTLP JSON
// encoding) or base64 (generic protobuf JSON). It never panics.
func DecodeOTLP(data []byte) ([]traces.Trace, error) {
	var doc otlpTraces
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not OTLP JSON: %w", err)
	}
	return doc.traces(), nil
}

// traces converts the document, skipping spans without a valid trace or
// span id, grouped by trace id in order of appearance.
func (d *otlpTraces) traces() []traces.Trace {
	var c collector
	for _, rs := range d.ResourceSpans {
		resAttrs := make(map[string]string, len(rs.Resource.Attributes))
		for _, kv := range rs.Resource.Attributes {
			resAttrs[kv.Key] = kv.Value.String()
		}
		service := resAttrs["service.name"]
		resource := traces.SortedAttrs(resAttrs)
		for _, group := range [][]otlpScopeSpans{rs.ScopeSpans, rs.InstrumentationLibrarySpans} {
			for _, ss := range group {
				scope := ss.Scope
				if scope.Name == "" {
					scope = ss.InstrumentationLibrary
				}
				for i := range ss.Spans {
					if s, ok := ss.Spans[i].span(service, scope, resAttrs, resource); ok {
						c.add(s)
					}
				}
			}
		}
	}
	return c.traces()
}

func (o *otlpSpan) span(service string, scope otlpScope, resAttrs map[string]string, resource []traces.Attr) (traces.Span, bool) {
	traceID, ok := NormalizeTraceID(o.TraceID)
	if !ok {
		return traces.Span{}, false
	}
	spanID, ok := NormalizeSpanID(o.SpanID)
	if !ok {
		return traces.Span{}, false
	}
	parent, _ := NormalizeSpanID(o.ParentSpanID)
	attrs := make(map[string]string, len(resAttrs)+len(o.Attributes)+2)
	for k, v := range resAttrs {
		attrs[k] = v
	}
	if scope.Name != "" {
		attrs["otel.scope.name"] = scope.Name
	}
	if scope.Version != "" {
		attrs["otel.scope.version"] = scope.Version
	}
	own := make(map[string]string, len(o.Attributes)+2)
	if scope.Name != "" {
		own["otel.scope.name"] = scope.Name
	}
	if scope.Version != "" {
		own["otel.scope.version"] = scope.Version
	}
	for _, kv := range o.Attributes {
		v := kv.Value.String()
		attrs[kv.Key] = v
		own[kv.Key] = v
	}
	s := traces.Span{
		TraceID:      traceID,
		SpanID:       spanID,
		ParentSpanID: parent,
		Service:      service,
		Name:         o.Name,
		Kind:         otlpKind(o.Kind),
		Start:        unixNano(uint64(o.StartTimeUnixNano)),
		Attributes:   attrs,
		Own:          traces.SortedAttrs(own),
		Resource:     resource,
		Events:       otlpEvents(o.Events),
	}
	if o.EndTimeUnixNano > o.StartTimeUnixNano {
		s.Duration = time.Duration(o.EndTimeUnixNano - o.StartTimeUnixNano)
	}
	if o.Status.Code.Num == 2 || o.Status.Code.Name == "ERROR" || isTrue(attrs["error"]) {
		s.Error = true
		s.Status = "error"
		s.StatusMsg = o.Status.Message
	} else if o.Status.Code.Num == 1 || o.Status.Code.Name == "OK" {
		s.Status = "ok"
	}
	return s, true
}

// otlpEvents converts span events, in time order.
func otlpEvents(in []otlpEvent) []traces.Event {
	if len(in) == 0 {
		return nil
	}
	out := make([]traces.Event, 0, len(in))
	for _, e := range in {
		m := make(map[string]string, len(e.Attributes))
		for _, kv := range e.Attributes {
			m[kv.Key] = kv.Value.String()
		}
		out = append(out, traces.Event{Time: unixNano(uint64(e.TimeUnixNano)), Name: e.Name, Attributes: traces.SortedAttrs(m)})
	}
	sortEvents(out)
	return out
}

// otlpKind maps OTLP's SpanKind (1 internal … 5 consumer) to the model's
// lower-case names.
func otlpKind(k flexEnum) string {
	if k.Name != "" {
		switch k.Name {
		case "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER":
			return strings.ToLower(k.Name)
		}
		return ""
	}
	switch k.Num {
	case 1:
		return "internal"
	case 2:
		return "server"
	case 3:
		return "client"
	case 4:
		return "producer"
	case 5:
		return "consumer"
	}
	return ""
}

// unixNano converts nanoseconds since the epoch; 0 (unset) stays the zero
// time, and values beyond int64 saturate instead of wrapping.
func unixNano(ns uint64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	if ns > math.MaxInt64 {
		ns = math.MaxInt64
	}
	return time.Unix(0, int64(ns)).UTC()
}

func isTrue(s string) bool { return s == "true" || s == "True" || s == "TRUE" || s == "1" }

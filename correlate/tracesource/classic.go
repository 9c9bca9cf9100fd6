package tracesource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

// Jaeger's classic JSON ("UI model"): GET /api/traces/{id} and the UI's
// "Download JSON" share it. Times are microseconds since the epoch.
type classicResponse struct {
	Data   []classicTrace `json:"data"`
	Errors []classicError `json:"errors"`
}

type classicError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

type classicTrace struct {
	TraceID   string                    `json:"traceID"`
	Spans     []classicSpan             `json:"spans"`
	Processes map[string]classicProcess `json:"processes"`
}

type classicSpan struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	ParentSpanID  string `json:"parentSpanID"` // older writers
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	StartTime flexInt         `json:"startTime"` // µs
	Duration  flexInt         `json:"duration"`  // µs
	Tags      []classicTag    `json:"tags"`
	Logs      []classicLog    `json:"logs"`
	ProcessID string          `json:"processID"`
	Process   *classicProcess `json:"process"`
}

// classicLog is a span log, what OpenTelemetry calls a span event: its
// name is the "event" field.
type classicLog struct {
	Timestamp flexInt      `json:"timestamp"` // µs
	Fields    []classicTag `json:"fields"`
}

type classicProcess struct {
	ServiceName string       `json:"serviceName"`
	Tags        []classicTag `json:"tags"`
}

type classicTag struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// value renders the tag's value: strings unquoted, everything else in its
// JSON form.
func (t classicTag) value() string {
	v := bytes.TrimSpace(t.Value)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

// DecodeClassic decodes Jaeger's classic JSON: the answer of GET
// /api/traces/{id} ({"data": [trace…], "errors": …}) and the file the
// Jaeger UI downloads (the same shape), or a bare trace or array of
// traces. Trace ids of 16 hex digits (64-bit) are left-padded to 32. An
// answer with errors and no data becomes an error carrying Jaeger's
// message. It never panics, whatever the input.
func DecodeClassic(data []byte) ([]traces.Trace, error) {
	data = bytes.TrimSpace(data)
	var list []classicTrace
	switch {
	case len(data) > 0 && data[0] == '[':
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("not Jaeger JSON: %w", err)
		}
	default:
		var doc struct {
			classicResponse
			classicTrace
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("not Jaeger JSON: %w", err)
		}
		switch {
		case doc.Data != nil:
			list = doc.Data
		case doc.Spans != nil:
			list = []classicTrace{doc.classicTrace}
		case len(doc.Errors) > 0:
			return nil, fmt.Errorf("api/traces error %d: %s", doc.Errors[0].Code, doc.Errors[0].Msg)
		default:
			return nil, errors.New(`not Jaeger JSON: no "data" or "spans"`)
		}
	}
	var c collector
	for i := range list {
		tr := &list[i]
		for j := range tr.Spans {
			if s, ok := tr.Spans[j].span(tr); ok {
				c.add(s)
			}
		}
	}
	return c.traces(), nil
}

func (o *classicSpan) span(tr *classicTrace) (traces.Span, bool) {
	rawTrace := o.TraceID
	if rawTrace == "" {
		rawTrace = tr.TraceID
	}
	traceID, ok := NormalizeTraceID(rawTrace)
	if !ok {
		return traces.Span{}, false
	}
	spanID, ok := NormalizeSpanID(o.SpanID)
	if !ok {
		return traces.Span{}, false
	}
	parent, _ := NormalizeSpanID(o.ParentSpanID)
	if parent == "" {
		// CHILD_OF is the parent; FOLLOWS_FROM only when there is no CHILD_OF.
		for _, want := range []string{"CHILD_OF", "FOLLOWS_FROM"} {
			for _, r := range o.References {
				if strings.EqualFold(r.RefType, want) {
					if p, ok := NormalizeSpanID(r.SpanID); ok {
						parent = p
						break
					}
				}
			}
			if parent != "" {
				break
			}
		}
	}
	proc := o.Process
	if proc == nil {
		if p, ok := tr.Processes[o.ProcessID]; ok {
			proc = &p
		}
	}
	attrs := make(map[string]string, len(o.Tags)+8)
	service := ""
	var resource []traces.Attr
	if proc != nil {
		service = proc.ServiceName
		res := make(map[string]string, len(proc.Tags)+1)
		if service != "" {
			res["service.name"] = service
		}
		for _, t := range proc.Tags {
			attrs[t.Key] = t.value()
			res[t.Key] = attrs[t.Key]
		}
		resource = traces.SortedAttrs(res)
	}
	own := make(map[string]string, len(o.Tags))
	for _, t := range o.Tags {
		attrs[t.Key] = t.value()
		own[t.Key] = attrs[t.Key]
	}
	s := traces.Span{
		TraceID:      traceID,
		SpanID:       spanID,
		ParentSpanID: parent,
		Service:      service,
		Name:         o.OperationName,
		Kind:         classicKind(attrs["span.kind"]),
		Start:        unixMicro(int64(o.StartTime)),
		Attributes:   attrs,
		Own:          traces.SortedAttrs(own),
		Resource:     resource,
		Events:       classicEvents(o.Logs),
	}
	if d := int64(o.Duration); d > 0 {
		if d > math.MaxInt64/int64(time.Microsecond) {
			d = math.MaxInt64 / int64(time.Microsecond)
		}
		s.Duration = time.Duration(d) * time.Microsecond
	}
	if isTrue(attrs["error"]) || strings.EqualFold(attrs["otel.status_code"], "ERROR") {
		s.Error = true
		s.Status = "error"
		s.StatusMsg = attrs["otel.status_description"]
	} else if strings.EqualFold(attrs["otel.status_code"], "OK") {
		s.Status = "ok"
	}
	return s, true
}

// classicEvents converts span logs to events: the "event" field is the
// name, the other fields its attributes.
func classicEvents(in []classicLog) []traces.Event {
	if len(in) == 0 {
		return nil
	}
	out := make([]traces.Event, 0, len(in))
	for _, l := range in {
		e := traces.Event{Time: unixMicro(int64(l.Timestamp))}
		m := make(map[string]string, len(l.Fields))
		for _, f := range l.Fields {
			if f.Key == "event" && e.Name == "" {
				e.Name = f.value()
				continue
			}
			m[f.Key] = f.value()
		}
		e.Attributes = traces.SortedAttrs(m)
		out = append(out, e)
	}
	sortEvents(out)
	return out
}

// sortEvents orders events by time, keeping the source's order for equal
// times.
func sortEvents(es []traces.Event) {
	slices.SortStableFunc(es, func(a, b traces.Event) int { return a.Time.Compare(b.Time) })
}

func classicKind(k string) string {
	switch k = strings.ToLower(k); k {
	case "internal", "server", "client", "producer", "consumer":
		return k
	}
	return ""
}

// unixMicro converts microseconds since the epoch; 0 stays the zero time.
func unixMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

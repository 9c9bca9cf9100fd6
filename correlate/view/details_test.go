package view_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/view"
)

// TestJSONSpanDetails checks the span details the page shows on a click:
// status, own attributes, resource and events, escaped as JSON strings
// whatever they hold, and absent when the span has none.
func TestJSONSpanDetails(t *testing.T) {
	hostile := "<img src=x onerror=\"alert(1)\">\n\t\\\u2028"
	at := t0.Add(3 * time.Millisecond)
	tr := traces.Trace{TraceID: tid, Spans: []traces.Span{
		{TraceID: tid, SpanID: "00f067aa0ba902b7", Service: "gateway", Name: "POST /forms", Start: t0, Duration: time.Second,
			Error: true, Status: "error", StatusMsg: hostile,
			Own:      []traces.Attr{{Key: "http.route", Value: "/forms"}, {Key: hostile, Value: hostile}},
			Resource: []traces.Attr{{Key: "host.name", Value: "h1"}, {Key: "service.name", Value: "gateway"}},
			Events: []traces.Event{
				{Time: at, Name: "exception", Attributes: []traces.Attr{{Key: "exception.message", Value: hostile}}},
				{Time: at.Add(time.Millisecond), Name: "retry"},
			}},
		{TraceID: tid, SpanID: "b7ad6b7169203331", ParentSpanID: "00f067aa0ba902b7", Service: "forms", Name: "store", Start: t0, Duration: time.Millisecond},
	}}
	out := view.AppendJSON(nil, join.Join(tr, nil))
	type event struct {
		Time       string            `json:"time"`
		Name       string            `json:"name"`
		Attributes map[string]string `json:"attributes"`
	}
	var got struct {
		Spans []struct {
			Status        *string           `json:"status"`
			StatusMessage string            `json:"status_message"`
			Attributes    map[string]string `json:"attributes"`
			Resource      map[string]string `json:"resource"`
			Events        []event           `json:"events"`
		} `json:"spans"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got.Spans) != 2 {
		t.Fatalf("%d spans", len(got.Spans))
	}
	s := got.Spans[0]
	if s.Status == nil || *s.Status != "error" || s.StatusMessage != hostile {
		t.Errorf("status %v %q", s.Status, s.StatusMessage)
	}
	if want := map[string]string{"http.route": "/forms", hostile: hostile}; !reflect.DeepEqual(s.Attributes, want) {
		t.Errorf("attributes %q, want %q", s.Attributes, want)
	}
	if want := map[string]string{"host.name": "h1", "service.name": "gateway"}; !reflect.DeepEqual(s.Resource, want) {
		t.Errorf("resource %q, want %q", s.Resource, want)
	}
	wantEvents := []event{
		{Time: "2026-11-24T12:00:00.003Z", Name: "exception", Attributes: map[string]string{"exception.message": hostile}},
		{Time: "2026-11-24T12:00:00.004Z", Name: "retry"},
	}
	if !reflect.DeepEqual(s.Events, wantEvents) {
		t.Errorf("events %+v, want %+v", s.Events, wantEvents)
	}
	bare := got.Spans[1]
	if bare.Status != nil || bare.Attributes != nil || bare.Resource != nil || bare.Events != nil {
		t.Errorf("a span without details has some: %+v", bare)
	}
}

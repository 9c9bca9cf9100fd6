package parse

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAppendJSON(t *testing.T) {
	ts := time.Date(2024, 3, 1, 10, 0, 0, 123000000, time.UTC)
	for _, tt := range []struct {
		name string
		rec  Record
		want string
	}{
		{"fixed keys", Record{File: "a.log", Line: 12, TraceID: tid, SpanID: sid, Time: ts, Level: "info", Msg: "form stored", Service: "api"},
			`{"file":"a.log","line":12,"trace_id":"` + tid + `","span_id":"` + sid + `","time":"2024-03-01T10:00:00.123Z","level":"info","msg":"form stored","service":"api"}`},
		{"empty time and ids", Record{File: "a.log", Line: 1, Msg: "m"},
			`{"file":"a.log","line":1,"trace_id":"","span_id":"","time":"","level":"","msg":"m","service":""}`},
		{"optional keys", Record{File: "f", Line: 2, TraceID: tid1, TraceIDLow: tid1[16:], TraceFlags: "01", Caller: "m.go:1", Stream: "stderr"},
			`{"file":"f","line":2,"trace_id":"` + tid1 + `","span_id":"","time":"","level":"","msg":"","service":"","trace_id_low":"8448eb211c80319c","trace_flags":"01","caller":"m.go:1","stream":"stderr"}`},
		{"escapes", Record{File: "f", Msg: "q\" b\\ n\n t\t c\x01 u\u2028 <>&"},
			`{"file":"f","line":0,"trace_id":"","span_id":"","time":"","level":"","msg":"q\" b\\ n\n t\t c\u0001 u\u2028 <>&","service":""}`},
		{"invalid UTF-8 becomes U+FFFD", Record{File: "f", Msg: "a\xffb\xc3"},
			`{"file":"f","line":0,"trace_id":"","span_id":"","time":"","level":"","msg":"a\ufffdb\ufffd","service":""}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.rec.AppendJSON(nil))
			if got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func TestAppendJSONRawRoundTrip(t *testing.T) {
	r := Record{File: "f", Raw: "{\"a\":1}\n\tstack é 😀 \x7f"}
	var v struct{ Raw string }
	if err := json.Unmarshal(r.AppendJSONRaw(nil), &v); err != nil || v.Raw != r.Raw {
		t.Errorf("raw round trip: %q %v", v.Raw, err)
	}
}

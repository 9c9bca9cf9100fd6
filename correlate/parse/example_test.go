package parse_test

import (
	"fmt"
	"os"

	"github.com/traceline/traceline/correlate/parse"
)

func ExampleParseLine() {
	var r parse.Record
	r.File, r.Line = "api.log", 12
	line := []byte(`{"level":"info","ts":1709287200.123,"msg":"form stored","trace_id":"0AF7651916CD43DD8448EB211C80319C","span_id":"b7ad6b7169203331","service.name":"forms"}`)
	parse.ParseLine(line, &r, nil)
	os.Stdout.Write(r.AppendJSON(nil))
	fmt.Println()
	fmt.Println(r.TimePrecision)
	// Output:
	// {"file":"api.log","line":12,"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","time":"2024-03-01T10:00:00.123Z","level":"info","msg":"form stored","service":"forms"}
	// 1ms
}

func ExampleAssembler() {
	lines := []string{
		`2024-03-01T10:00:00.000000001Z stdout F 2024-03-01T10:00:00.000Z	ERROR	api/h.go:9	request failed	{"trace_id": "0af7651916cd43dd8448eb211c80319c"}`,
		`2024-03-01T10:00:00.000000002Z stdout F main.handler`,
		`2024-03-01T10:00:00.000000003Z stdout F 	/src/api/h.go:9 +0x1d`,
		`2024-03-01T10:00:01.000000000Z stdout P {"level":"info","msg":"a long line split by the `,
		`2024-03-01T10:00:01.000000001Z stdout F runtime","dd.trace_id":"1234567890"}`,
	}
	a := parse.NewAssembler("/var/log/pods/shop_api-5d8f_0c1e/api/0.log", parse.Config{})
	var recs []parse.Record
	var off int64
	for i, l := range lines {
		recs = a.Add(recs, []byte(l), off, int64(i+1))
		off += int64(len(l)) + 1
	}
	recs = a.Flush(recs)
	for _, r := range recs {
		fmt.Printf("line %d (+%d) %s %s %q trace=%s low=%s\n", r.Line, r.Lines-1, r.Service, r.Level, r.Msg, r.TraceID, r.TraceIDLow)
	}
	// Output:
	// line 1 (+2) api error "request failed" trace=0af7651916cd43dd8448eb211c80319c low=
	// line 4 (+1) api info "a long line split by the runtime" trace=000000000000000000000000499602d2 low=00000000499602d2
}

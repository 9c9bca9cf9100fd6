package redact_test

import (
	"fmt"

	"github.com/traceline/traceline/correlate/redact"
)

func ExampleRedactor_Entry() {
	r, err := redact.New(redact.Config{
		Keys:     []string{"patient_name"},
		Patterns: []string{`\b\d{3}-\d{2}-\d{4}\b`},
	})
	if err != nil {
		panic(err)
	}
	for _, line := range []string{
		`{"msg":"stored","patient_name":{"first":"Jane","last":"Doe"},"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`,
		`{"msg":"ssn \u0031\u0032\u0033-45-6789 on file"}`,
		`level=info msg="form stored" patient_name="Jane Doe" ward=3`,
		`2026-03-01T12:00:00Z INFO stored patient_name: Jane Doe`,
	} {
		fmt.Println(string(r.Entry([]byte(line))))
	}
	// Output:
	// {"msg":"stored","patient_name":"[REDACTED]","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
	// {"msg":"ssn [REDACTED] on file"}
	// level=info msg="form stored" patient_name="[REDACTED]" ward=3
	// 2026-03-01T12:00:00Z INFO stored patient_name: [REDACTED]
}

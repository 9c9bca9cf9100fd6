package redact

import (
	"encoding/json"
	"testing"
)

// FuzzEntry: any input is redacted without a panic, and a JSON document
// stays one.
func FuzzEntry(f *testing.F) {
	for _, s := range []string{
		`{"patient_name":"Jane","a":[1,{"ssn":"123-45-6789"}]}`,
		`{"\u0070atient_name":{"x":"y"}}`,
		`patient_name: Jane Doe x=1`,
		`patient_name="Jane \"x\"" ssn='1'`,
		`{"msg":"{\"patient_name\":\"J\"}"}`,
		"patient_name:\n  Jane",
		`%70atient_name=J&q=123%2D45%2D6789`,
		`[{"patient_name":[[[]]]}]`,
	} {
		f.Add(s)
	}
	r, err := New(Config{Keys: []string{"patient_name", "ssn"}, Patterns: []string{`\b\d{3}-\d{2}-\d{4}\b`}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := r.Entry([]byte(in))
		if json.Valid([]byte(in)) && !json.Valid(out) {
			t.Errorf("JSON in, not JSON out:\n in %s\nout %s", in, out)
		}
	})
}

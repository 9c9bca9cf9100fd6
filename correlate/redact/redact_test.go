package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

const ssnPattern = `\b\d{3}-\d{2}-\d{4}\b`

func TestEntry(t *testing.T) {
	r, err := New(Config{Keys: []string{"patient_name", "dob", "patient.address"}, Patterns: []string{ssnPattern}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in, want string }{
		{"json string", `{"msg":"stored","patient_name":"Jane \"JD\" Doe","trace_id":"abc"}`, `{"msg":"stored","patient_name":"[REDACTED]","trace_id":"abc"}`},
		{"json case and number", `{"Patient_Name": "Jane", "dob":19800101}`, `{"Patient_Name": "[REDACTED]", "dob":"[REDACTED]"}`},
		{"json object value", `{"patient_name": {"first": "Jane", "last": "Doe"}, "a":1}`, `{"patient_name": "[REDACTED]", "a":1}`},
		{"json array value", `{"patient_name": ["Jane", "Doe"]}`, `{"patient_name": "[REDACTED]"}`},
		{"json escaped key", `{"\u0070atient_name":"Jane"}`, `{"\u0070atient_name":"[REDACTED]"}`},
		{"json escaped value", `{"note":"\u0031\u0032\u0033-45-6789 seen"}`, `{"note":"[REDACTED] seen"}`},
		{"json dotted path", `{"patient":{"address":{"city":"Oslo"},"ward":3}}`, `{"patient":{"address":"[REDACTED]","ward":3}}`},
		{"json inside a string", `{"msg":"{\"patient_name\":\"Jane Doe\"}"}`, `{"msg":"{\"patient_name\":\"[REDACTED]\"}"}`},
		{"logfmt in a json string", `{"msg":"saved patient_name=Jane ok=1"}`, `{"msg":"saved patient_name=[REDACTED] ok=1"}`},
		{"json in an array", `[{"patient_name":"Jane"}]`, `[{"patient_name":"[REDACTED]"}]`},
		{"logfmt", `level=info patient_name="Jane Doe" dob=1980-01-01 msg=ok`, `level=info patient_name="[REDACTED]" dob=[REDACTED] msg=ok`},
		{"text colon", `stored patient_name: Jane Doe`, `stored patient_name: [REDACTED]`},
		{"text colon then key", `patient_name: Jane Doe trace_id=abc`, `patient_name: [REDACTED] trace_id=abc`},
		{"single quotes", `patient_name='Jane Doe' x=1`, `patient_name='[REDACTED]' x=1`},
		{"query string", `GET /p?patient_name=Jane+Doe&ward=3`, `GET /p?patient_name=[REDACTED]&ward=3`},
		{"percent escapes", `GET /p?q=123%2D45%2D6789`, `GET /p?q=[REDACTED]`},
		{"text escapes", `note \u0031\u0032\u0033-45-6789`, `note [REDACTED]`},
		{"zap console fields", "2024-01-01T00:00:00Z\tINFO\tstored\t{\"patient_name\": \"Jane Doe\", \"n\": 1}", "2024-01-01T00:00:00Z\tINFO\tstored\t{\"patient_name\": \"[REDACTED]\", \"n\": 1}"},
		{"text composite", `x patient_name={first: Jane, last: Doe} y=1`, `x patient_name=[REDACTED] y=1`},
		{"escaped json in text", `msg="got {\"patient_name\":\"Jane Doe\"}"`, `msg="got {\"patient_name\":\"[REDACTED]\"}"`},
		{"key at line end", "patient_name:\n    Jane Doe\nnext", "patient_name:\n    [REDACTED]\nnext"},
		{"ssn in text", `ssn 123-45-6789 seen`, `ssn [REDACTED] seen`},
		{"longer key untouched", `patient_name_hash=abc`, `patient_name_hash=abc`},
		{"nothing", `nothing to hide`, `nothing to hide`},
		{"bad json as text", `{"patient_name":"Jane Doe",`, `{"patient_name":"[REDACTED]",`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(r.Entry([]byte(tt.in)))
			if got != tt.want {
				t.Errorf("Entry(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid([]byte(got)) {
				t.Errorf("valid JSON became invalid: %s", got)
			}
		})
	}
}

func TestEntryUnchangedIsSame(t *testing.T) {
	r, _ := New(Config{Keys: []string{"k"}})
	in := []byte(`{"a":"b"}`)
	if out := r.Entry(in); &out[0] != &in[0] {
		t.Error("an entry with nothing to mask was copied")
	}
	var nilR *Redactor
	if got := nilR.String("k=v"); got != "k=v" {
		t.Errorf("nil Redactor changed %q", got)
	}
}

func TestNew(t *testing.T) {
	for _, c := range []Config{{Patterns: []string{"("}}, {Patterns: []string{"a*"}}, {Patterns: []string{""}}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%v) accepted", c)
		}
	}
	if r, err := New(Config{Keys: []string{" "}}); r != nil || err != nil {
		t.Errorf("an empty config gave %v, %v", r, err)
	}
}

func TestDeepNesting(t *testing.T) {
	r, _ := New(Config{Keys: []string{"k"}})
	in := strings.Repeat(`{"a":`, 200) + `{"k":"secret"}` + strings.Repeat(`}`, 200)
	if out := string(r.Entry([]byte(in))); strings.Contains(out, "secret") {
		t.Errorf("deep nesting leaked: %.80s…", out)
	}
}

func TestKeyAtEnd(t *testing.T) {
	r, err := New(Config{Keys: []string{"patient_name", "ssn"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		want bool
	}{
		{"patient_name:", true},
		{"2026-12-01T10:00:00Z INFO intake patient_name: ", true},
		{"  SSN =\r\n", true},
		{`"patient_name":`, true},
		{"patient_name: Jane", false},
		{"patient_name: Jane ssn:", true},
		{"ssn: 1 patient_name: Jane", false},
		{"no key here:", false},
		{`{"patient_name":`, false},
		{"", false},
	}
	for _, tt := range tests {
		if got := r.KeyAtEnd([]byte(tt.line)); got != tt.want {
			t.Errorf("KeyAtEnd(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
	var none *Redactor
	if none.KeyAtEnd([]byte("patient_name:")) {
		t.Error("a nil Redactor holds lines")
	}
}

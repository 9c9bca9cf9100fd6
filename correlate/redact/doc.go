// Package redact masks patient data (or any private data) in log entries
// before they are parsed and stored, so that what it masks never reaches
// the index, its files or its answers.
//
// # Use
//
//	r, err := redact.New(redact.Config{
//		Keys:     []string{"patient_name", "ssn"},
//		Patterns: []string{`\b\d{3}-\d{2}-\d{4}\b`},
//	})
//	cfg.Parse.Redact = r.Entry // parse.Config: after container unwrapping
//
// The command line: cfg.RegisterFlags(fs) adds --redact-key and
// --redact-pattern.
//
// # What is masked
//
// Entries are redacted whole, after the container wrappers are removed
// and partial lines joined (see parse.Config.Redact), so a key or a value
// split across CRI or Docker pieces is seen joined.
//
//	JSON                {"patient_name":"Jane"}            → {"patient_name":"[REDACTED]"}
//	  any value type    {"patient_name":{"first":"J"}}     → {"patient_name":"[REDACTED]"} (the JSON stays valid)
//	  nested, dotted    {"patient":{"name":"J"}} with key patient.name
//	  escaped keys      {"\u0070atient_name":"J"}          → the key is decoded before matching
//	  JSON in strings   {"msg":"{\"ssn\":\"1\"}"}          → the string is redacted as an entry of its own
//	logfmt, text        patient_name=Jane, ssn: 123, patient_name="Jane Doe", 'Jane Doe'
//	  bare values       up to a separator (, ; & | ) ] }), the end of the line, or the next key=
//	  key at line end   patient_name:\n  Jane   → the indented next line
//	escapes in text     \uXXXX, \xXX and %XX are decoded; when the decoded text needs a
//	                    mask, the entry is kept decoded and masked
//	patterns            matched in every decoded string, key and number, and in text
//	OTLP                LogRecord: body and attributes, kvlists and arrays at any depth
//
// A masked value is the string "[REDACTED]" (quoted where the value was
// quoted or was JSON). Matching errs on the side of masking: a bare text
// value runs to the next key or separator.
package redact

package bridge

// Kind says which value of a Field is set.
type Kind uint8

const (
	// StringKind fields carry their value in String.
	StringKind Kind = iota
	// BoolKind fields carry their value in Bool (GCP's trace_sampled).
	BoolKind
)

// Field is one key and value an adapter writes into a line. Its strings are
// immutable and safe to keep after the call.
type Field struct {
	Key    string
	String string
	Bool   bool
	Kind   Kind
}

// AppendJSON appends f as a JSON object member, "key":"value" (or
// "key":true), to dst. It escapes nothing: use it only for fields whose
// SpanFields report PlainJSON.
func (f *Field) AppendJSON(dst []byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, f.Key...)
	dst = append(dst, '"', ':')
	switch {
	case f.Kind != BoolKind:
		dst = append(dst, '"')
		dst = append(dst, f.String...)
		dst = append(dst, '"')
	case f.Bool:
		dst = append(dst, "true"...)
	default:
		dst = append(dst, "false"...)
	}
	return dst
}

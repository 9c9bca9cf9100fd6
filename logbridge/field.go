package logbridge

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

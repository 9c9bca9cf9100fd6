package redact

import (
	"flag"
	"strings"
)

// Flag names and usage of the command-line options.
const (
	KeyFlag      = "redact-key"
	PatternFlag  = "redact-pattern"
	KeyUsage     = "mask this field's value at ingest (repeatable; case-insensitive; a.b names a nested JSON field)"
	PatternUsage = "mask matches of this regular expression at ingest (repeatable)"
)

// RegisterFlags adds --redact-key and --redact-pattern to fs, each
// repeatable, appending to c.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.Var(List{&c.Keys}, KeyFlag, KeyUsage)
	fs.Var(List{&c.Patterns}, PatternFlag, PatternUsage)
}

// List is a repeatable flag value that appends to a string slice. It is a
// flag.Value and, with Type, a pflag.Value.
type List struct{ Dst *[]string }

// String returns the values joined by ",".
func (l List) String() string {
	if l.Dst == nil {
		return ""
	}
	return strings.Join(*l.Dst, ",")
}

// Set appends v.
func (l List) Set(v string) error {
	*l.Dst = append(*l.Dst, v)
	return nil
}

// Type names the value for pflag.
func (l List) Type() string { return "stringArray" }

// Package settings holds the compiled form of logbridge's options, shared by
// logbridge (which builds it from a caller's Options) and internal/bridge
// (which encodes span fields from it). It is a leaf package so that neither
// of the two has to export its machinery to the other.
package settings

// Profile is a naming profile's keys and encodings.
type Profile struct {
	Name       string
	TraceKey   string
	SpanKey    string
	FlagsKey   string // "" when the profile writes no sampling field
	ServiceKey string
	Trace      TraceEncoding
	Span       SpanEncoding
	Flags      FlagsEncoding
	GCPProject string
}

// TraceEncoding is how a profile writes the trace id.
type TraceEncoding uint8

// The trace id encodings.
const (
	TraceHex TraceEncoding = iota // 32 lower-case hex
	TraceGCP                      // projects/P/traces/<32 hex>
)

// SpanEncoding is how a profile writes the span id.
type SpanEncoding uint8

// The span id encodings.
const (
	SpanHex     SpanEncoding = iota // 16 lower-case hex
	SpanDecimal                     // decimal uint64 (Datadog)
)

// FlagsEncoding is how a profile writes the sampling decision.
type FlagsEncoding uint8

// The sampling decision encodings.
const (
	FlagsHex  FlagsEncoding = iota // "01" / "00"
	FlagsBool                      // true / false
)

// Config is what a set of options asks for.
type Config struct {
	Profiles     []Profile
	BaggageKeys  []string
	BaggageLimit int
	Service      string
}

// Resolve compiles a caller's options (a []logbridge.Option) into a Config.
// logbridge sets it when it is initialised; internal/bridge imports
// logbridge, so it is set before any adapter can call it.
var Resolve func(opts any) Config

package logbridge

// Profile is a naming convention for trace fields: which keys carry the
// trace id, span id, sampling decision and service name, and how each value
// is encoded. Use one of OTel (the default), ECS, Datadog, GoZero or GCP(p).
type Profile struct {
	name       string
	traceKey   string
	spanKey    string
	flagsKey   string // "" when the profile writes no sampling field
	serviceKey string
	trace      traceEncoding
	span       spanEncoding
	flags      flagsEncoding
	gcpProject string
}

type traceEncoding uint8

const (
	traceHex traceEncoding = iota // 32 lower-case hex
	traceGCP                      // projects/P/traces/<32 hex>
)

type spanEncoding uint8

const (
	spanHex     spanEncoding = iota // 16 lower-case hex
	spanDecimal                     // decimal uint64 (Datadog)
)

type flagsEncoding uint8

const (
	flagsHex  flagsEncoding = iota // "01" / "00"
	flagsBool                      // true / false
)

var (
	// OTel follows OpenTelemetry's "Trace Context in Non-OTLP Log Formats":
	// trace_id, span_id, trace_flags. It is the default profile.
	OTel = Profile{name: "otel", traceKey: "trace_id", spanKey: "span_id", flagsKey: "trace_flags", serviceKey: "service.name"}

	// ECS is Elastic Common Schema: trace.id and span.id as dotted top-level keys.
	ECS = Profile{name: "ecs", traceKey: "trace.id", spanKey: "span.id", serviceKey: "service.name"}

	// Datadog writes dd.trace_id as 32 hex digits and dd.span_id as a decimal
	// uint64 string, which is what Datadog's log pipeline joins on.
	Datadog = Profile{name: "datadog", traceKey: "dd.trace_id", spanKey: "dd.span_id", serviceKey: "dd.service", span: spanDecimal}

	// GoZero uses go-zero logx's own keys, trace and span, so lines from
	// go-zero services and from other loggers look alike.
	GoZero = Profile{name: "gozero", traceKey: "trace", spanKey: "span", serviceKey: "service"}
)

// GCP returns the Google Cloud Logging profile for a project: the trace is
// written as projects/PROJECT/traces/ID so Cloud Logging links the entry to
// Cloud Trace, with spanId and trace_sampled beside it.
func GCP(projectID string) Profile {
	return Profile{
		name:       "gcp",
		traceKey:   "logging.googleapis.com/trace",
		spanKey:    "logging.googleapis.com/spanId",
		flagsKey:   "logging.googleapis.com/trace_sampled",
		serviceKey: "serviceContext.service",
		trace:      traceGCP,
		flags:      flagsBool,
		gcpProject: projectID,
	}
}

// Name is the profile's short name: otel, ecs, datadog, gcp or gozero.
func (p Profile) Name() string { return p.name }

// TraceKey is the key under which the profile writes the trace id.
func (p Profile) TraceKey() string { return p.traceKey }

// SpanKey is the key under which the profile writes the span id.
func (p Profile) SpanKey() string { return p.spanKey }

// FlagsKey is the key of the sampling decision, "" when the profile has none.
func (p Profile) FlagsKey() string { return p.flagsKey }

// ServiceKey is the key under which WithService writes the service name.
func (p Profile) ServiceKey() string { return p.serviceKey }

// valid reports whether p is one of the profiles above, not a zero Profile.
func (p Profile) valid() bool { return p.traceKey != "" && p.spanKey != "" }

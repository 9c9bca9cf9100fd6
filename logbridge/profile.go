package logbridge

import "github.com/traceline/traceline/internal/settings"

// Profile is a naming convention for trace fields: which keys carry the
// trace id, span id, sampling decision and service name, and how each value
// is encoded. Use one of OTel (the default), ECS, Datadog, GoZero or GCP(p).
// A Profile is a value with no exported fields: a caller can choose one but
// not change what it writes.
type Profile struct {
	s settings.Profile
}

var (
	// OTel follows OpenTelemetry's "Trace Context in Non-OTLP Log Formats":
	// trace_id, span_id, trace_flags. It is the default profile.
	OTel = Profile{settings.Profile{Name: "otel", TraceKey: "trace_id", SpanKey: "span_id", FlagsKey: "trace_flags", ServiceKey: "service.name"}}

	// ECS is Elastic Common Schema: trace.id and span.id as dotted top-level keys.
	ECS = Profile{settings.Profile{Name: "ecs", TraceKey: "trace.id", SpanKey: "span.id", ServiceKey: "service.name"}}

	// Datadog writes dd.trace_id as 32 hex digits and dd.span_id as a decimal
	// uint64 string, which is what Datadog's log pipeline joins on.
	Datadog = Profile{settings.Profile{Name: "datadog", TraceKey: "dd.trace_id", SpanKey: "dd.span_id", ServiceKey: "dd.service", Span: settings.SpanDecimal}}

	// GoZero uses go-zero logx's own keys, trace and span, so lines from
	// go-zero services and from other loggers look alike.
	GoZero = Profile{settings.Profile{Name: "gozero", TraceKey: "trace", SpanKey: "span", ServiceKey: "service"}}
)

// otelProfile is the default: a copy taken when the package is initialised,
// so that reassigning logbridge.OTel cannot change what other adapters write.
var otelProfile = OTel

// GCP returns the Google Cloud Logging profile for a project: the trace is
// written as projects/PROJECT/traces/ID so Cloud Logging links the entry to
// Cloud Trace, with spanId and trace_sampled beside it.
func GCP(projectID string) Profile {
	return Profile{settings.Profile{
		Name:       "gcp",
		TraceKey:   "logging.googleapis.com/trace",
		SpanKey:    "logging.googleapis.com/spanId",
		FlagsKey:   "logging.googleapis.com/trace_sampled",
		ServiceKey: "serviceContext.service",
		Trace:      settings.TraceGCP,
		Flags:      settings.FlagsBool,
		GCPProject: projectID,
	}}
}

// Name is the profile's short name: otel, ecs, datadog, gcp or gozero.
func (p Profile) Name() string { return p.s.Name }

// TraceKey is the key under which the profile writes the trace id.
func (p Profile) TraceKey() string { return p.s.TraceKey }

// SpanKey is the key under which the profile writes the span id.
func (p Profile) SpanKey() string { return p.s.SpanKey }

// FlagsKey is the key of the sampling decision, "" when the profile has none.
func (p Profile) FlagsKey() string { return p.s.FlagsKey }

// ServiceKey is the key under which WithService writes the service name.
func (p Profile) ServiceKey() string { return p.s.ServiceKey }

// valid reports whether p is one of the profiles above, not a zero Profile.
func (p Profile) valid() bool { return p.s.TraceKey != "" && p.s.SpanKey != "" }

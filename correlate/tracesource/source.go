package tracesource

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/traceline/traceline/correlate/traces"
)

// Source returns one trace by id. Implementations: *Jaeger (the query
// service over HTTP) and *File (a trace file read once).
type Source interface {
	// Trace returns the trace with the given id (any accepted spelling, see
	// NormalizeTraceID). hint is the time range the caller believes the trace
	// spans, from its log lines; the zero Window means unknown. It returns
	// an error wrapping ErrTraceNotFound when the source answers but does
	// not have the trace.
	Trace(ctx context.Context, traceID string, hint Window) (traces.Trace, error)
}

// Window is a time range; a zero Start or End leaves that side open.
type Window struct {
	Start, End time.Time
}

// IsZero reports whether the window says nothing.
func (w Window) IsZero() bool { return w.Start.IsZero() && w.End.IsZero() }

// widen returns w grown by margin on each side (open sides stay open).
func (w Window) widen(margin time.Duration) Window {
	if !w.Start.IsZero() {
		w.Start = w.Start.Add(-margin)
	}
	if !w.End.IsZero() {
		w.End = w.End.Add(margin)
	}
	return w
}

// Errors a Source returns, to be tested with errors.Is. Every error also
// says in plain words what failed, where, and after how long.
var (
	// ErrTraceNotFound: the source answered, and has no span of the trace
	// (not exported yet, not sampled, expired, or never existed).
	ErrTraceNotFound = errors.New("trace not found")
	// ErrInvalidTraceID: the id is not 32 (or fewer) hex digits nor base64
	// of 16 bytes, or is all zeros.
	ErrInvalidTraceID = errors.New("invalid trace id")
	// ErrUnavailable: no usable answer: the source is unreachable, timed
	// out, or answered HTTP 5xx.
	ErrUnavailable = errors.New("trace source unavailable")
	// ErrTimeout: the lookup timed out (also ErrUnavailable).
	ErrTimeout = errors.New("trace source timed out")
	// ErrBadResponse: the source answered something that is not a trace:
	// not JSON, truncated JSON, an unexpected status, or no Jaeger query API
	// at that address.
	ErrBadResponse = errors.New("trace source answered garbage")
)

// Error is the error of a failed lookup. errors.Is matches it against
// the sentinel errors above; Unwrap also yields the cause.
type Error struct {
	// Source names what was asked: "jaeger at http://…" or "file …".
	Source string
	// URL is the last request's URL; "" for files.
	URL string
	// Status is the HTTP status of the last answer; 0 when there was none.
	Status int
	// Attempts is how many requests were made.
	Attempts int
	// Reason says in plain words what happened.
	Reason string

	kind  error
	cause error
}

func (e *Error) Error() string {
	s := e.Source + ": " + e.Reason
	if e.Attempts > 1 {
		s += " (" + strconv.Itoa(e.Attempts) + " attempts)"
	}
	return s
}

// Unwrap returns the sentinel kind(s) and the cause.
func (e *Error) Unwrap() []error {
	errs := []error{e.kind}
	if e.kind == ErrTimeout {
		errs = append(errs, ErrUnavailable)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

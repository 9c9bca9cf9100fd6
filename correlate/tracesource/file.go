package tracesource

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/traceline/traceline/correlate/traces"
)

// maxFileSize bounds what ReadFile loads into memory.
const maxFileSize = 1 << 30

// File is a trace file read into memory: the Jaeger UI's "Download JSON"
// (classic Jaeger JSON), OTLP JSON (one document, or one per line as the
// OpenTelemetry Collector's file exporter writes), or a saved api/v3
// answer. The format is recognised from the content.
type File struct {
	path   string
	traces []traces.Trace
}

var _ Source = (*File)(nil)

// ReadFile reads and decodes the trace file at path.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tracesource: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("tracesource: read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("tracesource: %s is larger than %d MiB", path, maxFileSize>>20)
	}
	ts, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("tracesource: %s: %w", path, err)
	}
	return &File{path: path, traces: ts}, nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Traces returns every trace in the file, in order of appearance.
func (f *File) Traces() []traces.Trace { return f.traces }

// Trace implements Source; the hint is not needed and ignored.
func (f *File) Trace(ctx context.Context, traceID string, _ Window) (traces.Trace, error) {
	id, ok := NormalizeTraceID(traceID)
	if !ok {
		return traces.Trace{}, &Error{Source: "file " + f.path, Reason: fmt.Sprintf("%q is not a trace id", traceID), kind: ErrInvalidTraceID}
	}
	if err := ctx.Err(); err != nil {
		return traces.Trace{}, err
	}
	if t, ok := find(f.traces, id); ok {
		return t, nil
	}
	return traces.Trace{}, &Error{Source: "file " + f.path, Reason: "has no trace " + id, kind: ErrTraceNotFound}
}

// Decode decodes a trace document of any supported format, recognised by
// its top-level keys: "data" or "spans" (Jaeger JSON), "resourceSpans"
// (OTLP JSON), "result" (api/v3). Several OTLP JSON documents, one per line,
// are read one by one. Spans of one trace id spread over several documents
// are merged. It never panics.
func Decode(data []byte) ([]traces.Trace, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("empty trace document")
	}
	ts, err := decodeOne(data)
	if err == nil {
		return ts, nil
	}
	// JSON Lines: one document per line.
	var all []traces.Trace
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxFileSize)
	n := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		n++
		ts, lerr := decodeOne(line)
		if lerr != nil {
			if n == 1 {
				return nil, err // not JSON Lines either: report the whole-document error
			}
			return nil, fmt.Errorf("line %d: %w", n, lerr)
		}
		all = append(all, ts...)
	}
	if n < 2 {
		return nil, err
	}
	return merge(all), nil
}

// decodeOne decodes one JSON document of any supported format.
func decodeOne(data []byte) ([]traces.Trace, error) {
	if len(data) > 0 && data[0] == '[' {
		return DecodeClassic(data)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("not a JSON trace document: %w", err)
	}
	switch {
	case keys["resourceSpans"] != nil:
		return DecodeOTLP(data)
	case keys["result"] != nil:
		return DecodeV3(data)
	case keys["data"] != nil, keys["spans"] != nil:
		return DecodeClassic(data)
	}
	return nil, errors.New(`not a trace document: no "data", "spans", "resourceSpans" or "result"`)
}

// merge joins traces with the same id (from several documents).
func merge(ts []traces.Trace) []traces.Trace {
	var c collector
	for _, t := range ts {
		for _, s := range t.Spans {
			c.add(s)
		}
	}
	return c.traces()
}

package server

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// A push body may come compressed: the OpenTelemetry Collector's otlphttp
// exporter sends gzip by default, and so can the SDKs, Vector and Fluent
// Bit. The compressed body is capped by Config.MaxBodyBytes (the guard),
// the decompressed one by maxDecodedBytes, so a gzip bomb costs no more
// memory than a large plain body.

// errUnknownEncoding is a Content-Encoding the service does not read.
var errUnknownEncoding = errors.New("unsupported Content-Encoding: send the body plain (identity) or gzip")

// errDecodedTooLarge is a compressed body that decompresses past the cap.
type errDecodedTooLarge struct{ limit int64 }

func (e errDecodedTooLarge) Error() string {
	return fmt.Sprintf("request body decompresses to over %d bytes: send smaller batches", e.limit)
}

// maxDecodedBytes caps a decompressed body: four times the body limit
// (log lines compress five to ten times).
func (s *Server) maxDecodedBytes() int64 { return 4 * s.cfg.MaxBodyBytes }

// requestBody returns r's body, decompressed as its Content-Encoding says.
func (s *Server) requestBody(r *http.Request) (io.ReadCloser, error) {
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return r.Body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		limit := s.maxDecodedBytes()
		return &decodedBody{zr: zr, limit: limit, left: limit}, nil
	default:
		return nil, errUnknownEncoding
	}
}

// readBody reads all of r's (decompressed) body.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	body, err := s.requestBody(r)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return io.ReadAll(body)
}

// decodedBody is a gzip'ed body read through its cap.
type decodedBody struct {
	zr          *gzip.Reader
	limit, left int64
}

func (d *decodedBody) Read(p []byte) (int, error) {
	if d.left <= 0 {
		// one byte past the cap tells a body of exactly the cap from a larger one
		var one [1]byte
		n, err := d.zr.Read(one[:])
		switch {
		case n > 0:
			return 0, errDecodedTooLarge{d.limit}
		case err == nil:
			return 0, nil
		case errors.Is(err, io.EOF):
			return 0, io.EOF
		}
		return 0, fmt.Errorf("gzip body: %w", err)
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.zr.Read(p)
	d.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("gzip body: %w", err)
	}
	return n, err
}

func (d *decodedBody) Close() error { return d.zr.Close() }

// bodyError answers a request whose body could not be read.
func (s *Server) bodyError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	var big errDecodedTooLarge
	var corrupt flate.CorruptInputError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes: send smaller batches", s.cfg.MaxBodyBytes))
	case errors.As(err, &big):
		writeError(w, http.StatusRequestEntityTooLarge, big.Error())
	case errors.Is(err, errUnknownEncoding):
		writeError(w, http.StatusUnsupportedMediaType, err.Error())
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, &corrupt), errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, http.StatusBadRequest, "the gzip body is damaged or cut short: "+err.Error())
	default:
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
	}
}

// otlpJSONIDs rewrites the ids of an OTLP/JSON logs request from the hex
// of the OTLP JSON encoding to the base64 protojson reads for bytes
// fields. An id already in base64 (24 or 12 characters, not 32 or 16) is
// left as it is.
func otlpJSONIDs(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keeps 64-bit times exact
	var req map[string]any
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	changed := false
	for _, rl := range jsonList(req, "resourceLogs", "resource_logs") {
		for _, sl := range jsonList(rl, "scopeLogs", "scope_logs") {
			for i, lr := range jsonList(sl, "logRecords", "log_records") {
				for _, f := range []struct {
					names [2]string
					bytes int
				}{{[2]string{"traceId", "trace_id"}, 16}, {[2]string{"spanId", "span_id"}, 8}} {
					for _, name := range f.names {
						v, ok := lr[name].(string)
						if !ok || len(v) != 2*f.bytes {
							continue
						}
						b, err := hex.DecodeString(v)
						if err != nil {
							return nil, fmt.Errorf("logRecords[%d].%s: want %d hex digits, got %q", i, f.names[0], 2*f.bytes, v)
						}
						lr[name] = base64.StdEncoding.EncodeToString(b)
						changed = true
					}
				}
			}
		}
	}
	if !changed {
		return body, nil
	}
	return json.Marshal(req)
}

// jsonList returns the objects of the array under the first of names.
func jsonList(obj map[string]any, names ...string) []map[string]any {
	for _, n := range names {
		arr, ok := obj[n].([]any)
		if !ok {
			continue
		}
		out := make([]map[string]any, 0, len(arr))
		for _, v := range arr {
			if m, ok := v.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

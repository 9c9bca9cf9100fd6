package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// remoteReader is a store.Reader that asks a running `correlate serve`:
// while the service holds a data folder (the embedded store locks it),
// lookups on that folder go through its API instead.
type remoteReader struct {
	base   string
	token  string
	client *http.Client
}

var (
	_ store.Reader = (*remoteReader)(nil)
	_ store.Pager  = (*remoteReader)(nil)
)

// serverFor returns the running service that holds dir, from the address
// it left there.
func serverFor(dir string) (*remoteReader, error) {
	b, err := os.ReadFile(filepath.Join(dir, serveFile))
	if err != nil {
		return nil, err
	}
	var info serveInfo
	if err := json.Unmarshal(b, &info); err != nil || info.URL == "" {
		return nil, fmt.Errorf("%s: not the address of a running service", filepath.Join(dir, serveFile))
	}
	return newRemoteReader(info.URL, info.Token)
}

func newRemoteReader(base, token string) (*remoteReader, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server %q: want the service's http(s) URL", base)
	}
	return &remoteReader{base: strings.TrimRight(base, "/"), token: token, client: &http.Client{Timeout: 60 * time.Second}}, nil
}

func (r *remoteReader) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return nil, err
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the service at %s: %w", r.base, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e struct{ Error string }
		json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		if resp.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("%w (the service at %s says: %s)", store.ErrNotFound, r.base, e.Error)
		}
		return nil, fmt.Errorf("the service at %s answered %s: %s", r.base, resp.Status, e.Error)
	}
	return resp, nil
}

// wireRecord is the line object of the API (parse.Record.AppendJSONRaw).
type wireRecord struct {
	At         string `json:"at"`
	File       string `json:"file"`
	Line       int64  `json:"line"`
	TraceID    string `json:"trace_id"`
	TraceIDLow string `json:"trace_id_low"`
	SpanID     string `json:"span_id"`
	TraceFlags string `json:"trace_flags"`
	Time       string `json:"time"`
	Level      string `json:"level"`
	Msg        string `json:"msg"`
	Service    string `json:"service"`
	Caller     string `json:"caller"`
	Stream     string `json:"stream"`
	Raw        string `json:"raw"`
}

func (w *wireRecord) record() parse.Record {
	rec := parse.Record{File: w.File, Line: w.Line, TraceID: w.TraceID, TraceIDLow: w.TraceIDLow, SpanID: w.SpanID,
		TraceFlags: w.TraceFlags, Level: w.Level, Msg: w.Msg, Service: w.Service, Caller: w.Caller, Stream: w.Stream, Raw: w.Raw}
	if t, err := time.Parse(time.RFC3339Nano, w.Time); err == nil {
		rec.Time = t
		rec.TimePrecision = precisionOf(w.Time)
	}
	return rec
}

// precisionOf guesses a time's precision from how it is written. The
// wire form drops trailing zeros, so ".25" may have been ".250": a time
// with a fraction is taken to be at least as fine as a millisecond (what
// loggers write), one without as whole seconds (zerolog's default), so
// that the join and the reading order see what the file said.
func precisionOf(s string) time.Duration {
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return time.Second
	}
	n := 0
	for _, c := range s[dot+1:] {
		if c < '0' || c > '9' {
			break
		}
		n++
	}
	p := time.Second
	for i := 0; i < n && p > time.Nanosecond; i++ {
		p /= 10
	}
	return min(p, time.Millisecond)
}

// Logs asks GET /api/v1/traces/{id}/logs, page after page.
func (r *remoteReader) Logs(ctx context.Context, ids ...store.TraceID) ([]parse.Record, error) {
	var recs []parse.Record
	after := store.Cursor{}
	for {
		pg, err := r.LogsPage(ctx, ids, after, 0)
		if err != nil {
			return nil, err
		}
		recs = append(recs, pg.Records...)
		if !pg.More {
			return recs, nil
		}
		after = pg.Next
	}
}

// LogsPage asks GET /api/v1/traces/{id}/logs for one page (the service's
// own page size when limit <= 0).
func (r *remoteReader) LogsPage(ctx context.Context, ids []store.TraceID, after store.Cursor, limit int) (store.Page, error) {
	if len(ids) == 0 {
		return store.Page{}, store.ErrNotFound
	}
	q := url.Values{"raw": {"1"}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if !after.IsZero() {
		q.Set("cursor", after.String())
	}
	resp, err := r.get(ctx, "/api/v1/traces/"+url.PathEscape(ids[len(ids)-1].String())+"/logs?"+q.Encode())
	if err != nil {
		return store.Page{}, err
	}
	defer resp.Body.Close()
	var body struct {
		Logs []wireRecord `json:"logs"`
		Next string       `json:"next"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return store.Page{}, fmt.Errorf("the service at %s answered garbage: %w", r.base, err)
	}
	pg := store.Page{Records: make([]parse.Record, len(body.Logs)), More: body.Next != ""}
	for i := range body.Logs {
		pg.Records[i] = body.Logs[i].record()
	}
	if pg.More {
		if pg.Next, err = store.ParseCursor(body.Next); err != nil {
			return store.Page{}, fmt.Errorf("the service at %s answered a bad cursor: %w", r.base, err)
		}
	}
	return pg, nil
}

// Range streams GET /api/v1/entries.
func (r *remoteReader) Range(ctx context.Context, from, to time.Time, fn func(e *store.Entry) bool) error {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.UTC().Format(time.RFC3339Nano))
	}
	if !to.IsZero() {
		q.Set("to", to.UTC().Format(time.RFC3339Nano))
	}
	resp, err := r.get(ctx, "/api/v1/entries?"+q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var w wireRecord
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			return fmt.Errorf("the service at %s answered garbage: %w", r.base, err)
		}
		e := store.Entry{Record: w.record()}
		e.At, _ = time.Parse(time.RFC3339Nano, w.At)
		if !fn(&e) {
			return nil
		}
	}
	return sc.Err()
}

// Jaeger asks GET /api/v1/status for the Jaeger the service joins with
// ("" when it has none), so that a lookup through the service uses the
// same trace source.
func (r *remoteReader) Jaeger(ctx context.Context) (string, error) {
	resp, err := r.get(ctx, "/api/v1/status")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var st struct {
		Jaeger string `json:"jaeger"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return "", fmt.Errorf("the service at %s answered garbage: %w", r.base, err)
	}
	return st.Jaeger, nil
}

// Stats asks GET /api/v1/status.
func (r *remoteReader) Stats(ctx context.Context) (store.Stats, error) {
	resp, err := r.get(ctx, "/api/v1/status")
	if err != nil {
		return store.Stats{}, err
	}
	defer resp.Body.Close()
	var st struct {
		Files       int       `json:"files"`
		Oldest      time.Time `json:"oldest"`
		Newest      time.Time `json:"newest"`
		SizeBytes   int64     `json:"size_bytes"`
		Compression string    `json:"compression"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return store.Stats{}, err
	}
	return store.Stats{Files: st.Files, Oldest: st.Oldest, Newest: st.Newest, SizeBytes: st.SizeBytes, Compression: st.Compression,
		DataDirectory: r.base}, nil
}

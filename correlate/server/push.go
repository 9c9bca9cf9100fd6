package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/slim/otlp/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// Push ingest is durable: a 2xx answer means the lines are in the store
// and synced to disk (store.SyncWriter), so they survive kill -9 and power
// loss. Exporters retry a batch they saw time out, so every
// pushed entry is keyed by what it says, not by when it arrived: the
// "offset" of a pushed entry is a hash of its content (as stored: joined
// and redacted) and of how many equal entries came before it in the same
// batch. A retried batch writes the same
// keys again and adds nothing.

// pushSource names the pseudo-file pushed lines are kept under.
func pushFileID(source string) uint64 {
	h := fnv.New64a()
	h.Write([]byte("push\x00"))
	h.Write([]byte(source))
	return h.Sum64()
}

// contentKeys gives each line a repeatable key within its batch.
type contentKeys map[uint64]int64

func (k contentKeys) next(parts ...[]byte) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write(p)
		h.Write([]byte{0})
	}
	sum := h.Sum64()
	n := k[sum]
	k[sum] = n + 1
	// Positive, and distinct for the n-th repeat of the same line.
	return int64((sum ^ uint64(n)*0x9e3779b97f4a7c15) >> 1)
}

// ingestJSONLines takes newline-separated log lines (any format the parser
// reads; JSON lines are what pipelines send) and stores them. Each line is
// read as a followed file's would be: container formats unwrapped,
// continuation lines joined, binary lines dropped and counted, lines over
// the line limit cut. The pieces of a container line (CRI "P" records,
// Docker's 16 KB splits) are joined before the line is parsed and
// redacted, also when they come in several pushes of one source: until its
// last piece has come, a line's pieces are held in memory, not stored, and
// the answer counts them as "held".
func (s *Server) ingestJSONLines(w http.ResponseWriter, r *http.Request) {
	if !s.admitIngest(r.Context()) {
		return
	}
	source := r.URL.Query().Get("source")
	if source == "" {
		source = "push"
	}
	if len(source) > 200 {
		writeError(w, http.StatusBadRequest, "source name longer than 200 bytes")
		return
	}
	body, err := s.requestBody(r)
	if err != nil {
		s.bodyError(w, err)
		return
	}
	defer body.Close()
	cfg := parse.Config{MaxLineBytes: parse.DefaultMaxLineBytes}
	if s.red != nil {
		cfg.Redact = s.red.Entry
	}
	held := s.held.take(source)
	defer s.held.release(source, held)
	before := held.snapshot()
	asm := parse.NewAssembler(parse.PushPrefix+source, cfg)
	keys := contentKeys{}
	var recs []parse.Record
	cutPieces := int64(0)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), int(s.maxDecodedBytes())+1)
	lineNo := int64(0)
	// A line of the previous push that ended with a key to mask waits for
	// its value here; the last line of this push is added only once it is
	// known not to be such a line.
	for _, p := range held.pieces[awaitingValue] {
		recs = asm.Add(recs, p.line, 0, p.lineNo)
	}
	held.drop(awaitingValue)
	// The last line read waits before it is added to asm: if it ends the
	// push with a key to mask, it is held for the next push instead. When
	// it is a container line's last piece, the line's earlier pieces
	// (lastPieces) wait with it.
	var lastLine []byte // valid while hasLast
	var lastPieces []heldPiece
	lastNo, hasLast := int64(0), false
	addLast := func() {
		for _, p := range lastPieces {
			recs = asm.Add(recs, p.line, 0, p.lineNo)
		}
		recs = asm.Add(recs, lastLine, 0, lastNo)
		lastPieces, hasLast = nil, false
	}
	for sc.Scan() {
		lineNo++
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		slot, last, ok := parse.ContainerPart(line)
		if ok && !last {
			if !held.hold(slot, line, lineNo, cfg.MaxLineBytes) {
				cutPieces++
			}
			continue
		}
		if hasLast {
			addLast()
		}
		if ok {
			lastPieces = held.pieces[slot]
			held.drop(slot)
		}
		lastLine, lastNo, hasLast = append(lastLine[:0], line...), lineNo, true
	}
	if hasLast && !s.holdAwaitingValue(held, lastPieces, lastLine, lastNo, cfg.MaxLineBytes) {
		addLast()
	}
	if err := sc.Err(); err != nil {
		held.restore(before)
		s.bodyError(w, err)
		return
	}
	if !s.held.admit(source, held) {
		held.restore(before)
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "too many sources hold a container line waiting for its last piece")
		return
	}
	recs = asm.Flush(recs)
	entries := make([]store.Entry, len(recs))
	for i := range recs {
		// Keyed by the entry as stored: joined and redacted, so that no
		// key derives from a masked value, and a retried push writes the
		// same keys.
		recs[i].Offset = keys.next([]byte(recs[i].Raw))
		entries[i] = store.Entry{Record: recs[i], At: entryTime(recs[i].Time)}
	}
	if err := s.writePushed(r.Context(), "jsonl", source, entries); err != nil {
		held.restore(before)
		writeError(w, http.StatusServiceUnavailable, "the index did not take the lines: "+err.Error())
		return
	}
	st := asm.Stats()
	writeJSON(w, http.StatusOK, map[string]int64{"accepted": int64(len(entries)), "skipped": st.Skipped + cutPieces, "held": held.count()})
}

// holdAwaitingValue holds a push's last line (after the earlier pieces of
// its container line) for the source's next push when its text ends with
// a key to mask, so that the value on the next line is masked with it. It
// reports whether it held it.
func (s *Server) holdAwaitingValue(held *heldPieces, pieces []heldPiece, line []byte, lineNo int64, max int) bool {
	if s.red == nil {
		return false
	}
	var text []byte
	for _, p := range pieces {
		text = append(text, parse.ContainerContent(p.line)...)
	}
	if !s.red.KeyAtEnd(append(text, parse.ContainerContent(line)...)) {
		return false
	}
	for _, p := range append(pieces, heldPiece{line: line, lineNo: lineNo}) {
		if !held.hold(awaitingValue, p.line, p.lineNo, max) {
			held.drop(awaitingValue)
			return false
		}
	}
	return true
}

// entryTime is the time an entry sorts by; a pushed line without a time
// sorts at its arrival.
func entryTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t
}

func (s *Server) writePushed(ctx context.Context, protocol, source string, entries []store.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	now := time.Now().UTC()
	cp := store.Checkpoint{FileID: pushFileID(source), Fingerprint: pushFileID(source), Path: parse.PushPrefix + source, Created: now, Updated: now}
	// A 2xx promises the lines survive a crash, and nothing can read them
	// again: the write is synced (concurrent pushes share the sync).
	write := s.store.Write
	if sw, ok := s.store.(store.SyncWriter); ok {
		write = sw.WriteSync
	}
	err := write(ctx, entries, cp)
	s.noteWrite(err)
	if err != nil {
		return err
	}
	s.metrics.pushed.WithLabelValues(protocol).Add(float64(len(entries)))
	return nil
}

// admitIngest waits at the admission gate while trace lookups run
// (bounded by Config.IngestYield). It returns false when the client gave
// up meanwhile, and then there is no one to answer.
func (s *Server) admitIngest(ctx context.Context) bool {
	start := time.Now()
	waited, err := s.admit.ingest(ctx)
	if waited {
		s.metrics.ingestWait.Observe(time.Since(start).Seconds())
	}
	return err == nil
}

// otlpLogs is OTLP/HTTP logs: ExportLogsServiceRequest as protobuf
// (application/x-protobuf) or JSON (application/json, ids in hex as the
// OTLP JSON encoding has them), plain or gzip'ed (Content-Encoding).
func (s *Server) otlpLogs(w http.ResponseWriter, r *http.Request) {
	if !s.admitIngest(r.Context()) {
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		s.bodyError(w, err)
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	req := &collogs.ExportLogsServiceRequest{}
	isJSON := mt == "application/json"
	if isJSON {
		if body, err = otlpJSONIDs(body); err == nil {
			err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(body, req)
		}
	} else {
		err = proto.Unmarshal(body, req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "not an OTLP ExportLogsServiceRequest: "+err.Error())
		return
	}
	bySource := map[string][]store.Entry{}
	keys := contentKeys{}
	for _, rl := range req.GetResourceLogs() {
		service := attrString(rl.GetResource().GetAttributes(), "service.name")
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				s.red.LogRecord(lr)
				rec := otlpRecord(lr, service)
				raw := []byte(rec.Raw)
				source := "otlp/" + service
				rec.File = parse.PushPrefix + source
				rec.Offset = keys.next([]byte(source), raw)
				bySource[source] = append(bySource[source], store.Entry{Record: rec, At: entryTime(rec.Time)})
			}
		}
	}
	sources := make([]string, 0, len(bySource))
	for src := range bySource {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	for _, src := range sources {
		if err := s.writePushed(r.Context(), "otlp", src, bySource[src]); err != nil {
			writeError(w, http.StatusServiceUnavailable, "the index did not take the records: "+err.Error())
			return
		}
	}
	resp := &collogs.ExportLogsServiceResponse{}
	if isJSON {
		b, _ := protojson.Marshal(resp)
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return
	}
	b, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(b)
}

// otlpRecord turns an OTLP log record into a Record. Its Raw is a JSON line
// with the record's time, level, body, ids and attributes, the form `logs`
// prints and the page shows.
func otlpRecord(lr *logspb.LogRecord, service string) parse.Record {
	rec := parse.Record{Service: service}
	if ts := lr.GetTimeUnixNano(); ts != 0 {
		rec.Time = time.Unix(0, int64(ts)).UTC()
	} else if ts := lr.GetObservedTimeUnixNano(); ts != 0 {
		rec.Time = time.Unix(0, int64(ts)).UTC()
	}
	if !rec.Time.IsZero() {
		rec.TimePrecision = time.Nanosecond
	}
	rec.Level = otlpLevel(lr.GetSeverityText(), lr.GetSeverityNumber())
	rec.Msg = anyString(lr.GetBody())
	if id := lr.GetTraceId(); len(id) == 16 && !allZero(id) {
		rec.TraceID = hex.EncodeToString(id)
		if sid := lr.GetSpanId(); len(sid) == 8 && !allZero(sid) {
			rec.SpanID = hex.EncodeToString(sid)
		}
		rec.TraceFlags = fmt.Sprintf("%02x", lr.GetFlags()&0xff)
	}
	attrs := lr.GetAttributes()
	if f := attrString(attrs, "code.filepath"); f != "" {
		rec.Caller = f
	} else if f := attrString(attrs, "code.file.path"); f != "" {
		rec.Caller = f
	}
	if rec.Caller != "" {
		if n := attrString(attrs, "code.lineno"); n != "" {
			rec.Caller += ":" + n
		} else if n := attrString(attrs, "code.line.number"); n != "" {
			rec.Caller += ":" + n
		}
	}
	raw := map[string]any{"msg": rec.Msg, "level": rec.Level}
	if !rec.Time.IsZero() {
		raw["time"] = rec.Time.Format(time.RFC3339Nano)
	}
	if rec.TraceID != "" {
		raw["trace_id"], raw["trace_flags"] = rec.TraceID, rec.TraceFlags
	}
	if rec.SpanID != "" {
		raw["span_id"] = rec.SpanID
	}
	if service != "" {
		raw["service.name"] = service
	}
	for _, kv := range attrs {
		if _, taken := raw[kv.GetKey()]; !taken {
			raw[kv.GetKey()] = anyString(kv.GetValue())
		}
	}
	b, _ := json.Marshal(raw)
	rec.Raw = string(b)
	return rec
}

func otlpLevel(text string, n logspb.SeverityNumber) string {
	if text != "" {
		t := strings.ToLower(text)
		switch {
		case strings.HasPrefix(t, "warn"):
			return "warn"
		case strings.HasPrefix(t, "err"):
			return "error"
		}
		return t
	}
	switch {
	case n == 0:
		return ""
	case n <= 4:
		return "trace"
	case n <= 8:
		return "debug"
	case n <= 12:
		return "info"
	case n <= 16:
		return "warn"
	case n <= 20:
		return "error"
	default:
		return "fatal"
	}
}

func attrString(attrs []*commonpb.KeyValue, key string) string {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return anyString(kv.GetValue())
		}
	}
	return ""
}

func anyString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	case *commonpb.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	case *commonpb.AnyValue_BytesValue:
		return hex.EncodeToString(x.BytesValue)
	case nil:
		return ""
	default:
		b, _ := protojson.Marshal(v)
		return string(b)
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

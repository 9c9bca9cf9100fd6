package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/redact"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// TestPushRedactsAtEverySplit: every one-line leak variant, wrapped in
// CRI and in Docker json-file pieces cut at every byte of its line and
// pushed a piece a push (each push ends one line and starts the next),
// is accepted as one entry per cut, the first piece held until the
// second comes, and every cut stores the same entry (the store keeps one
// of equal entries): one per variant and wrapping, with no secret in any
// field. TestRedactionHolds cuts at a few chosen points; this cuts at all.
func TestPushRedactsAtEverySplit(t *testing.T) {
	now := time.Now()
	_, st, base := startServer(t, func(c *Config) { c.Redact = leakConfig })
	vs := oneLineVariants(now)
	// One source per variant and wrap, eight pushed at once (fewer than
	// the sources that may hold a piece); within a source, cut k's last
	// piece and cut k+1's first go in one push.
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	cases := 0
	var accepted atomic.Int64
	errs := make(chan error, len(vs)*len(wraps))
	for i, v := range vs {
		for _, w := range wraps {
			line := v.lines[0]
			cases += len(line) - 1
			wg.Add(1)
			go func() {
				defer wg.Done()
				slots <- struct{}{}
				defer func() { <-slots }()
				url := fmt.Sprintf("%s/api/v1/ingest?source=%s-%d", base, w.name, i)
				pending := ""
				for k := 1; k < len(line); k++ {
					// A time of its own per cut: the same line at
					// another time is another entry.
					ts := now.Add(time.Duration(k) * time.Millisecond).UTC().Format(time.RFC3339Nano)
					body := pending + w.piece(line[:k], ts, false) + "\n"
					ans, err := pushOK(url, body)
					if err == nil && (ans["held"] != 1 || ans["skipped"] != 0) {
						err = fmt.Errorf("answered %v, want the first piece held and nothing skipped", ans)
					}
					if err != nil {
						errs <- fmt.Errorf("%s %s cut %d: %w", v.name, w.name, k, err)
						return
					}
					accepted.Add(ans["accepted"])
					pending = w.piece(line[k:], ts, true) + "\n"
				}
				ans, err := pushOK(url, pending)
				if err != nil {
					errs <- err
					return
				}
				accepted.Add(ans["accepted"])
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, c := checkStored(t, st, vs, "a pushed line cut in two")
	if accepted.Load() != int64(cases) {
		t.Errorf("%d entries accepted from %d lines, each cut in two pieces", accepted.Load(), cases)
	}
	if want := len(vs) * len(wraps); n != want {
		t.Errorf("%d distinct entries stored, want %d (one per variant and wrapping): some cut stored another entry", n, want)
	}
	t.Logf("%d variants, %d lines cut, %d distinct entries read, %d leaks", len(vs), cases, n, len(c.leaks))
}

// oneLineVariants are the leak variants of one line that is not a
// container line already.
func oneLineVariants(now time.Time) []*leakVariant {
	var vs []*leakVariant
	for _, v := range leakVariants(now) {
		if v.otlp != nil || len(v.lines) != 1 {
			continue
		}
		if _, _, ok := parse.ContainerPart([]byte(v.lines[0])); ok {
			continue
		}
		vs = append(vs, v)
	}
	return vs
}

// wraps are the container formats a line is cut into pieces of: piece
// returns one piece of payload written at ts, the line's last or not.
var wraps = []struct {
	name  string
	piece func(payload, ts string, last bool) string
}{
	{"cri", func(payload, ts string, last bool) string {
		tag := "P"
		if last {
			tag = "F"
		}
		return ts + " stdout " + tag + " " + payload
	}},
	{"docker", dockerLine},
}

// TestIndexRedactsAtEverySplit is TestPushRedactsAtEverySplit for files:
// each variant's line cut at every byte into two container pieces, the
// cuts one after another in a file per variant and wrapping, indexed
// with the leak test's redaction. Every cut is one entry (a file's
// entries are kept apart by their offsets), none with a secret.
func TestIndexRedactsAtEverySplit(t *testing.T) {
	now := time.Now()
	vs := oneLineVariants(now)
	logs := t.TempDir()
	cases := 0
	for i, v := range vs {
		for _, w := range wraps {
			line := v.lines[0]
			var b strings.Builder
			for k := 1; k < len(line); k++ {
				ts := now.Add(time.Duration(k) * time.Millisecond).UTC().Format(time.RFC3339Nano)
				b.WriteString(w.piece(line[:k], ts, false) + "\n" + w.piece(line[k:], ts, true) + "\n")
				cases++
			}
			if err := os.WriteFile(filepath.Join(logs, fmt.Sprintf("%s-%02d.log", w.name, i)), []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	red, err := redact.New(leakConfig)
	if err != nil {
		t.Fatal(err)
	}
	st, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := ingest.DefaultConfig()
	cfg.Paths = []string{logs}
	cfg.Parse.Redact = red.Entry
	stats, err := ingest.Index(context.Background(), st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n, c := checkStored(t, st, vs, "a line cut in two in a file")
	if n != cases || stats.Entries != int64(cases) {
		t.Errorf("%d entries stored (%d written) from %d lines, each cut in two pieces", n, stats.Entries, cases)
	}
	t.Logf("%d variants, %d lines cut, %d entries read, %d leaks", len(vs), cases, n, len(c.leaks))
}

// checkStored looks for vs's secrets in every field of every entry of st,
// and returns how many entries it read and the checker.
func checkStored(t *testing.T, st store.Store, vs []*leakVariant, where string) (int, *leakChecker) {
	t.Helper()
	c := &leakChecker{t: t, vs: vs, leaks: map[string]bool{}}
	n := 0
	if err := st.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		n++
		c.check(where, fmt.Appendf(nil, "%+v", e.Record))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return n, c
}

// pushOK pushes body to url, wants a 200 and returns its counts.
func pushOK(url, body string) (map[string]int64, error) {
	status, b, err := push(url, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %d %s", url, status, b)
	}
	ans := map[string]int64{}
	return ans, json.Unmarshal(b, &ans)
}

// push posts body to url as NDJSON and returns the answer's status and
// body.
func push(url, body string) (int, []byte, error) {
	resp, err := http.Post(url, "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

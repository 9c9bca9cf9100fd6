package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
)

// smallSendBuffers accepts connections whose kernel send buffer is small,
// so that a response to a client that reads slowly stays in the server's
// Write for as long as the client takes.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// slowRead asks for path and reads the answer 512 bytes every 50 ms
// through a small receive buffer. It reports on done when the answer was
// read to its end (or failed), and stops reading when stop closes.
func slowRead(t *testing.T, addr, path string, stop <-chan struct{}, done chan<- error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		done <- err
		return
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4 << 10)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr)
	buf := make([]byte, 512)
	for {
		select {
		case <-stop:
			done <- nil
			return
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := c.Read(buf); err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("the answer was read to its end before the measurement ended")
			}
			done <- err
			return
		}
	}
}

// TestSlowReadersDoNotThrottlePushes: two clients that read lookup answers
// slowly do not slow pushes. A lookup takes priority over ingest while it
// reads the store, not while its answer trickles to the client.
func TestSlowReadersDoNotThrottlePushes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	st, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := New(cfg, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(smallSendBuffers{ln})
	defer hs.Close()
	addr := ln.Addr().String()
	base := "http://" + addr

	const big = "5105105105105105105105105105105a"
	var body strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&body, `{"time":"2026-11-24T12:00:%02d.%06dZ","level":"info","msg":"a line of a large trace, padded to look like a real one with attributes","trace_id":"%s","user":"u%d"}`+"\n", i%60, i, big, i)
	}
	if code, msg := call(t, http.MethodPost, base+"/api/v1/ingest", body.String()); code != 200 {
		t.Fatalf("ingest: %d %s", code, msg)
	}

	const window = 3 * time.Second
	alone := pushLines(t, base, 8, window)

	stop := make(chan struct{})
	done := make(chan error, 2)
	for _, path := range []string{"/api/v1/traces/" + big + "/logs?raw=1", "/api/v1/traces/" + big} {
		go slowRead(t, addr, path, stop, done)
	}
	time.Sleep(300 * time.Millisecond) // both lookups have read the store and started answering
	withReaders := pushLines(t, base, 8, window)
	close(stop)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("slow reader: %v", err)
		}
	}
	ratio := float64(withReaders) / float64(alone)
	t.Logf("pushes: %d lines in %s alone, %d with two slow readers (%.0f%%)", alone, window, withReaders, 100*ratio)
	if ratio < 0.5 {
		t.Errorf("two slow readers cut push throughput to %.0f%% (%d against %d lines), want at least 50%%", 100*ratio, withReaders, alone)
	}
}

// pushLines runs n pushers of 100-line batches against base for d and
// returns the lines acknowledged.
func pushLines(t *testing.T, base string, n int, d time.Duration) int64 {
	t.Helper()
	var total, seq atomic.Int64
	deadline := time.Now().Add(d)
	errc := make(chan error, n)
	for range n {
		go func() {
			var b strings.Builder
			for time.Now().Before(deadline) {
				b.Reset()
				id := fmt.Sprintf("c3%030x", seq.Add(1))
				for i := range 100 {
					fmt.Fprintf(&b, `{"time":"2026-11-24T12:00:%02dZ","msg":"pushed %d","trace_id":"%s"}`+"\n", i%60, i, id)
				}
				resp, err := http.Post(base+"/api/v1/ingest", "application/x-ndjson", strings.NewReader(b.String()))
				if err != nil {
					errc <- err
					return
				}
				io.Copy(io.Discard, bufio.NewReader(resp.Body))
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					total.Add(100)
				}
			}
			errc <- nil
		}()
	}
	for range n {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	return total.Load()
}

// TestMemoryReleasedWhenIdle: once writes stop, the memory ingest used is
// returned to the system, once per burst.
func TestMemoryReleasedWhenIdle(t *testing.T) {
	srv, _, _ := startServer(t, nil)
	var frees atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.releaseWhenIdle(ctx, 100*time.Millisecond, 10*time.Millisecond, func() bool { frees.Add(1); return true })
	}()
	defer func() { cancel(); <-done }()
	time.Sleep(300 * time.Millisecond)
	if n := frees.Load(); n != 0 {
		t.Fatalf("released %d times before any write", n)
	}
	for burst := 1; burst <= 2; burst++ {
		for range 10 { // writes 10 ms apart: one burst
			srv.noteWrite(nil)
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(400 * time.Millisecond)
		if n := frees.Load(); n != int32(burst) {
			t.Fatalf("after %d bursts and idle time, released %d times, want %d", burst, n, burst)
		}
	}
}

// The embedded store is one the idle release reaches.
var _ memoryReleaser = (*pebblestore.Store)(nil)

// releasingStore counts the idle releases that reach its store.
type releasingStore struct {
	store.Store
	released atomic.Int32
}

func (r *releasingStore) ReleaseMemory() bool { r.released.Add(1); return true }

// TestIdleReleaseReachesTheStore: the idle release returns the store's
// freed memory too (Pebble's blocks and memtables are C memory, which the
// Go runtime's release does not reach).
func TestIdleReleaseReachesTheStore(t *testing.T) {
	rs := &releasingStore{}
	(&Server{store: rs}).releaseMemory()
	if n := rs.released.Load(); n != 1 {
		t.Errorf("the store released %d times, want 1", n)
	}
}

// TestIdleReleaseRetriesABusyStore: a store that asks to be released later
// is asked again at the next ticks, until it is done; then not again.
func TestIdleReleaseRetriesABusyStore(t *testing.T) {
	srv, _, _ := startServer(t, nil)
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.releaseWhenIdle(ctx, 50*time.Millisecond, 10*time.Millisecond, func() bool { return calls.Add(1) >= 3 })
	}()
	defer func() { cancel(); <-done }()
	srv.noteWrite(nil)
	for deadline := time.Now().Add(10 * time.Second); calls.Load() < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("asked %d times in 10 s, want 3 (twice busy, then done)", calls.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // ten more ticks
	if n := calls.Load(); n != 3 {
		t.Errorf("asked %d times, want 3: not again once done", n)
	}
}

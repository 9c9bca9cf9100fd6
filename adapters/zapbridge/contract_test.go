package zapbridge

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// checkedOnly is a core that prepares each entry in Check and fails a
// Write it did not check, as zapcore.Core allows ("Callers must use Check
// before calling Write"). Its Check declines entries whose message starts
// with "drop", although Enabled reports every level enabled.
type checkedOnly struct {
	mu      sync.Mutex
	pending map[string]int // checked entries not yet written, by message
	out     *bytes.Buffer
	fields  int // fields the last Write got
}

func newCheckedOnly() *checkedOnly {
	return &checkedOnly{pending: map[string]int{}, out: &bytes.Buffer{}}
}

func (c *checkedOnly) Enabled(zapcore.Level) bool        { return true }
func (c *checkedOnly) With([]zapcore.Field) zapcore.Core { return c }
func (c *checkedOnly) Sync() error                       { return nil }
func (c *checkedOnly) written() string                   { c.mu.Lock(); defer c.mu.Unlock(); return c.out.String() }
func (c *checkedOnly) check(ent zapcore.Entry) bool      { return !strings.HasPrefix(ent.Message, "drop") }
func (c *checkedOnly) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[ent.Message] == 0 {
		return errors.New("write without check: " + ent.Message)
	}
	c.pending[ent.Message]--
	c.fields = len(fields)
	c.out.WriteString(ent.Message + "\n")
	return nil
}

func (c *checkedOnly) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if !c.check(ent) {
		return ce
	}
	c.mu.Lock()
	c.pending[ent.Message]++
	c.mu.Unlock()
	return ce.AddCore(ent, c)
}

// TestCheckBeforeWrite: NewCore's core asks the wrapped core's Check for
// every line and writes only through what it returned, from a logger, from
// a tee above it, and when its own Write is called directly.
func TestCheckBeforeWrite(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, 1)
	next := newCheckedOnly()
	errOut := &syncBuffer{}
	l := zap.New(NewCore(next), zap.ErrorOutput(errOut))
	l.Info("one", Context(ctx), zap.Int("n", 1))
	l.Info("drop me", Context(ctx))
	l.With(Context(ctx)).Warn("two")
	zap.New(zapcore.NewTee(NewCore(next), zapcore.NewNopCore()), zap.ErrorOutput(errOut)).Info("three", Context(ctx))
	if err := NewCore(next).Write(zapcore.Entry{Message: "four"}, []zapcore.Field{Context(ctx)}); err != nil {
		t.Errorf("direct Write: %v", err)
	}
	if err := NewCore(next).Write(zapcore.Entry{Message: "drop direct"}, nil); err != nil {
		t.Errorf("direct Write of a declined entry: %v", err)
	}
	if got, want := next.written(), "one\ntwo\nthree\nfour\n"; got != want {
		t.Errorf("written %q, want %q", got, want)
	}
	if errOut.String() != "" {
		t.Errorf("error output: %s", errOut.String())
	}
	if next.fields != 1 { // the span's fields, as one inline field
		t.Errorf("last Write got %d fields, want 1", next.fields)
	}
}

// TestCoreWriteReturnsError: a direct Write returns the error the write
// through the wrapped core reported.
func TestCoreWriteReturnsError(t *testing.T) {
	c := NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), failingWriter{}, zapcore.InfoLevel))
	err := c.Write(zapcore.Entry{Message: "m"}, []zapcore.Field{Context(spanCtx(testTraceID, testSpanID, 1))})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write returned %v, want the write's error", err)
	}
}

// TestWithDoesNotMutate: a child from With never changes its parent, for
// every kind of field With treats apart (a context, a namespace, a field
// with a key the bridge writes).
func TestWithDoesNotMutate(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, 1)
	for _, setup := range setups {
		buf := &syncBuffer{}
		parent := setup.core(encoderConfig, buf, zapcore.InfoLevel)
		logParent := func() string {
			buf.b.Reset()
			zap.New(parent).Info("m", zap.Int("n", 1))
			return buf.String()
		}
		before := logParent()
		children := [][]zapcore.Field{
			{Context(ctx)},
			{zap.String("trace_id", "hand")},
			{zap.Namespace("ns"), zap.Int("a", 1)},
			{zap.String("a", "b")},
		}
		for _, fields := range children {
			child := parent.With(fields)
			zap.New(child.With([]zapcore.Field{zap.Int("c", 1)})).Info("child", Context(ctx))
			if after := logParent(); after != before {
				t.Errorf("%s: With(%v) changed the parent's line: %s, was %s", setup.name, fields, after, before)
			}
		}
	}
}

// TestSyncAndWriteErrors: Sync reaches the output, a failed write reaches
// the logger's ErrorOutput as zap's own core reports it, and only a line
// above the error level syncs the output.
func TestSyncAndWriteErrors(t *testing.T) {
	ctx := spanCtx(testTraceID, testSpanID, 1)
	cores := map[string]func(ws zapcore.WriteSyncer) zapcore.Core{
		"zap": func(ws zapcore.WriteSyncer) zapcore.Core {
			return zapcore.NewCore(zapcore.NewJSONEncoder(encoderConfig), ws, zapcore.DebugLevel)
		},
		"NewCore": func(ws zapcore.WriteSyncer) zapcore.Core {
			return setups[0].core(encoderConfig, ws, zapcore.DebugLevel)
		},
		"NewJSONCore": func(ws zapcore.WriteSyncer) zapcore.Core {
			return setups[1].core(encoderConfig, ws, zapcore.DebugLevel)
		},
	}
	type result struct {
		syncs  [3]int // after Sync, after an error line, after a DPanic line
		errOut string
	}
	run := func(core func(zapcore.WriteSyncer) zapcore.Core, fail bool) result {
		out := &syncCounter{}
		if fail {
			out.err = errors.New("disk full")
		}
		var eb bytes.Buffer
		l := zap.New(core(out), zap.ErrorOutput(zapcore.AddSync(&eb)))
		var r result
		_ = l.Sync()
		r.syncs[0] = out.syncs
		l.Error("stored", Context(ctx))
		r.syncs[1] = out.syncs
		l.DPanic("stored", Context(ctx))
		r.syncs[2] = out.syncs
		// The time zap prints before "write error" differs by run.
		for _, line := range strings.SplitAfter(eb.String(), "\n") {
			if _, msg, ok := strings.Cut(line, " write error: "); ok {
				r.errOut += msg
			}
		}
		return r
	}
	for _, fail := range []bool{false, true} {
		want := run(cores["zap"], fail)
		if fail && !strings.Contains(want.errOut, "disk full") {
			t.Fatalf("zap's own core reported %q", want.errOut)
		}
		for _, name := range []string{"NewCore", "NewJSONCore"} {
			if got := run(cores[name], fail); got != want {
				t.Errorf("%s, failing writes %v: %+v, zap's core %+v", name, fail, got, want)
			}
		}
	}
}

// syncCounter is a WriteSyncer that counts its Syncs and fails its writes
// when err is set.
type syncCounter struct {
	bytes.Buffer
	err   error
	syncs int
}

func (s *syncCounter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	return s.Buffer.Write(p)
}

func (s *syncCounter) Sync() error { s.syncs++; return nil }

package app

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/traceline/traceline/correlate/parse"
)

// parseOptions are the settings of `correlate parse`.
type parseOptions struct {
	all, raw bool
	pc       parseConfig
}

func newParseCommand(e *Env) *cobra.Command {
	var o parseOptions
	cmd := &cobra.Command{
		Use:   "parse [FILE...]",
		Short: "read log lines and print, as JSONL, those that carry a trace id",
		Long: `Reads each FILE (standard input when none, or for "-"; .gz files are
decompressed) and prints one JSON object for every log entry that carries a
trace id:

  {"file":"a.log","line":12,"trace_id":"<32 hex>","span_id":"<16 hex or empty>","time":"<RFC3339Nano or empty>","level":"info","msg":"…","service":"…"}

It reads JSON lines of zap, zerolog, go-zero logx, log/slog and logrus, their
text encoders, logfmt, Kubernetes CRI and Docker json-file wrappers, and the
trace fields of OpenTelemetry, ECS, Datadog, GCP and go-zero. Stack traces
under an entry belong to that entry. Nothing is stored: use "correlate index"
for that.`,
		Example: `  correlate parse app.log
  kubectl logs deploy/checkout | correlate parse --all
  correlate parse /var/log/pods/*/*/*.log --tz Europe/Berlin`,
	}
	fs := cmd.Flags()
	fs.BoolVar(&o.all, "all", false, "print entries without a trace id too")
	fs.BoolVar(&o.raw, "raw", false, `add the entry as written under "raw"`)
	o.pc.add(fs)
	cmd.RunE = runE(func(ctx context.Context, args []string) error { return o.run(ctx, e, args) })
	return cmd
}

// run prints the entries of each file in args (standard input for none).
func (o *parseOptions) run(ctx context.Context, e *Env, args []string) error {
	cfg, err := o.pc.config()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"-"}
	}
	w := bufio.NewWriterSize(e.Stdout, 64<<10)
	defer w.Flush()
	var buf []byte
	out := func(recs []parse.Record) error {
		for i := range recs {
			r := &recs[i]
			if !o.all && r.TraceID == "" && r.TraceIDLow == "" {
				continue
			}
			if o.raw {
				buf = r.AppendJSONRaw(buf[:0])
			} else {
				buf = r.AppendJSON(buf[:0])
			}
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	}
	for _, name := range args {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := parseFile(e, name, cfg, out); err != nil {
			return err
		}
	}
	return w.Flush()
}

// parseConfig holds the parser flags shared by parse and index.
type parseConfig struct {
	tz       string
	maxLine  int
	services []string
}

// add declares the parser flags on fs.
func (pc *parseConfig) add(fs *pflag.FlagSet) {
	fs.StringVar(&pc.tz, "tz", "UTC", "`ZONE` of times written without one (IANA name or Local)")
	fs.IntVar(&pc.maxLine, "max-line-bytes", parse.DefaultMaxLineBytes, "cut entries longer than `N` bytes (marked too_long)")
	fs.Var(listFlag{&pc.services}, "service", "`GLOB=NAME`: lines of files matching GLOB without a service of their own belong to NAME (repeatable)")
}

func (pc *parseConfig) config() (parse.Config, error) {
	loc, err := time.LoadLocation(pc.tz)
	if err != nil {
		return parse.Config{}, usagef("--tz %q: %v", pc.tz, err)
	}
	if pc.maxLine < 64 {
		return parse.Config{}, usagef("--max-line-bytes must be at least 64")
	}
	cfg := parse.Config{Location: loc, MaxLineBytes: pc.maxLine}
	for _, s := range pc.services {
		ps, err := parse.ParsePathService(s)
		if err != nil {
			return parse.Config{}, usagef("--service %q: want GLOB=NAME", s)
		}
		cfg.Services = append(cfg.Services, ps)
	}
	return cfg, nil
}

// parseFile runs one file (or "-", standard input) through an Assembler.
func parseFile(e *Env, name string, cfg parse.Config, out func([]parse.Record) error) error {
	var r io.Reader
	display := name
	if name == "-" {
		r = e.Stdin
		display = "-"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	asm := parse.NewAssembler(display, cfg)
	max := cfg.MaxLineBytes
	if max <= 0 {
		max = parse.DefaultMaxLineBytes
	}
	var recs []parse.Record
	var long []byte // an over-long line being gathered, capped at max+1
	var off, lineStart, lineNo int64 = 0, 0, 1
	for {
		chunk, rerr := br.ReadSlice('\n')
		off += int64(len(chunk))
		if errors.Is(rerr, bufio.ErrBufferFull) {
			long = append(long, chunk[:min(len(chunk), max+1-len(long))]...)
			continue
		}
		line := bytes.TrimSuffix(chunk, []byte{'\n'})
		if long != nil {
			line = append(long, line[:min(len(line), max+1-len(long))]...)
			long = nil
		}
		recs = recs[:0]
		if len(chunk) > 0 || len(line) > 0 {
			recs = asm.Add(recs, line, lineStart, lineNo)
			lineNo++
			lineStart = off
		}
		if err := out(recs); err != nil {
			return err
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				break
			}
			return fmt.Errorf("%s: %w", name, rerr)
		}
	}
	return out(asm.Flush(recs[:0]))
}

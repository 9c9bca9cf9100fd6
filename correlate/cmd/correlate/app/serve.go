package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/traceline/traceline/adapters/slogbridge"
	"github.com/traceline/traceline/correlate/server"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/chstore"
	"github.com/traceline/traceline/correlate/store/pebblestore"
	"github.com/traceline/traceline/logbridge"
)

// serveFile is where a running `correlate serve` leaves its address in the
// data folder, so that lookups on a folder it holds can ask it instead.
const serveFile = "serve.json"

// serveInfo is the content of serveFile.
type serveInfo struct {
	URL   string `json:"url"`
	Token string `json:"token,omitempty"`
	PID   int    `json:"pid"`
}

// serveOptions are the settings of `correlate serve` as the flags give
// them; config resolves them with the environment and the config file.
type serveOptions struct {
	configFile string
	flags      server.Config
	set        func(name string) bool // whether a flag was given
}

func newServeCommand(e *Env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve --data DIR --logs PATH [--logs PATH ...] [--jaeger URL] [--listen 127.0.0.1:8089] [--token T | --insecure]",
		Short: "follow log files, take pushed lines, and answer lookups over HTTP with a web page",
		Long: `Follows the log files PATH names (files, folders, globs; rotation and .gz
handled) into the index in DIR, takes lines pushed over HTTP (JSON lines at
POST /api/v1/ingest, OTLP/HTTP logs at POST /v1/logs), and serves:

  /                          paste a log line or a trace id
  /trace/{traceID}           the trace's spans with every log line under its span
  /coverage                  call sites that drop the request's context
  /api/v1/...                the same as JSON; /healthz, /readyz, /metrics

It listens on loopback unless told otherwise; any other address needs a
bearer token (--token, or CORRELATE_TOKEN) or an explicit --insecure.
While it runs, "correlate logs|trace|coverage --data DIR" ask it instead of
opening the folder.

Settings come from flags, then CORRELATE_* variables (CORRELATE_DATA,
CORRELATE_LOGS (comma-separated), CORRELATE_JAEGER, CORRELATE_LISTEN,
CORRELATE_TOKEN, CORRELATE_RETENTION, …), then --config FILE (YAML), then
defaults. Stop it with Ctrl-C: it finishes the requests in flight and writes
its last checkpoint.`,
		Example: `  correlate serve --data /var/lib/correlate --logs '/var/log/app/*.log' --jaeger http://127.0.0.1:16686
  correlate serve --config /etc/correlate.yaml`,
	}
	o.addFlags(cmd.Flags())
	cmd.MarkFlagDirname("data")
	cmd.MarkFlagFilename("config", "yaml", "yml")
	cmd.RunE = runE(func(ctx context.Context, args []string) error {
		cfg, err := o.config(e, args)
		if err != nil {
			return err
		}
		return serve(ctx, e, cfg)
	})
	return cmd
}

// addFlags declares serve's flags on fs.
func (o *serveOptions) addFlags(fs *pflag.FlagSet) {
	f := &o.flags
	fs.StringVar(&o.configFile, "config", "", "YAML configuration `FILE`")
	fs.StringVar(&f.Data, "data", "", "the index `DIR` (default $CORRELATE_DATA)")
	fs.Var(listFlag{&f.Logs}, "logs", "a file, folder or glob to follow (repeatable)")
	fs.StringVar(&f.Jaeger, "jaeger", "", "Jaeger query base `URL`, e.g. http://127.0.0.1:16686")
	fs.StringVar(&f.JaegerUI, "jaeger-ui", "", "Jaeger UI base `URL` for links (default: --jaeger)")
	fs.StringVar(&f.Listen, "listen", "", "address to listen on (default 127.0.0.1:8089)")
	fs.StringVar(&f.Token, "token", "", "bearer token required of clients")
	fs.BoolVar(&f.Insecure, "insecure", false, "allow a non-loopback address without a token")
	fs.Var(listFlag{&f.AllowedHosts}, "allowed-host", "a Host name to accept besides loopback ones (repeatable)")
	fs.Var(durationFlag{&f.Retention}, "retention", "drop entries older than this (e.g. 30d; 0 keeps all)")
	fs.Int64Var(&f.RetentionBytes, "retention-bytes", 0, "drop the oldest days while the index is larger than this many bytes (0: no limit)")
	fs.Var(durationFlag{&f.ExportDelay}, "export-delay", "spans younger than this may not be in Jaeger yet (default 10s)")
	fs.Var(durationFlag{&f.IngestYield}, "ingest-yield", "how long ingest may wait while trace lookups run (default 500ms; 0 never waits)")
	fs.Var(listFlag{&f.Redact.Keys}, "redact-key", "mask this field's value at ingest (repeatable)")
	fs.Var(listFlag{&f.Redact.Patterns}, "redact-pattern", "mask matches of this regular expression at ingest (repeatable)")
	fs.Var(listFlag{&f.ClickHouse}, "clickhouse", "keep the index in ClickHouse at this HTTP `URL` (repeat once per shard, in cluster order)")
	fs.StringVar(&f.ClickHouseCluster, "clickhouse-cluster", "", "the remote_servers cluster that lists the shards")
	fs.StringVar(&f.ClickHouseDatabase, "clickhouse-database", "", "ClickHouse database (default traceline)")
	fs.Var(listFlag{&f.Services}, "service", "`GLOB=NAME`: lines of followed files matching GLOB without a service of their own belong to NAME (repeatable)")
	fs.StringVar(&f.Untraced, "untraced", "", "`MODE` for entries without a trace id: compact (no raw line; the default), full or none")
	o.set = fs.Changed
}

// config resolves the service's configuration: flags, then CORRELATE_*
// variables, then the config file, then defaults.
func (o *serveOptions) config(e *Env, args []string) (server.Config, error) {
	if len(args) != 0 {
		return server.Config{}, usagef("unexpected arguments %q (log paths go after --logs)", args)
	}
	cfg := server.DefaultConfig()
	if o.configFile != "" {
		if err := cfg.LoadFile(o.configFile); err != nil {
			return server.Config{}, err
		}
	}
	if err := cfg.LoadEnv(func(k string) (string, bool) { v := e.Getenv(k); return v, v != "" }); err != nil {
		return server.Config{}, usagef("%v", err)
	}
	overlay(&cfg, o.flags, o.set)
	if err := cfg.Validate(); err != nil {
		return server.Config{}, usagef("%v", err)
	}
	return cfg, nil
}

// overlay copies the flags that were given over cfg.
func overlay(cfg *server.Config, f server.Config, set func(string) bool) {
	if set("data") {
		cfg.Data = f.Data
	}
	if set("logs") {
		cfg.Logs = f.Logs
	}
	if set("jaeger") {
		cfg.Jaeger = f.Jaeger
	}
	if set("jaeger-ui") {
		cfg.JaegerUI = f.JaegerUI
	}
	if set("listen") {
		cfg.Listen = f.Listen
	}
	if set("token") {
		cfg.Token = f.Token
	}
	if set("insecure") {
		cfg.Insecure = f.Insecure
	}
	if set("allowed-host") {
		cfg.AllowedHosts = f.AllowedHosts
	}
	if set("retention") {
		cfg.Retention = f.Retention
	}
	if set("retention-bytes") {
		cfg.RetentionBytes = f.RetentionBytes
	}
	if set("export-delay") {
		cfg.ExportDelay = f.ExportDelay
	}
	if set("ingest-yield") {
		cfg.IngestYield = f.IngestYield
	}
	if set("redact-key") {
		cfg.Redact.Keys = f.Redact.Keys
	}
	if set("redact-pattern") {
		cfg.Redact.Patterns = f.Redact.Patterns
	}
	if set("clickhouse") {
		cfg.ClickHouse = f.ClickHouse
	}
	if set("clickhouse-cluster") {
		cfg.ClickHouseCluster = f.ClickHouseCluster
	}
	if set("clickhouse-database") {
		cfg.ClickHouseDatabase = f.ClickHouseDatabase
	}
	if set("service") {
		cfg.Services = f.Services
	}
	if set("untraced") {
		cfg.Untraced = f.Untraced
	}
}

// openServeStore opens the store serve writes to: ClickHouse when
// configured (with a spool in the data folder), else the embedded store.
func openServeStore(ctx context.Context, cfg server.Config) (store.Store, error) {
	if len(cfg.ClickHouse) == 0 {
		return openStore(cfg.Data, false, pebblestore.Options{Untraced: cfg.Untraced})
	}
	ch := chstore.DefaultConfig()
	ch.Shards = cfg.ClickHouse
	ch.Cluster = cfg.ClickHouseCluster
	if cfg.ClickHouseDatabase != "" {
		ch.Database = cfg.ClickHouseDatabase
	}
	ch.SpoolDir = filepath.Join(cfg.Data, "spool")
	if cfg.SpoolBytes > 0 {
		ch.SpoolBytes = cfg.SpoolBytes
	}
	return chstore.Open(ctx, ch)
}

func serve(ctx context.Context, e *Env, cfg server.Config) error {
	// The correlator is its own first user: its log lines go through
	// Traceline's slog adapter.
	log := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(e.Stderr, nil), logbridge.WithService("correlate")))
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return err
	}
	st, err := openServeStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	server.TuneRuntime()
	srv, err := server.New(cfg, st, log)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return err
	}
	url := "http://" + srv.Addr()
	info, _ := json.Marshal(serveInfo{URL: url, Token: cfg.Token, PID: os.Getpid()})
	infoPath := filepath.Join(cfg.Data, serveFile)
	if err := os.WriteFile(infoPath, info, 0o600); err != nil {
		log.Warn("cannot leave the address in the data folder; lookups on it must use --server", "err", err)
	}
	fmt.Fprintf(e.Stdout, "correlate serve: %s (data %s)\n", url, cfg.Data)
	<-ctx.Done()
	os.Remove(infoPath)
	stopped := time.Now()
	err = srv.Close()
	log.Info("stopped", "took", time.Since(stopped).Round(time.Millisecond).String())
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

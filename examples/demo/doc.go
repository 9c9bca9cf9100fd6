// Package demo runs the clinical ePRO example end to end on loopback: Jaeger
// v2 (memory storage, tail sampling), the four example services as separate
// processes, and the Traceline correlator; then it sends a burst of
// questionnaire submissions and shows what the correlator makes of them.
//
//	d, err := demo.Start(ctx, demo.DefaultConfig()) // builds, starts, sends, prints
//	...
//	d.Close()                                        // stops every process it started
//
// # What runs
//
//	jaeger           bin/jaeger with a generated config: OTLP/HTTP receiver, query API,
//	                 memory storage, tail_sampling keeping every trace with an error and
//	                 a share of the rest. This build serves no UI.
//	epro-api         go-zero gateway, samples by ratio (parent-based below it)
//	data-collection  Gin + zap + GORM/SQLite
//	questionnaire    net/http + slog
//	notify-worker    zerolog; one code path drops the context on purpose
//	correlator       `correlate serve` on the log folder when the binary has it;
//	                 otherwise the folder is indexed with `correlate index`
//
// Every port is a free loopback port chosen at start, and every file goes to
// a fresh run folder (Config.Dir, else a new temporary folder), so runs never
// collide. Each process runs in its own process group; Close sends it
// SIGTERM, then SIGKILL after a grace period, and on Linux the kernel kills
// it too if the demo itself dies.
//
// # What it prints
//
// Where the logs and the correlator page are, a summary of the burst (how
// many requests failed, how many the gateway left unsampled), one failing
// request's trace joined with the log lines of all four services, and the
// coverage finding: the notify-worker lines that carry no trace.
package demo

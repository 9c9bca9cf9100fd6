// Package app is the correlate command: one file per command (parse.go,
// index.go, logs.go, trace.go, find.go, coverage.go, serve.go,
// jaegeruiconfig.go), each holding the command's flags, its validation and
// its run, with a test file beside it. root.go ties them into one cobra
// command and maps errors to exit codes; main only calls Run.
//
// # Adding a command
//
// Write newXCommand(e *Env) *cobra.Command in x.go: an options struct bound
// to the command's flags, a validate method that returns usagef(…) for a
// wrong command line (exit 2), and a run method whose other errors exit 1
// with one line on stderr. Add it to newRootCommand. Nothing runs at
// package initialisation: the store, the service and their options are
// built by the command that needs them.
package app

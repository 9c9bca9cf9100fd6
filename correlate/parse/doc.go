// Package parse reads log lines into Records: time, level, message,
// service, caller, trace id, span id and trace flags, plus the raw entry.
//
// (Format map follows as the formats land.)
package parse

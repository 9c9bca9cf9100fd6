// Package compat pins go-zero to v1.5.0, the lowest version logxbridge
// supports, and runs logxbridge's whole test suite against it:
//
//	cd adapters/logxbridge/compat && go test . github.com/traceline/traceline/adapters/logxbridge
//
// Its own test checks that the pin holds and that v1.5.0 behaves as the
// package documents (no FieldKeys: SetFieldKeys reports false).
package compat

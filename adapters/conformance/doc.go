// Package conformance holds no code: its test proves that every adapter
// writes the same trace keys and values for the same span under every
// profile, against golden files in testdata/. go-zero's logx adapter, in its
// own module, checks the same golden files from its own test.
package conformance

//go:build tools

// Package tools pins the Jaeger build used by the tests and the demo.
//
// Nothing here is compiled into the project: the blank import keeps
// github.com/jaegertracing/jaeger/cmd/jaeger (the Jaeger v2 all-in-one
// binary) and its dependency graph in go.mod and go.sum, so that
//
//	go build -o ../../bin/jaeger github.com/jaegertracing/jaeger/cmd/jaeger
//
// from this folder builds the same binary everywhere (make jaeger does this).
package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"

// Command tracelint reports log calls, goroutines and fresh root contexts
// that drop the request context in scope.
//
//	tracelint ./...                      # report
//	tracelint -fix ./...                 # apply the suggested fixes
//	go vet -vettool=$(which tracelint) ./...
//
// See package github.com/traceline/traceline/lint/tracelint for what it
// reports and how to silence a deliberate case.
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/traceline/traceline/lint/tracelint"
)

func main() { singlechecker.Main(tracelint.Analyzer) }

package tracelint_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/traceline/traceline/lint/tracelint"
)

// TestAnalyzer checks every diagnostic of testdata/src against its
// // want comment, and every package without one is quiet.
func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), tracelint.Analyzer,
		"slogcases", "zapcases", "zerologcases", "gozero", "gincases", "logruscases",
		"goroutines", "freshroots", "generated", "ignore", "recall")
}

// TestSuggestedFixes applies the fixes and compares each file with its
// .golden twin.
func TestSuggestedFixes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), tracelint.Analyzer,
		"slogcases", "zapcases", "zerologcases", "gozero", "gincases", "logruscases",
		"goroutines", "freshroots")
}

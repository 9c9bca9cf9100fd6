// Package plugin registers tracelint as a golangci-lint v2 module plugin.
//
// Build a custom golangci-lint with it (.custom-gcl.yml):
//
//	version: v2.15.0
//	plugins:
//	  - module: github.com/traceline/traceline/lint
//	    import: github.com/traceline/traceline/lint/plugin
//	    version: latest
//
// and enable it in .golangci.yml:
//
//	linters:
//	  enable: [tracelint]
//	  settings:
//	    custom:
//	      tracelint:
//	        type: module
package plugin

import (
	"fmt"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/traceline/traceline/lint/tracelint"
)

func init() { register.Plugin("tracelint", New) }

// Settings is the plugin's configuration from .golangci.yml. It has no
// fields yet; unknown keys are rejected.
type Settings struct{}

// New builds the plugin from its settings; golangci-lint calls it through
// register.GetPlugin.
func New(settings any) (register.LinterPlugin, error) {
	if _, err := register.DecodeSettings[Settings](settings); err != nil {
		return nil, fmt.Errorf("tracelint: settings: %w", err)
	}
	return linter{}, nil
}

type linter struct{}

var _ register.LinterPlugin = linter{}

// BuildAnalyzers returns the tracelint analyzer.
func (linter) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{tracelint.Analyzer}, nil
}

// GetLoadMode asks for type information: tracelint matches calls by type.
func (linter) GetLoadMode() string { return register.LoadModeTypesInfo }

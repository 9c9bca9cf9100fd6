package plugin_test

import (
	"testing"

	"github.com/golangci/plugin-module-register/register"

	_ "github.com/traceline/traceline/lint/plugin"
	"github.com/traceline/traceline/lint/tracelint"
)

// TestRegistered loads the plugin the way golangci-lint does: by name
// through the registry, with the settings from .golangci.yml.
func TestRegistered(t *testing.T) {
	tests := []struct {
		name     string
		settings any
		wantErr  bool
	}{
		{name: "no settings", settings: nil},
		{name: "empty settings", settings: map[string]any{}},
		{name: "unknown key", settings: map[string]any{"strict": true}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newPlugin, err := register.GetPlugin("tracelint")
			if err != nil {
				t.Fatal(err)
			}
			p, err := newPlugin(tt.settings)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("settings %v accepted", tt.settings)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.GetLoadMode(); got != register.LoadModeTypesInfo {
				t.Errorf("load mode %q, want %q", got, register.LoadModeTypesInfo)
			}
			as, err := p.BuildAnalyzers()
			if err != nil {
				t.Fatal(err)
			}
			if len(as) != 1 || as[0] != tracelint.Analyzer {
				t.Errorf("analyzers %v, want [tracelint]", as)
			}
		})
	}
}

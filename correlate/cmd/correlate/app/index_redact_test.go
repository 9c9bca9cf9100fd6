package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexRedacts(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "a.log")
	line := `{"ts":"2026-03-01T12:00:00Z","msg":"stored","patient_name":{"first":"Jane","last":"Doe"},"note":"ssn 123-45-6789","trace_id":"` + cliTrace + `"}`
	if err := os.WriteFile(log, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	runCmd("", nil, "index", "--quiet", "--data", data, "--redact-key", "patient_name", "--redact-pattern", `\b\d{3}-\d{2}-\d{4}\b`, log).expect(t, 0, nil, nil)
	r := runCmd("", nil, "logs", "--raw", "--data", data, cliTrace)
	r.expect(t, 0, []string{`[REDACTED]`}, nil)
	for _, secret := range []string{"Jane", "Doe", "123-45-6789"} {
		if strings.Contains(r.stdout, secret) {
			t.Errorf("%q reached the index: %s", secret, r.stdout)
		}
	}
	if info, err := os.Stat(data); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("data folder: %v %v, want 0700", info.Mode(), err)
	}
	runCmd("", nil, "index", "--data", data, "--redact-pattern", "(", log).expect(t, 2, nil, []string{"redaction pattern"})
}

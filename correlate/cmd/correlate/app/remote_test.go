package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLookupsAskTheRunningService: while serve holds the data folder,
// logs, trace and coverage on that folder answer through its API.
func TestLookupsAskTheRunningService(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	os.WriteFile(logFile, []byte(cliLine1+"\n"+cliLine3+"\n"+cliLine2+"\n"), 0o644)
	data := filepath.Join(dir, "data")
	url, stop := startServe(t, data, "--logs", logFile)
	defer stop()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && len(logsOf(t, url, cliTrace)) < 2 {
		time.Sleep(100 * time.Millisecond)
	}

	r := runCmd("", nil, "logs", "--data", data, cliTrace)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || !strings.Contains(strings.SplitN(r.stdout, "\n", 2)[0], `"msg":"first"`) {
		t.Errorf("logs through the service: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, r := range []cliRun{
		runCmd("", nil, "logs", "--server", url, cliTrace),
		runCmd("", map[string]string{"CORRELATE_SERVER": url}, "logs", cliTrace),
	} {
		if r.code != 0 || strings.Count(r.stdout, "\n") != 2 {
			t.Errorf("logs --server (or CORRELATE_SERVER), no data folder: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
	r = runCmd("", nil, "logs", "--data", data, "--raw", cliTrace)
	if r.code != 0 || !strings.Contains(r.stdout, `"raw":`) {
		t.Errorf("logs --raw through the service: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd("", nil, "trace", "--data", data, "--format", "json", cliTrace)
	if r.code != 0 || !strings.Contains(r.stdout, `"orphans"`) || !strings.Contains(r.stdout, "second") {
		t.Errorf("trace through the service: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd("", nil, "coverage", "--data", data, "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"lines": 3`) && !strings.Contains(r.stdout, `"lines":3`) {
		t.Errorf("coverage through the service: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd("", nil, "logs", "--data", data, "ffffffffffffffffffffffffffffffff")
	if r.code != 1 || !strings.Contains(r.stderr, "no such trace") {
		t.Errorf("missing trace through the service: exit %d %s", r.code, r.stderr)
	}
}

// Package browsertest starts Debian's Chromium headless for tests, through
// chromedp, with the flags this machine needs (no sandbox as root, no
// background networking on a closed network) and an empty profile.
//
// When Chromium is missing a test fails under CI=true and skips elsewhere
// with the command that installs it (make chromium).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns the Chromium binary: $CHROMIUM, else chromium or
// chromium-browser on PATH, else "".
func Path() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser for the test and returns a chromedp context
// bound to one tab; the browser is closed at the end of the test. timeout
// bounds everything done with the returned context.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	bin := Path()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is not installed: run `make chromium` (apt-get install chromium)")
		}
		t.Skip("Chromium is not installed: run `make chromium` (apt-get install chromium) to run the browser tests")
	}
	// Not t.TempDir: Chromium's helpers may still write into the profile
	// for a moment after the browser is gone, and t.TempDir's one
	// RemoveAll then fails the test.
	profile, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the browser profile %s", profile)
	})
	// Start the browser now, without a deadline (a deadline on the first
	// run would bound the browser's life), so a failure to launch is
	// reported as such.
	if err := chromedp.Run(tab); err != nil {
		t.Fatalf("starting Chromium (%s): %v", bin, err)
	}
	ctx, cancelTimeout := context.WithTimeout(tab, timeout)
	t.Cleanup(cancelTimeout)
	return ctx
}

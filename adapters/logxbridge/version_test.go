package logxbridge_test

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/traceline/traceline/adapters/logxbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

// goZeroVersion is the go-zero release this test binary was built with
// (tools/matrix/matrix.sh builds it with the oldest and the newest), read
// from the path of logx's source file: module@version/core/logx/....
func goZeroVersion(t *testing.T) string {
	pc := reflect.ValueOf(logx.SetWriter).Pointer()
	file, _ := runtime.FuncForPC(pc).FileLine(pc)
	_, rest, ok := strings.Cut(file, "go-zero@")
	v, _, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		t.Fatalf("no go-zero version in the path of logx's source: %s", file)
	}
	return v
}

// TestSetFieldKeysFollowsGoZero pins what SetFieldKeys reports on each
// go-zero: LogConf has FieldKeys from v1.9.1 on, and only there can logx be
// told to write trace_id and span_id.
func TestSetFieldKeysFollowsGoZero(t *testing.T) {
	v := goZeroVersion(t)
	var major, minor, patch int
	if _, err := fmt.Sscanf(v, "v%d.%d.%d", &major, &minor, &patch); err != nil {
		t.Fatalf("go-zero version %q: %v", v, err)
	}
	want := major > 1 || (major == 1 && (minor > 9 || (minor == 9 && patch >= 1)))
	var c logx.LogConf
	if got := logxbridge.SetFieldKeys(&c); got != want {
		t.Fatalf("go-zero %s: SetFieldKeys reported %v, want %v", v, got, want)
	}
}

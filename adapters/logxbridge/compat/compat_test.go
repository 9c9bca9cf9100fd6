package compat

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/traceline/traceline/adapters/logxbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

// lowest is the go-zero version this module pins.
const lowest = "v1.5.0"

// TestPinnedVersion reads the version from the path of logx's source
// file in the module cache (module@version/...).
func TestPinnedVersion(t *testing.T) {
	file, _ := runtime.FuncForPC(reflect.ValueOf(logx.SetWriter).Pointer()).FileLine(reflect.ValueOf(logx.SetWriter).Pointer())
	if !strings.Contains(file, "go-zero@"+lowest+"/") {
		t.Fatalf("logx is built from %s, want go-zero %s", file, lowest)
	}
}

func TestNoFieldKeysBeforeV191(t *testing.T) {
	var c logx.LogConf
	if logxbridge.SetFieldKeys(&c) {
		t.Fatal("SetFieldKeys reported FieldKeys on go-zero " + lowest)
	}
}

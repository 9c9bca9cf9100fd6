package logxbridge

import (
	"os"
	"testing"

	"github.com/zeromicro/go-zero/core/logx"
)

// encodingEnv selects logx's encoding for this test process. logx reads its
// configuration once per process, so TestLogxPlainEncoding runs the
// conformance test again in a child process with plain encoding.
const encodingEnv = "TRACELINE_LOGX_ENCODING"

// hasFieldKeys reports whether this go-zero has FieldKeys (v1.9.1+) and
// SetFieldKeys pointed them at the OTel keys.
var hasFieldKeys bool

func TestMain(m *testing.M) {
	c := logx.LogConf{ServiceName: "gateway", Mode: "console", Encoding: "json", Level: "debug"}
	if os.Getenv(encodingEnv) == "plain" {
		c.Encoding = "plain"
	}
	hasFieldKeys = SetFieldKeys(&c)
	logx.MustSetup(c)
	os.Exit(m.Run())
}

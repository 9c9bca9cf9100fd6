package logxbridge

import (
	"reflect"

	"github.com/traceline/traceline/internal/bridge"
	"github.com/traceline/traceline/logbridge"
	"github.com/zeromicro/go-zero/core/logx"
)

// SetFieldKeys points c.FieldKeys (go-zero v1.9.1 and later) at the trace
// and span keys of the first profile whose ids logx can write as they are
// (OTel, ECS or GoZero: hex ids), so logx itself writes trace_id and span_id
// under the default profile. Call it on the service's configuration before
// go-zero sets logx up (before rest.MustNewServer, zrpc.MustNewServer or
// logx.MustSetup): logx reads FieldKeys once.
//
// It reports false, leaving c alone, when this go-zero has no FieldKeys or
// no profile has hex ids (Datadog or GCP alone); then install NewWriter,
// which rewrites logx's keys on every version. It reads and writes only
// logx's exported FieldKeys, by reflection, so that one build of this
// package serves every supported go-zero.
func SetFieldKeys(c *logx.LogConf, opts ...logbridge.Option) bool {
	if c == nil {
		return false
	}
	var traceKey, spanKey string
	for _, p := range bridge.New(opts...).Profiles() {
		switch p.Name {
		case logbridge.OTel.Name(), logbridge.ECS.Name(), logbridge.GoZero.Name():
			traceKey, spanKey = p.TraceKey, p.SpanKey
		}
		if traceKey != "" {
			break
		}
	}
	if traceKey == "" {
		return false
	}
	// FieldKeys has an unexported type and is missing before v1.9.1:
	// reflection lets one package build against every supported version.
	keys := reflect.ValueOf(c).Elem().FieldByName("FieldKeys")
	if !keys.IsValid() || keys.Kind() != reflect.Struct {
		return false
	}
	tk, sk := keys.FieldByName("TraceKey"), keys.FieldByName("SpanKey")
	if !tk.IsValid() || !sk.IsValid() || tk.Kind() != reflect.String || sk.Kind() != reflect.String {
		return false
	}
	tk.SetString(traceKey)
	sk.SetString(spanKey)
	return true
}

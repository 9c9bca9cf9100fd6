package redact

import (
	"strconv"

	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
)

// anyNumber is an int or double value as text, for the patterns.
func anyNumber(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	}
	return ""
}

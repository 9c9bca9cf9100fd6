package tracesource

import "testing"

func TestNormalizeIDs(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		span   bool
		want   string
		wantOK bool
	}{
		{"trace lower hex", "0af7651916cd43dd8448eb211c80319c", false, "0af7651916cd43dd8448eb211c80319c", true},
		{"trace upper hex", "0AF7651916CD43DD8448EB211C80319C", false, "0af7651916cd43dd8448eb211c80319c", true},
		{"trace 64-bit padded", "8448eb211c80319c", false, "00000000000000008448eb211c80319c", true},
		{"trace short hex padded", "1", false, "00000000000000000000000000000001", true},
		{"trace base64", "CvdlGRbNQ92ESOshHIAxnA==", false, "0af7651916cd43dd8448eb211c80319c", true},
		{"trace all zero", "00000000000000000000000000000000", false, "", false},
		{"trace too long", "0af7651916cd43dd8448eb211c80319c0", false, "", false},
		{"trace not hex", "0af7651916cd43dd8448eb211c80319g", false, "", false},
		{"trace empty", "", false, "", false},
		{"trace spaces trimmed", " 0af7651916cd43dd8448eb211c80319c ", false, "0af7651916cd43dd8448eb211c80319c", true},
		{"span hex", "B7AD6B7169203331", true, "b7ad6b7169203331", true},
		{"span padded", "203331", true, "0000000000203331", true},
		{"span base64", "t61rcWkgMzE=", true, "b7ad6b7169203331", true},
		{"span all zero", "0000000000000000", true, "", false},
		{"span too long", "b7ad6b71692033310", true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NormalizeTraceID
			if tt.span {
				f = NormalizeSpanID
			}
			got, gotOK := f(tt.in)
			if got != tt.want || gotOK != tt.wantOK {
				t.Errorf("normalize(%q) = %q, %v; want %q, %v", tt.in, got, gotOK, tt.want, tt.wantOK)
			}
		})
	}
}

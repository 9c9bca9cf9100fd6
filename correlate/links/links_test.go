package links_test

import (
	"fmt"
	"testing"

	"github.com/traceline/traceline/correlate/links"
)

const (
	tid = "0af7651916cd43dd8448eb211c80319c"
	sid = "b7ad6b7169203331"
)

func TestLinks(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"jaeger with span", links.Jaeger("http://localhost:16686", tid, sid),
			"http://localhost:16686/trace/" + tid + "?uiFind=" + sid},
		{"jaeger trailing slash", links.Jaeger("http://localhost:16686/", tid, sid),
			"http://localhost:16686/trace/" + tid + "?uiFind=" + sid},
		{"jaeger path prefix", links.Jaeger("https://ops.example/jaeger", tid, ""),
			"https://ops.example/jaeger/trace/" + tid},
		{"jaeger no base", links.Jaeger("", tid, sid), ""},
		{"jaeger no trace", links.Jaeger("http://j", "", sid), ""},
		{"jaeger hostile ids escaped", links.Jaeger("http://j", "a/b?c", "x&y=z"),
			"http://j/trace/a%2Fb%3Fc?uiFind=x%26y%3Dz"},
		{"correlator", links.Correlator("http://127.0.0.1:8089", tid), "http://127.0.0.1:8089/trace/" + tid},
		{"correlator api", links.CorrelatorAPI("http://127.0.0.1:8089/", tid),
			"http://127.0.0.1:8089/api/v1/traces/" + tid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

func ExampleJaeger() {
	fmt.Println(links.Jaeger("http://localhost:16686", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"))
	// Output: http://localhost:16686/trace/0af7651916cd43dd8448eb211c80319c?uiFind=b7ad6b7169203331
}

module github.com/traceline/traceline/adapters/logxbridge/compat

go 1.24.0

require (
	github.com/traceline/traceline/adapters/logxbridge v0.0.0-00010101000000-000000000000
	github.com/zeromicro/go-zero v1.10.3
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/fatih/color v1.18.0 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/rs/zerolog v1.33.0 // indirect
	github.com/spaolacci/murmur3 v1.1.0 // indirect
	github.com/traceline/traceline v0.0.0-00010101000000-000000000000 // indirect
	go.opentelemetry.io/otel v1.40.0 // indirect
	go.opentelemetry.io/otel/trace v1.40.0 // indirect
	go.uber.org/automaxprocs v1.6.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.27.0 // indirect
	golang.org/x/net v0.50.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/text v0.34.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20260128011058-8636f8732409 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260128011058-8636f8732409 // indirect
	google.golang.org/grpc v1.80.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

replace (
	github.com/traceline/traceline => ../../..
	github.com/traceline/traceline/adapters/logxbridge => ../
	// The lowest go-zero logxbridge supports. A replace, not a require:
	// logxbridge's own go.mod asks for v1.10.3, and MVS would choose it.
	github.com/zeromicro/go-zero => github.com/zeromicro/go-zero v1.5.0
	// go-zero v1.5.0's zrpc resolver builds only against the Kubernetes
	// client it was released with; logxbridge's graph (from v1.10.3)
	// would raise it.
	k8s.io/api => k8s.io/api v0.26.2
	k8s.io/apimachinery => k8s.io/apimachinery v0.26.2
	k8s.io/client-go => k8s.io/client-go v0.26.2
	k8s.io/kube-openapi => k8s.io/kube-openapi v0.0.0-20221012153701-172d655c2280
	k8s.io/utils => k8s.io/utils v0.0.0-20230115233650-391b47cb4029
)

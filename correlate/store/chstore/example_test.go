package chstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/chstore"
)

// Two shards named "logs" in both servers' remote_servers, and a spool for
// when one of them is down.
func ExampleOpen() {
	ctx := context.Background()
	st, err := chstore.Open(ctx, chstore.Config{
		Shards:   []string{"http://ch1:8123", "http://ch2:8123"},
		Cluster:  "logs",
		SpoolDir: "/var/lib/correlate/spool",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	ids, _ := store.ParseTraceID("4bf92f3577b34da6a3ce929d0e0e4736")
	recs, err := st.Logs(ctx, ids...)
	if err != nil {
		log.Fatal(err) // a *chstore.ShardError names the shard that failed
	}
	for _, r := range recs {
		fmt.Println(r.File, r.Line, r.Msg)
	}
}

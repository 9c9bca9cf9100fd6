package clickhousetest

import (
	"strconv"
	"strings"
	"testing"
)

func TestStartTwo(t *testing.T) {
	c := Start(t, 2)
	for _, s := range c.Servers {
		v, err := s.Query("SELECT version()")
		if err != nil || !strings.Contains(v, ".") {
			t.Fatalf("server %d: version %q, %v", s.Index, v, err)
		}
	}
	// The cluster spans both: one row per shard.
	got, err := c.Servers[0].Query("SELECT count() FROM remote('127.0.0.1:" + strconv.Itoa(c.Servers[1].TCPPort) + "', system.one)")
	if err != nil || strings.TrimSpace(got) != "1" {
		t.Fatalf("remote query: %q, %v", got, err)
	}
	got, err = c.Servers[1].Query("SELECT count() FROM system.clusters WHERE cluster = '" + Cluster + "'")
	if err != nil || strings.TrimSpace(got) != "2" {
		t.Fatalf("cluster has %q shards, %v", got, err)
	}
	s := c.Servers[1]
	s.Kill()
	if _, err := s.Query("SELECT 1"); err == nil {
		t.Fatal("killed server still answers")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Query("SELECT 1"); err != nil {
		t.Fatal(err)
	}
}

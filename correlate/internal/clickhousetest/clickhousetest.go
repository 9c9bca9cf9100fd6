// Package clickhousetest starts real ClickHouse servers for tests: plain
// clickhouse-server processes (Debian's package, 18.16 here; the single
// `clickhouse` binary of current releases works too) with generated
// configs, each on free loopback ports with its own temporary data folder.
//
//	func TestStore(t *testing.T) {
//		c := clickhousetest.Start(t, 2) // two servers, one shard each of cluster c.Name
//		st, err := chstore.Open(ctx, chstore.Config{Shards: c.URLs(), Cluster: c.Name})
//		…
//	}
//
// Every server's config lists all servers started together as the shards of
// one cluster (Cluster, named in remote_servers), so a Distributed table on
// any of them spans all of them. Start waits (bounded) until every server
// answers GET /ping, and stops every process in t.Cleanup. Kill and Restart
// let fault tests take one server away and bring it back on the same ports
// and data.
//
// Without a ClickHouse binary, Start skips the test with "run `make
// clickhouse`", except under CI=true, where it fails.
package clickhousetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Cluster is the name given to the cluster of servers in every config.
const Cluster = "traceline_test"

// StartTimeout bounds how long a server may take to answer /ping.
var StartTimeout = 60 * time.Second

// Binary returns the command that runs a ClickHouse server: clickhouse-server
// (Debian, older releases) or `clickhouse server` (current single binary),
// looked up on PATH and in /usr/sbin and /usr/bin.
func Binary() (argv []string, ok bool) {
	look := func(name string) (string, bool) {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
		for _, d := range []string{"/usr/sbin", "/usr/bin", "/usr/local/bin"} {
			p := filepath.Join(d, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
				return p, true
			}
		}
		return "", false
	}
	if p, ok := look("clickhouse-server"); ok {
		return []string{p}, true
	}
	if p, ok := look("clickhouse"); ok {
		return []string{p, "server"}, true
	}
	return nil, false
}

// Servers are the servers Start started, in shard order.
type Servers struct {
	Name    string // cluster name in every server's remote_servers
	Servers []*Server
}

// URLs returns the HTTP base URL of every server, in shard order.
func (c *Servers) URLs() []string {
	u := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		u[i] = s.URL
	}
	return u
}

// Server is one running clickhouse-server process.
type Server struct {
	Index             int    // shard number, 0-based
	URL               string // http://127.0.0.1:PORT
	HTTPPort, TCPPort int
	InterserverPort   int
	Dir               string // config, data and logs
	argv              []string
	mu                sync.Mutex
	cmd               *exec.Cmd
	done              chan struct{}
}

// Start starts n servers (n >= 1) that name each other as the shards of
// cluster Cluster, waits until each answers /ping, and stops them in
// t.Cleanup. It skips the test locally when no ClickHouse binary is
// installed, and fails it under CI=true.
func Start(t testing.TB, n int) *Servers {
	t.Helper()
	argv, ok := Binary()
	if !ok {
		msg := "clickhousetest: no clickhouse-server (or clickhouse) binary; run `make clickhouse`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	c := &Servers{Name: Cluster}
	root := t.TempDir()
	t.Cleanup(func() {
		for _, s := range c.Servers {
			s.Kill()
		}
	})
	// A port found free can be taken by another process (a parallel test
	// package, an outgoing connection) before the server binds it: then
	// every server starts again on new ports.
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		if err = c.startAll(root, attempt, argv, n); err == nil {
			return c
		}
		for _, s := range c.Servers {
			s.Kill()
		}
		if !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	t.Fatal(err)
	return nil
}

// startAttempts bounds the restarts on a port taken under the servers.
const startAttempts = 4

func (c *Servers) startAll(root string, attempt int, argv []string, n int) error {
	ports, err := freePorts(3 * n)
	if err != nil {
		return err
	}
	c.Servers = c.Servers[:0]
	for i := 0; i < n; i++ {
		s := &Server{
			Index: i, HTTPPort: ports[3*i], TCPPort: ports[3*i+1], InterserverPort: ports[3*i+2],
			Dir: filepath.Join(root, fmt.Sprintf("ch%d-%d", i, attempt)), argv: argv,
		}
		s.URL = fmt.Sprintf("http://127.0.0.1:%d", s.HTTPPort)
		c.Servers = append(c.Servers, s)
	}
	for _, s := range c.Servers {
		if err := s.writeConfig(c.Servers); err != nil {
			return err
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, s := range c.Servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.start()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("clickhousetest: reserve a loopback port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Config renders the server's config.xml: loopback only, its ports, its data
// folder, UTC, small caches, and every server of the set as a shard of
// Cluster.
func (s *Server) Config(all []*Server) []byte {
	var shards strings.Builder
	for _, o := range all {
		fmt.Fprintf(&shards, "      <shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>\n", o.TCPPort)
	}
	d := s.Dir
	return []byte(fmt.Sprintf(`<?xml version="1.0"?>
<!-- Generated by correlate/internal/clickhousetest. -->
<yandex>
  <logger><level>warning</level><log>%[1]s/server.log</log><errorlog>%[1]s/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>%[2]d</http_port>
  <tcp_port>%[3]d</tcp_port>
  <interserver_http_port>%[4]d</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/data/tmp/</tmp_path>
  <user_files_path>%[1]s/data/user_files/</user_files_path>
  <format_schema_path>%[1]s/data/format_schemas/</format_schema_path>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>64</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <remote_servers>
    <%[5]s>
%[6]s    </%[5]s>
  </remote_servers>
</yandex>
`, d, s.HTTPPort, s.TCPPort, s.InterserverPort, Cluster, shards.String()))
}

const usersXML = `<?xml version="1.0"?>
<!-- Generated by correlate/internal/clickhousetest: one passwordless user, loopback only. -->
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

func (s *Server) writeConfig(all []*Server) error {
	if err := os.MkdirAll(filepath.Join(s.Dir, "data"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "config.xml"), s.Config(all), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.Dir, "users.xml"), []byte(usersXML), 0o644)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	args := append(append([]string{}, s.argv[1:]...), "--config-file="+filepath.Join(s.Dir, "config.xml"))
	cmd := exec.Command(s.argv[0], args...)
	cmd.Dir = s.Dir
	out, err := os.OpenFile(filepath.Join(s.Dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, killed with the test binary if that dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("clickhousetest: start %s: %w", s.argv[0], err)
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		out.Close()
		close(done)
	}()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(StartTimeout)
	cl := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("clickhousetest: server %d exited at start: %s", s.Index, s.tail())
		default:
		}
		if resp, err := cl.Get(s.URL + "/ping"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && bytes.HasPrefix(body, []byte("Ok")) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.killLocked()
			return fmt.Errorf("clickhousetest: server %d did not answer /ping within %s: %s", s.Index, StartTimeout, s.tail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Server) tail() string {
	var b []byte
	for _, f := range []string{"stdout.log", "server.err.log"} {
		if d, err := os.ReadFile(filepath.Join(s.Dir, f)); err == nil {
			if len(d) > 2000 {
				d = d[len(d)-2000:]
			}
			b = append(b, d...)
		}
	}
	return string(b)
}

// Kill stops the server abruptly (SIGKILL, as a crash would) and waits for
// the process to exit. It is a no-op on a stopped server.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// Restart starts a killed server again on the same ports and data folder and
// waits until it answers /ping.
func (s *Server) Restart() error { return s.start() }

// Query runs one SQL statement on the server over HTTP and returns the
// response body (for test assertions).
func (s *Server) Query(sql string) (string, error) {
	resp, err := http.Post(s.URL+"/", "text/plain", strings.NewReader(sql))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("clickhousetest: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return string(body), err
}

package jaegertest

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyAssignedPorts reads the sockets of the Jaeger process from /proc:
// every socket it listens on must be one of its assigned ports on
// 127.0.0.1, so that no default port (4317, 16686, 8888, 55679 …) is taken
// and parallel test packages cannot collide.
func TestOnlyAssignedPorts(t *testing.T) {
	j := Start(t)
	j.mu.Lock()
	pid := j.cmd.Process.Pid
	j.mu.Unlock()
	inodes := map[string]bool{}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Skipf("cannot read the process's sockets: %v", err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	allowed := map[int]bool{}
	for _, p := range allPorts(j.Ports) {
		allowed[p] = true
	}
	found := 0
	for _, table := range []struct {
		file   string
		listen string // st column of a listening (tcp) or bound (udp) socket
	}{{"tcp", "0A"}, {"tcp6", "0A"}, {"udp", "07"}, {"udp6", "07"}} {
		f, err := os.Open("/proc/net/" + table.file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !inodes[fields[9]] || fields[3] != table.listen {
				continue
			}
			host, port, _ := strings.Cut(fields[1], ":")
			n, _ := strconv.ParseInt(port, 16, 32)
			if table.file == "udp" || table.file == "udp6" {
				if rem := fields[2]; !strings.HasSuffix(rem, ":0000") {
					continue // a connected client socket, not a bound receiver
				}
			}
			found++
			if host != "0100007F" || !allowed[int(n)] {
				t.Errorf("jaeger listens on %s %s:%d, not an assigned loopback port", table.file, host, n)
			}
		}
		f.Close()
	}
	t.Logf("%d listening sockets, all assigned", found)
	if found < len(allowed) {
		t.Errorf("found %d listening sockets, want at least the %d assigned", found, len(allowed))
	}
}

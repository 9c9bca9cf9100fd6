package parse

import (
	"path"
	"strings"
)

// Services. A line's own service key wins (see fields.go). Else the file's
// path, when it is a Kubernetes log path, names the container:
//
//	/var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log   (rotated names too)
//	/var/log/containers/<pod>_<namespace>_<container>-<64 hex id>.log
//
// Else the first Config.Services entry whose Pattern matches the path.

// serviceForPath returns the service a file's path names, or "".
func serviceForPath(file string, cfg *Config) string {
	if s := kubeContainer(file); s != "" {
		return s
	}
	if cfg == nil {
		return ""
	}
	for _, ps := range cfg.Services {
		if matchPath(ps.Pattern, file) {
			return ps.Service
		}
	}
	return ""
}

func matchPath(pattern, file string) bool {
	if pattern == "" {
		return false
	}
	if !strings.ContainsAny(pattern, "*?[") {
		return strings.HasPrefix(file, pattern)
	}
	if ok, _ := path.Match(pattern, file); ok {
		return true
	}
	if !strings.Contains(pattern, "/") {
		ok, _ := path.Match(pattern, path.Base(file))
		return ok
	}
	return false
}

// kubeContainer reads the container name from a Kubernetes log path.
func kubeContainer(file string) string {
	if i := strings.LastIndex(file, "pods/"); i >= 0 && (i == 0 || file[i-1] == '/') {
		rest := file[i+len("pods/"):]
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) == 3 && strings.Count(parts[0], "_") >= 2 && parts[1] != "" {
			return parts[1]
		}
	}
	if i := strings.LastIndex(file, "containers/"); i >= 0 && (i == 0 || file[i-1] == '/') {
		base := file[i+len("containers/"):]
		if strings.Contains(base, "/") {
			return ""
		}
		base = strings.TrimSuffix(base, ".log")
		if strings.Count(base, "_") < 2 {
			return ""
		}
		c := base[strings.LastIndexByte(base, '_')+1:]
		if j := strings.LastIndexByte(c, '-'); j > 0 && len(c)-j-1 == 64 {
			return c[:j]
		}
	}
	return ""
}

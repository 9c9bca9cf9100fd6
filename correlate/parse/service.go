package parse

import (
	"path"
	"path/filepath"
	"strings"
)

// Services. A line's own service key wins (see fields.go). Else the file's
// path, when it is a Kubernetes log path, names the container:
//
//	/var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log   (rotated names too)
//	/var/log/containers/<pod>_<namespace>_<container>-<64 hex id>.log
//
// Else the first Config.Services entry whose Pattern matches the path, as
// typed or made absolute (so "/var/log/app/*.log" matches a file read as
// "app/a.log" from /var/log). Else the service the file's other lines
// name (the last one before the line, see Assembler), or, for go-zero's
// own lines, the service Name its stat lines write as "(Name) ...".

// serviceForPath returns the service a file's path names, or "".
func serviceForPath(file string, cfg *Config) string {
	if s := kubeContainer(file); s != "" {
		return s
	}
	if cfg == nil {
		return ""
	}
	if len(cfg.Services) == 0 {
		return ""
	}
	absFile := absSlash(file)
	for _, ps := range cfg.Services {
		if matchPath(ps.Pattern, file) || absFile != "" && matchPath(absSlash(ps.Pattern), absFile) {
			return ps.Service
		}
	}
	return ""
}

// absSlash returns p made absolute, with forward slashes; "" when it
// cannot be.
func absSlash(p string) string {
	if p == "" {
		return ""
	}
	a, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	return filepath.ToSlash(a)
}

// goZeroName returns the service Name a go-zero stat line starts its
// content with ("(epro-api) - qps: ...", "(epro-api) shedding_stat ...").
func goZeroName(level, msg string) string {
	if level != "stat" || len(msg) < 3 || msg[0] != '(' {
		return ""
	}
	end := strings.IndexByte(msg, ')')
	if end < 2 || end+1 < len(msg) && msg[end+1] != ' ' {
		return ""
	}
	name := msg[1:end]
	if strings.ContainsAny(name, " \t") {
		return ""
	}
	return name
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

// PushPrefix starts the File of lines pushed to `correlate serve` rather
// than read from a file ("push:SOURCE"). A pushed stream may mix many
// processes' lines, so its lines never take each other's service.
const PushPrefix = "push:"

// FillServices gives each record without a service the service another
// record of the same file names: a go-zero access line written before
// any named line of its file, once its request's own lines are read
// together with it. Pushed lines (PushPrefix) are left as they are.
func FillServices(recs []Record) {
	var byFile map[string]string
	for i := range recs {
		if recs[i].Service == "" || strings.HasPrefix(recs[i].File, PushPrefix) {
			continue
		}
		if byFile == nil {
			byFile = map[string]string{}
		}
		byFile[recs[i].File] = recs[i].Service
	}
	if byFile == nil {
		return
	}
	for i := range recs {
		if recs[i].Service == "" {
			recs[i].Service = byFile[recs[i].File]
		}
	}
}

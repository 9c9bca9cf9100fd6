package demo

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts the child in a process group of its own, so signals to
// the demo's terminal group do not reach it behind the demo's back and the
// demo can stop all of it, and has the kernel kill it if the demo dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func signalGroup(cmd *exec.Cmd, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}

// alive reports whether a process with this id still exists (a zombie
// counts: it has not been reaped).
func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

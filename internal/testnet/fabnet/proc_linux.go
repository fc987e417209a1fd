package fabnet

import "syscall"

// childAttr makes the kernel kill a node when the test process dies, so a
// crashed test leaves no orphan peers behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

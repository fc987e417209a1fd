package index

import (
	"os"
	"syscall"
)

// changeTime returns the inode change time of st in nanoseconds.
func changeTime(st os.FileInfo) int64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ctim.Nano()
	}
	return 0
}

//go:build unix

package index

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes the lock badger takes on dir (flock on the directory:
// exclusive for writers, shared for readers), so that no other process
// changes the files while checkFiles reads them. The caller releases it
// with the returned function before badger takes it again.
func lockDir(dir string, readOnly bool) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_EX | syscall.LOCK_NB
	if readOnly {
		how = syscall.LOCK_SH | syscall.LOCK_NB
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

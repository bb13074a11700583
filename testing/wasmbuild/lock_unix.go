//go:build unix

package wasmbuild

import (
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on path, waiting for it; the returned function
// releases it. The kernel releases it too when the process dies, so a test killed mid-build
// never leaves the others waiting.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

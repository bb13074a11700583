package main

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel send the child SIGTERM when this process dies, even
// by SIGKILL, so no child outlives the demo.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

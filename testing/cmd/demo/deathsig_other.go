//go:build !linux

package main

import "os/exec"

// setParentDeathSignal: only Linux has a parent-death signal; elsewhere the process group
// (Ctrl-C) and the signal forwarding stop the children.
func setParentDeathSignal(*exec.Cmd) {}

package host

import (
	"crypto/rand"
	"errors"
	"sort"
	"strconv"

	"github.com/tetratelabs/wazero/api"
)

// wasiImports is the WASI surface, registered under module (wasi_snapshot_preview1 and
// wasi_unstable, as cpp-host does). Which of these a module may link is decided by the
// profile (Module.CheckImports); how each behaves follows cpp-host src/exports.cc.
func wasiImports(module string) []hostFunc {
	f := func(name string, ps []api.ValueType, fn func(v *vm, s []uint64) errno) hostFunc {
		return hostFunc{module: module, name: name, params: ps, results: retI32, fn: errnoFunc(fn)}
	}
	return []hostFunc{
		f("fd_write", params(4), wasiFdWrite),
		f("fd_read", params(4), always(errnoNosys)),
		f("fd_seek", sig(i32, i64, i32, i32), traceOK("wasi_unstable fd_seek")),
		f("fd_close", params(1), traceOK("wasi_unstable fd_close")),
		f("fd_fdstat_get", params(2), wasiFdFdstatGet),
		f("environ_get", params(2), wasiEnvironGet),
		f("environ_sizes_get", params(2), wasiEnvironSizesGet),
		f("args_get", params(2), always(errnoSuccess)),
		f("args_sizes_get", params(2), wasiArgsSizesGet),
		f("clock_time_get", sig(i32, i64, i32), wasiClockTimeGet),
		f("random_get", params(2), wasiRandomGet),
		{module: module, name: "proc_exit", params: params(1), results: retNil, fn: wasiProcExit}, // returns nothing
		f("path_open", sig(i32, i32, i32, i32, i32, i64, i64, i32, i32), always(errnoNoent)),
		f("fd_prestat_get", params(2), always(errnoBadf)),
		f("fd_prestat_dir_name", params(3), always(errnoNosys)),
		// PR #427.
		f("sched_yield", params(0), always(errnoSuccess)),
		f("poll_oneoff", params(4), wasiPollOneoff),
		f("fd_fdstat_set_flags", params(2), always(errnoNosys)),
		// PR #533: present so that a Go module links; none of them does anything (ENOSYS).
		f("fd_fdstat_set_rights", sig(i32, i64, i64), always(errnoNosys)),
		f("fd_filestat_get", params(2), always(errnoNosys)),
		f("fd_filestat_set_size", sig(i32, i64), always(errnoNosys)),
		f("fd_pread", sig(i32, i32, i32, i64, i32), always(errnoNosys)),
		f("fd_pwrite", sig(i32, i32, i32, i64, i32), always(errnoNosys)),
		f("fd_readdir", sig(i32, i32, i32, i64, i32), always(errnoNosys)),
		f("fd_sync", params(1), always(errnoNosys)),
		f("path_create_directory", params(3), always(errnoNosys)),
		f("path_filestat_get", params(5), always(errnoNosys)),
		f("path_filestat_set_times", sig(i32, i32, i32, i32, i64, i64, i32), always(errnoNosys)),
		f("path_link", params(7), always(errnoNosys)),
		f("path_readlink", params(6), always(errnoNosys)),
		f("path_remove_directory", params(3), always(errnoNosys)),
		f("path_rename", params(6), always(errnoNosys)),
		f("path_symlink", params(5), always(errnoNosys)),
		f("path_unlink_file", params(3), always(errnoNosys)),
		f("sock_accept", params(3), always(errnoNosys)),
		f("sock_shutdown", params(2), always(errnoNosys)),
	}
}

// maxPollsInCall is how many poll_oneoff calls one callback may make before the host decides
// the module is waiting for time to pass. A GC cycle polls once.
const maxPollsInCall = 100000

// errnoFunc adapts a WASI function to wazero's calling convention: its errno is its single
// result, in stack[0].
func errnoFunc(fn func(v *vm, s []uint64) errno) func(*vm, []uint64) {
	return func(v *vm, s []uint64) { s[0] = uint64(fn(v, s)) }
}

// always is a WASI function that does nothing but answer e.
func always(e errno) func(*vm, []uint64) errno {
	return func(*vm, []uint64) errno { return e }
}

// traceOK is cpp-host's fd_seek/fd_close: Context::error (which Envoy logs at trace) and
// success.
func traceOK(msg string) func(*vm, []uint64) errno {
	return func(v *vm, _ []uint64) errno {
		v.h.logs.add(v.index, 0, LogTrace, msg)
		return errnoSuccess
	}
}

// fd_write(fd, iovs, iovs_len, return_nwritten): exports.cc writevImpl. Only stdout (logged
// at info) and stderr (error) exist; one trailing newline is dropped; other fds are EBADF.
func wasiFdWrite(v *vm, s []uint64) errno {
	fd, iovs, n, outPtr := u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3])
	var level LogLevel
	switch fd {
	case 1:
		level = LogInfo
	case 2:
		level = LogError
	default:
		return errnoBadf
	}
	var msg []byte
	for i := uint32(0); i < n; i++ {
		buf, ok1 := v.readU32(iovs + 8*i)
		l, ok2 := v.readU32(iovs + 8*i + 4)
		if !ok1 || !ok2 {
			return errnoFault
		}
		if l == 0 {
			continue
		}
		b, ok := v.mem.Read(buf, l)
		if !ok {
			return errnoFault
		}
		msg = append(msg, b...)
	}
	written := len(msg)
	if written > 0 {
		if msg[written-1] == '\n' {
			msg = msg[:written-1]
		}
		v.logFromModule(level, string(msg))
	}
	if !v.writeU32(outPtr, uint32(written)) {
		return errnoFault
	}
	return errnoSuccess
}

// fd_fdstat_get(fd, return_stat): exports.cc wasi_unstable_fd_fdstat_get. Only fds 1 and 2;
// the 24-byte fdstat is zero but for fs_rights_base = FD_WRITE (64): filetype 0 (unknown)
// and fs_flags 0, so Go's os package sees stdio as blocking and never registers it with the
// network poller. The write is not checked, as in cpp-host.
func wasiFdFdstatGet(v *vm, s []uint64) errno {
	fd := u32(s[0])
	if fd != 1 && fd != 2 {
		return errnoBadf
	}
	var stat [24]byte
	stat[8] = 64
	v.write(u32(s[1]), stat[:])
	return errnoSuccess
}

func (v *vm) envList() []string {
	var out []string
	for k, val := range v.h.opts.Env {
		out = append(out, k+"="+val)
	}
	sort.Strings(out)
	return out
}

// environ_sizes_get / environ_get: exports.cc, the VM's configured variables only.
func wasiEnvironSizesGet(v *vm, s []uint64) errno {
	env := v.envList()
	size := 0
	for _, e := range env {
		size += len(e) + 1
	}
	if !v.writeU32(u32(s[0]), uint32(len(env))) || !v.writeU32(u32(s[1]), uint32(size)) {
		return errnoFault
	}
	return errnoSuccess
}

func wasiEnvironGet(v *vm, s []uint64) errno {
	arr, buf := u32(s[0]), u32(s[1])
	for _, e := range v.envList() {
		if !v.writeU32(arr, buf) || !v.write(buf, append([]byte(e), 0)) {
			return errnoFault
		}
		arr += 4
		buf += uint32(len(e)) + 1
	}
	return errnoSuccess
}

// args_sizes_get: exports.cc, always no arguments.
func wasiArgsSizesGet(v *vm, s []uint64) errno {
	if !v.writeU32(u32(s[0]), 0) || !v.writeU32(u32(s[1]), 0) {
		return errnoFault
	}
	return errnoSuccess
}

// clock_time_get(id, precision, return_time): exports.cc. Realtime (0) is the host clock,
// monotonic (1) is derived from it; the CPU-time clocks are ENOTSUP.
func wasiClockTimeGet(v *vm, s []uint64) errno {
	now := v.h.clock.Now()
	var t uint64
	switch u32(s[0]) {
	case 0:
		t = uint64(now.UnixNano())
	case 1:
		t = uint64(now.Sub(v.h.epoch) + monotonicBase)
	default:
		return errnoNotsup
	}
	if !v.writeU64(u32(s[2]), t) {
		return errnoFault
	}
	return errnoSuccess
}

// random_get(buf, len): exports.cc; more than 64 KiB at once is EINVAL.
func wasiRandomGet(v *vm, s []uint64) errno {
	n := u32(s[1])
	if n > randomGetMaxBytes {
		return errnoInval
	}
	if n == 0 {
		return errnoSuccess
	}
	b := make([]byte, n)
	_, _ = rand.Read(b)
	if !v.write(u32(s[0]), b) {
		return errnoFault
	}
	return errnoSuccess
}

// proc_exit(code): exports.cc only logs ("wasi_unstable proc_exit", at trace in Envoy) and
// returns; the Go runtime then traps, which fails the VM.
func wasiProcExit(v *vm, s []uint64) {
	v.h.logs.add(v.index, 0, LogTrace, "wasi_unstable proc_exit "+strconv.FormatUint(uint64(u32(s[0])), 10))
}

// poll_oneoff(in, out, nsubscriptions, return_nevents): ENOSYS in envoy-1.33 (PR #427); in
// envoy-1.39 (PR #533) it reports no events and succeeds, without waiting. A Go module that
// waits for a timer inside a callback (time.Sleep) then spins on it until the clock passes the
// deadline; under a ManualClock that never happens, so the host fails the VM rather than hang.
func wasiPollOneoff(v *vm, s []uint64) errno {
	if !v.spec.pollOneoffSucceeds {
		return errnoNosys
	}
	v.pollsInCall++
	if _, manual := v.h.clock.(*ManualClock); manual && v.pollsInCall > maxPollsInCall {
		err := errors.New("the module waits on a timer inside a callback (time.Sleep?): Envoy 1.39 would spin until real time passes; the manual clock never moves")
		v.fail(err)
		panic(err)
	}
	if !v.writeU32(u32(s[3]), 0) {
		return errnoFault
	}
	return errnoSuccess
}

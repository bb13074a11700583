package host

import (
	"fmt"
	"sort"
	"strings"
)

// Profile names the Envoy whose host this one imitates. Profiles differ in the WASI functions
// provided and in what they return; the proxy-wasm ("env") functions are the same.
type Profile string

const (
	// ProfileEnvoy133 is Envoy 1.33 to 1.38: proxy-wasm-cpp-host after PR #427 (c4d7bb0), which
	// added the WASI calls a standard-Go module needs to start as stubs. poll_oneoff returns
	// ENOSYS there, so a Go runtime whose network poller is initialised throws
	// "poll_oneoff failed" at the next GC (golang/go#78513).
	ProfileEnvoy133 Profile = "envoy-1.33"
	// ProfileEnvoy139 is Envoy 1.39 and later: cpp-host PR #533 (Envoy PR #45756) exports the
	// rest of wasip1 and poll_oneoff succeeds with nevents=0.
	ProfileEnvoy139 Profile = "envoy-1.39"
	// DefaultProfile is what a Host uses when Options.Profile is empty.
	DefaultProfile = ProfileEnvoy139
)

// Profiles lists the supported profiles, oldest first.
func Profiles() []Profile { return []Profile{ProfileEnvoy133, ProfileEnvoy139} }

// ParseProfile accepts a profile name as written in flags and test tables.
func ParseProfile(s string) (Profile, error) {
	for _, p := range Profiles() {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("host: unknown profile %q (want one of %s)", s, strings.Join(profileNames(), ", "))
}

func profileNames() []string {
	var out []string
	for _, p := range Profiles() {
		out = append(out, string(p))
	}
	return out
}

// wasiBase is what cpp-host exported before PR #427 (include/proxy-wasm/exports.h,
// FOR_ALL_WASI_FUNCTIONS), registered under both wasi_unstable and wasi_snapshot_preview1
// (src/wasm.cc, WasmBase::registerCallbacks).
var wasiBase = []string{
	"fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "environ_get",
	"environ_sizes_get", "args_get", "args_sizes_get", "clock_time_get", "random_get",
	"proc_exit", "path_open", "fd_prestat_get", "fd_prestat_dir_name",
}

// wasi427 is what PR #427 added: "the full minimal set of added hostcalls for a helloworld go
// plugin to initialize" (sched_yield succeeds, poll_oneoff and fd_fdstat_set_flags ENOSYS).
var wasi427 = []string{"sched_yield", "poll_oneoff", "fd_fdstat_set_flags"}

// wasi533 is what PR #533 added ("all wasi hostcalls used by Go SDK"): every wasip1 function
// Go's syscall and runtime packages import.
var wasi533 = []string{
	"fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_pread", "fd_pwrite",
	"fd_readdir", "fd_sync", "path_create_directory", "path_filestat_get",
	"path_filestat_set_times", "path_link", "path_readlink", "path_remove_directory",
	"path_rename", "path_symlink", "path_unlink_file", "sock_accept", "sock_shutdown",
}

// Restricted phases. cpp-host lets the module call only an allow-list of host functions while
// it runs _initialize/main (src/wasm.cc, WasmBase::startVm) and proxy_on_memory_allocate
// (include/proxy-wasm/wasm.h, WasmBase::allocMemory); anything else traps the VM
// ("restricted_callback", src/v8/v8.cc).
var startAllowedBase = []string{
	"env.proxy_log", "fd_write", "args_sizes_get", "args_get", "environ_sizes_get",
	"environ_get", "fd_prestat_get", "fd_prestat_dir_name", "clock_time_get", "random_get",
}

// startAllowedGo427 are the calls Go's runtime makes from _initialize besides the base list:
// syscall's init sets stdio non-blocking (fd_fdstat_get + fd_fdstat_set_flags) and os.NewFile
// reads the flags back (fd_fdstat_get); see RATIONALE.md, "What Go calls while it starts".
// PR #427's stated result is a Go plugin that initialises, which requires them.
var startAllowedGo427 = []string{"fd_fdstat_get", "fd_fdstat_set_flags"}

// startAllowedGo533: #533 documents that "for Go, module initializers run during
// _initialize" and opens the phase to the Go runtime's other calls.
var startAllowedGo533 = []string{"sched_yield", "poll_oneoff", "fd_close", "proc_exit"}

var mallocAllowedBase = []string{"env.proxy_log", "fd_write", "clock_time_get"}

// mallocAllowed533: "Allow calling poll_oneoff during malloc, because Go calls sleep" (PR #433,
// merged as #533).
var mallocAllowed533 = []string{"poll_oneoff"}

type profileSpec struct {
	env                map[string]bool // the same in every profile: envImports
	wasi               map[string]bool
	pollOneoffSucceeds bool
	startAllowed       map[string]bool
	mallocAllowed      map[string]bool
}

func set(lists ...[]string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lists {
		for _, s := range l {
			m[s] = true
		}
	}
	return m
}

func (p Profile) spec() profileSpec {
	switch p {
	case ProfileEnvoy133:
		return profileSpec{
			env:           envNames(),
			wasi:          set(wasiBase, wasi427),
			startAllowed:  set(startAllowedBase, startAllowedGo427),
			mallocAllowed: set(mallocAllowedBase),
		}
	default:
		return profileSpec{
			env:                envNames(),
			wasi:               set(wasiBase, wasi427, wasi533),
			pollOneoffSucceeds: true,
			startAllowed:       set(startAllowedBase, startAllowedGo427, startAllowedGo533),
			mallocAllowed:      set(mallocAllowedBase, mallocAllowed533),
		}
	}
}

// envNames is the set of env functions every profile links.
func envNames() map[string]bool {
	m := map[string]bool{}
	for _, f := range envImports() {
		m[f.name] = true
	}
	return m
}

// WASIFunctions lists the WASI functions the profile provides, sorted.
func (p Profile) WASIFunctions() []string {
	var out []string
	for name := range p.spec().wasi {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// provides reports whether the profile links the import module.name.
func (s profileSpec) provides(module, name string) bool {
	switch module {
	case "env":
		return s.env[name]
	case "wasi_snapshot_preview1", "wasi_unstable":
		return s.wasi[name]
	}
	return false
}

// allowedIn reports whether a host function may run in a restricted phase. WASI names are
// allowed under both WASI module names, as cpp-host lists both.
func (s profileSpec) allowedIn(ph phase, qualified string) bool {
	var list map[string]bool
	switch ph {
	case phaseStart:
		list = s.startAllowed
	case phaseAlloc:
		list = s.mallocAllowed
	default:
		return true
	}
	if list[qualified] {
		return true
	}
	if i := strings.IndexByte(qualified, '.'); i >= 0 && !strings.HasPrefix(qualified, "env.") {
		return list[qualified[i+1:]]
	}
	return false
}

//go:build race

package host_test

// raceEnabled: the test binary runs under the race detector.
const raceEnabled = true

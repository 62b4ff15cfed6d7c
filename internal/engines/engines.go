package engines

import (
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	stops []func()
)

// atExit registers stop to run when Main's tests end: a server is started
// once per test binary, on first use, and shared by its tests.
func atExit(stop func()) {
	mu.Lock()
	defer mu.Unlock()
	stops = append(stops, stop)
}

// Main runs the tests of a package that uses engines, then stops the
// servers they started. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(engines.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	stops = nil
	return code
}

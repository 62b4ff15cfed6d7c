//go:build !linux

package cores

// readUsage cannot read the process's usage here: Follow leaves the
// runtime's count alone.
func readUsage() (Usage, bool) { return Usage{}, false }

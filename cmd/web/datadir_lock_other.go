//go:build !unix

package main

// lockDataDir does nothing where flock(2) does not exist; Rolefit's image
// and supported platforms are Unix.
func lockDataDir(dir string) (unlock func(), err error) { return func() {}, nil }

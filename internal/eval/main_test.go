package eval_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Run starts a goroutine per question; none may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

package llm_test

import (
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/rolefit/rolefit/internal/llm"
)

// TestMain fails the package's tests if any goroutine outlives them. The
// clients in these tests share http.DefaultTransport and the providers'
// transport, whose idle keep-alive connections each hold two goroutines by
// design; they are closed first so that what is checked is the code under
// test, not the connection pools.
func TestMain(m *testing.M) { goleak.VerifyTestMain(closingIdleConnections{m}) }

type closingIdleConnections struct{ m *testing.M }

func (c closingIdleConnections) Run() int {
	code := c.m.Run()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	llm.CloseIdleConnections()
	return code
}

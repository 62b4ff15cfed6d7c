package llm_test

import (
	"net/http"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them. Each
// test closes the providers it makes (newOpenAI); the test servers' own
// clients share http.DefaultTransport, whose idle keep-alive connections
// each hold two goroutines by design; they are closed first so that what
// is checked is the code under test, not the connection pool.
func TestMain(m *testing.M) { goleak.VerifyTestMain(closingIdleConnections{m}) }

type closingIdleConnections struct{ m *testing.M }

func (c closingIdleConnections) Run() int {
	code := c.m.Run()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	return code
}

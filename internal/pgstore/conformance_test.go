package pgstore_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/engines"
	"github.com/rolefit/rolefit/internal/pgstore"
	"github.com/rolefit/rolefit/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(engines.Main(m)) }

// open opens a store on url, closed when the test ends.
func open(t *testing.T, url string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs the PostgreSQL store through the suite every
// chat.Store must pass, each test on a database of its own.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	urls := map[*pgstore.Store]string{} // where each open store keeps its data
	openAt := func(t *testing.T, url string) *pgstore.Store {
		s := open(t, url)
		mu.Lock()
		urls[s] = url
		mu.Unlock()
		return s
	}
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) chat.Store { return openAt(t, engines.Postgres(t)) },
		Reopen: func(t *testing.T, cs chat.Store) chat.Store {
			s := cs.(*pgstore.Store)
			mu.Lock()
			url := urls[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return openAt(t, url)
		},
	})
}

package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/store"
	"github.com/rolefit/rolefit/internal/store/storetest"
)

// TestConformance runs the SQLite store through the suite every chat.Store
// must pass.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	paths := map[*store.Store]string{} // where each open store keeps its database
	open := func(t *testing.T, path string) *store.Store {
		t.Helper()
		s, err := store.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("Open(%q): %v", path, err)
		}
		t.Cleanup(func() { s.Close() })
		mu.Lock()
		paths[s] = path
		mu.Unlock()
		return s
	}
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) chat.Store {
			return open(t, filepath.Join(t.TempDir(), "rolefit.db"))
		},
		Reopen: func(t *testing.T, cs chat.Store) chat.Store {
			s := cs.(*store.Store)
			mu.Lock()
			path := paths[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, path)
		},
	})
}

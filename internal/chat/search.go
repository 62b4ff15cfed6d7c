package chat

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// SearchResults bounds what one search shows: a page of the best-placed
// (most recently updated) conversations, enough to find one.
const SearchResults = 30

// MaxSearchChars bounds a search's text; longer is cut, not refused, since
// search is typed live and a refusal would flash at every keystroke.
const MaxSearchChars = 200

// Now is the service's clock, for pages that place things in time
// relative to it (the list's date groups).
func (s *Service) Now() time.Time { return s.now() }

// Search finds the visitor's own conversations whose title, or one of
// whose shown messages, holds every word of query, most recently updated
// first. An empty query, or one without words, finds nothing.
func (s *Service) Search(ctx context.Context, visitorID, query string) ([]SearchHit, error) {
	query = strings.TrimSpace(strings.ToValidUTF8(query, " "))
	if visitorID == "" || query == "" {
		return nil, nil
	}
	if utf8.RuneCountInString(query) > MaxSearchChars {
		query = string([]rune(query)[:MaxSearchChars])
	}
	hits, err := s.store.SearchConversations(ctx, visitorID, query, SearchResults)
	if err != nil {
		return nil, fmt.Errorf("chat: search: %w", err)
	}
	return hits, nil
}

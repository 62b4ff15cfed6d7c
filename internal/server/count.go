package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/rolefit/rolefit/internal/chat"
)

// The sidebar lists a visitor's latest conversations, but "Clear all"
// deletes every one, so the page says how many there really are. page()
// is called from every handler that draws a sidebar; rather than thread
// the counter through each of them, the counter rides in the request's
// context, set once in New.

type countKey struct{}

type conversationCounter func(ctx context.Context, visitorID string) (int, error)

func withConversationCount(next http.Handler, count conversationCounter) http.Handler {
	if count == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), countKey{}, count)))
	})
}

// conversationCount is how many conversations the visitor has; listed,
// the sidebar's count, stands in when there is no counter or it fails. A
// list shorter than the most the sidebar shows is all of them: only a full
// one is counted.
func conversationCount(r *http.Request, log *slog.Logger, listed int) int {
	count, ok := r.Context().Value(countKey{}).(conversationCounter)
	if !ok || listed < chat.ConversationsListed {
		return listed
	}
	n, err := count(r.Context(), visitorID(r))
	if err != nil {
		if _, failed := clientFailed(r); !failed {
			log.ErrorContext(r.Context(), "count conversations", "err", err)
		}
		return listed
	}
	return n
}

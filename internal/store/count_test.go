package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkCountConversationsByVisitor counts the conversations of a
// visitor with a few, and of one at the default cap (1,000), among 10,000
// of other visitors: the query every page with a sidebar, and every new
// conversation, makes.
func BenchmarkCountConversationsByVisitor(b *testing.B) {
	s := openTest(b)
	for v := range 10 {
		for i := range 1000 {
			mustCreateConversation(b, s, fmt.Sprintf("c%d-%d", v, i), fmt.Sprintf("v%d", v), at(time.Duration(i)*time.Second))
		}
	}
	for i := range 10 {
		mustCreateConversation(b, s, fmt.Sprintf("few-%d", i), "few", at(time.Duration(i)*time.Second))
	}
	ctx := context.Background()
	for _, bb := range []struct {
		visitor string
		n       int
	}{{"few", 10}, {"v3", 1000}} {
		b.Run(fmt.Sprint(bb.n), func(b *testing.B) {
			for b.Loop() {
				if n, err := s.CountConversationsByVisitor(ctx, bb.visitor); err != nil || n != bb.n {
					b.Fatalf("count = %d, %v", n, err)
				}
			}
		})
	}
}

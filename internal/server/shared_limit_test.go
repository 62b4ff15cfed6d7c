package server

import (
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rolefit/rolefit/internal/engines"
	"github.com/rolefit/rolefit/internal/guard"
)

func TestMain(m *testing.M) { os.Exit(engines.Main(m)) }

// TestQuestionLimitSharedByReplicas: two replicas given one limiter shared
// through Redis grant a visitor the allowance once, not once each, whichever
// replica the load balancer sends each question to.
func TestQuestionLimitSharedByReplicas(t *testing.T) {
	prefix := engines.RedisPrefix(t)
	replica := func() *testApp {
		opts, err := redis.ParseURL(engines.Redis(t))
		if err != nil {
			t.Fatal(err)
		}
		opts.ContextTimeoutEnabled = true
		client := redis.NewClient(opts)
		t.Cleanup(func() { client.Close() })
		shared := guard.NewRedisLimiter(client, 2, time.Minute, guard.RedisOptions{Prefix: prefix})
		return newOpsApp(t, offlineProvider(), withServer(Config{QuestionLimit: 2, QuestionWindow: time.Minute, Questions: shared}))
	}
	a, b := replica(), replica()
	onA := a.browser(true)
	onB := b.browser(true)
	onB.client.Jar = onA.client.Jar // one visitor, one cookie, two replicas

	ask(t, onA, "First question, on replica A")
	a.waitFinished()
	ask(t, onB, "Second question, on replica B")
	b.waitFinished()
	for name, br := range map[string]*browser{"A": onA, "B": onB} {
		if _, msg, _ := askRefused(t, br, "/c", "Third question, on replica "+name); msg != limitedMessage {
			t.Errorf("third question in the minute, on replica %s: %q, want %q", name, msg, limitedMessage)
		}
	}
}

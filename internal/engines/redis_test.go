package engines

import (
	"bufio"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestRedisAnswers: the URL Redis returns reaches a server that answers,
// and every test of the binary shares it.
func TestRedisAnswers(t *testing.T) {
	u := Redis(t)
	if again := Redis(t); again != u {
		t.Fatalf("second call started another server: %s, then %s", u, again)
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "redis" {
		t.Fatalf("Redis() = %q: not a redis:// URL (%v)", u, err)
	}
	conn, err := net.DialTimeout("tcp", parsed.Host, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", parsed.Host, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "+PONG" {
		t.Fatalf("PING answered %q, %v", line, err)
	}
}

func TestRedisPrefixIsUnique(t *testing.T) {
	a, b := RedisPrefix(t), RedisPrefix(t)
	if a == b || !strings.HasSuffix(a, ":") {
		t.Fatalf("prefixes %q and %q: want distinct, ending in ':'", a, b)
	}
}

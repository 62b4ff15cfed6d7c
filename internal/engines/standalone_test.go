package engines

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The load tool's servers work like a test's, and are gone once stopped.
func TestStartedServersStopWhenAsked(t *testing.T) {
	db, err := StartPostgres()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		db.Stop()
		t.Fatal(err)
	}
	var tables int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables)
	conn.Close(ctx)
	if err != nil || tables != 0 {
		t.Errorf("the new database has %d tables (%v), want an empty one", tables, err)
	}
	db.Stop()

	cache, err := StartRedis()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cache.URL)
	if !ping(u.Host) {
		t.Error("the started Redis does not answer PING")
	}
	cache.Stop()

	for _, raw := range []string{db.URL, cache.URL} {
		u, _ := url.Parse(raw)
		if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listens after Stop", u.Host)
		}
	}
}

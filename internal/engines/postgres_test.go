package engines_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rolefit/rolefit/internal/engines"
)

func TestMain(m *testing.M) { os.Exit(engines.Main(m)) }

// Two tests' databases must not see each other's tables, and each starts
// empty: that is what lets store tests run side by side on one server.
func TestPostgresGivesIndependentEmptyDatabases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	connect := func(url string) *pgx.Conn {
		t.Helper()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatalf("connect %s: %v", url, err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	tables := func(c *pgx.Conn) int {
		t.Helper()
		var n int
		err := c.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	a, b := engines.Postgres(t), engines.Postgres(t)
	if a == b {
		t.Fatalf("two calls gave the same database: %s", a)
	}
	ca, cb := connect(a), connect(b)
	if n := tables(ca); n != 0 {
		t.Fatalf("first database has %d tables, want none", n)
	}
	if _, err := ca.Exec(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	if n := tables(cb); n != 0 {
		t.Fatalf("a table created in the first database shows in the second: %d tables", n)
	}
	if n := tables(ca); n != 1 {
		t.Fatalf("first database has %d tables after CREATE TABLE, want 1", n)
	}
}

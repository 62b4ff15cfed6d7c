package pgstore_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rolefit/rolefit/internal/engines"
	"github.com/rolefit/rolefit/internal/pgstore"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// sql runs statements on a connection of the test's own, beside the store.
func sql(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// Replicas started together on an empty database: every one opens, the
// schema is made once, and each finds it ready to use.
func TestReplicasOpenAtOnce(t *testing.T) {
	url := engines.Postgres(t)
	const replicas = 3
	stores := make([]*pgstore.Store, replicas)
	errs := make([]error, replicas)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = pgstore.Open(testCtx(t), url)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: Open: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}

	db := sql(t, url)
	var applied, distinct int
	if err := db.QueryRow(testCtx(t), `SELECT count(*), count(DISTINCT applied_at) FROM schema_migrations`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	// All in one transaction, by one replica: one applied_at.
	if applied != len(files) || distinct != 1 {
		t.Errorf("schema_migrations has %d rows (%d times), want the %d migrations applied once", applied, distinct, len(files))
	}
	for i, s := range stores {
		if err := s.CreateConversation(testCtx(t), conv("c"+string(rune('0'+i)), "v1", time.Now())); err != nil {
			t.Errorf("replica %d cannot write: %v", i, err)
		}
	}
	if n, err := stores[0].CountConversationsByVisitor(testCtx(t), "v1"); err != nil || n != replicas {
		t.Errorf("replica 0 counts %d conversations (%v), want the %d the replicas wrote", n, err, replicas)
	}
}

// A database migrated by a newer Rolefit is refused, not half understood.
func TestRefusesANewerSchema(t *testing.T) {
	url := engines.Postgres(t)
	open(t, url).Close()
	if _, err := sql(t, url).Exec(testCtx(t), `INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	s, err := pgstore.Open(testCtx(t), url)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database at a newer schema version")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q does not say the database is newer", err)
	}
}

// A URL that does not parse is refused without echoing its password.
func TestOpenBadURL(t *testing.T) {
	_, err := pgstore.Open(testCtx(t), "postgres://rolefit:s3cret@127.0.0.1:notaport/x")
	if err == nil {
		t.Fatal("Open accepted a bad URL")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

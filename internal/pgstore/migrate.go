package pgstore

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rolefit/rolefit/internal/store/record"
)

// migrationFS holds the schema history. Files are named NNNN_name.sql and
// numbered from 1 without gaps; a file, once released, is never edited: a
// change is a new file. schema_migrations records those applied.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLock is the advisory lock key replicas migrate under. Advisory
// locks belong to one database, so another database on the same server
// never waits for it.
const migrateLock = 0x526f6c6566697401 // "Rolefit" and 1

// loadMigrations reads the embedded history, in order and checked
// (record.LoadMigrations).
func loadMigrations() ([]record.Migration, error) {
	return record.LoadMigrations(migrationFS, "migrations")
}

// migrate applies, in order, every migration the database has not seen, in
// one transaction that first takes the advisory lock: replicas starting at
// once queue on the lock, and each one after the first finds the versions
// recorded and applies nothing. The lock is the transaction's, so it is
// released by the commit or rollback however Open ends, and a failed
// migration leaves the schema as it was (PostgreSQL's DDL is
// transactional).
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("pgstore: migrate: take the lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	current, err := schemaVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("pgstore: migrate: database schema version %d is newer than this program knows (%d): "+
			"run a newer Rolefit or point it at another database", current, len(ms))
	}
	for _, m := range ms[current:] {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("pgstore: migrate %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return fmt.Errorf("pgstore: migrate %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: migrate: commit: %w", err)
	}
	return nil
}

func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

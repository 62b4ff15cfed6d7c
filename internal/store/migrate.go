package store

import (
	"context"
	"embed"
	"fmt"
	"strconv"

	"github.com/rolefit/rolefit/internal/store/record"
)

// migrationFS holds the schema history. Files are named NNNN_name.sql and
// numbered from 1 without gaps; a file, once released, is never edited: a
// change is a new file. PRAGMA user_version records how many have run.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// loadMigrations reads the embedded history, in order and checked
// (record.LoadMigrations).
func loadMigrations() ([]record.Migration, error) {
	return record.LoadMigrations(migrationFS, "migrations")
}

// migrate applies, in order, every migration the database has not seen.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var current int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("store: migrate: read schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("store: migrate: database schema version %d is newer than this program knows (%d): "+
			"run a newer Rolefit or point it at another database file", current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("store: migrate %s: %w", m.Name, err)
		}
	}
	return nil
}

// apply runs one migration and bumps user_version in the same transaction, so
// a crash leaves the database either before or after it, never half way.
// The version is checked again inside the transaction because another
// process may have migrated the same file since it was read.
func (s *Store) apply(ctx context.Context, m record.Migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var current int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	if current >= m.Version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	// PRAGMA takes no bound parameters; the version is an int we made.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.Version)); err != nil {
		return err
	}
	return tx.Commit()
}

package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds the schema history. Files are named NNNN_name.sql and
// numbered from 1 without gaps; a file, once released, is never edited: a
// change is a new file. PRAGMA user_version records how many have run.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// reservedVersions are migration numbers another branch of Rolefit has
// taken but not yet merged. Until its file arrives, each counts as a
// migration that changes nothing, so the numbering stays gapless and
// user_version keeps counting migrations; once the file exists it runs
// instead and the entry here can go. A database migrated past a reserved
// number before its file arrived would never run that file, so only
// throwaway (development and test) databases may be opened by a build
// with a reservation in it.
var reservedVersions = []int{8}

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded files in version order and checks the
// numbering, so a misnamed file fails every Open (and the tests) rather than
// being skipped silently.
func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || len(num) != 4 || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	for _, v := range reservedVersions {
		if !slices.ContainsFunc(ms, func(m migration) bool { return m.version == v }) {
			ms = append(ms, migration{version: v, name: fmt.Sprintf("%04d (reserved)", v)})
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %04d", m.name, i+1)
		}
	}
	return ms, nil
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
			return fmt.Errorf("store: migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration and bumps user_version in the same transaction, so
// a crash leaves the database either before or after it, never half way.
// The version is checked again inside the transaction because another
// process may have migrated the same file since it was read.
func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var current int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	if current >= m.version {
		return nil
	}
	if m.sql != "" { // a reserved number runs nothing
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
	}
	// PRAGMA takes no bound parameters; the version is an int we made.
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

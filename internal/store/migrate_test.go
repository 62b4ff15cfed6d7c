package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLoadMigrationsNumberedFromOne(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range ms {
		if m.version != i+1 || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d = {version %d, name %s, %d bytes of SQL}", i, m.version, m.name, len(m.sql))
		}
	}
}

func TestOpenMigratesEmptyDatabase(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
	}{
		{"no file", func(t *testing.T, path string) {}},
		{"zero-byte file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"sqlite database at user_version 0", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE scratch (x); DROP TABLE scratch; PRAGMA user_version = 0"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rolefit.db")
			tt.prepare(t, path)
			s := openAt(t, path)
			assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
			mustCreateConversation(t, s, "c1", "v1", at(0))
		})
	}
}

func TestOpenRefusesNewerDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rolefit.db")
	s := openAt(t, path)
	known := len(mustLoadMigrations(t))
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := Open(context.Background(), path)
	if err == nil {
		t.Fatal("Open of a newer database succeeded, want an error")
	}
	for _, want := range []string{"store: migrate", "schema version 99", "newer than this program knows", "(" + strconv.Itoa(known) + ")"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rolefit.db")
	first := schemaOf(t, openAt(t, path))
	for i := range 3 {
		s := openAt(t, path)
		assertSchemaVersion(t, s, len(mustLoadMigrations(t)))
		if got := schemaOf(t, s); got != first {
			t.Errorf("reopen %d changed the schema:\n got %s\nwant %s", i, got, first)
		}
		s.Close()
	}
}

func mustLoadMigrations(t *testing.T) []migration {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func assertSchemaVersion(t *testing.T, s *Store, want int) {
	t.Helper()
	var got int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("user_version = %d, want %d", got, want)
	}
}

// schemaOf is every table and index definition, to compare across opens.
func schemaOf(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.db.Query("SELECT type, name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, def string
		if err := rows.Scan(&typ, &name, &def); err != nil {
			t.Fatal(err)
		}
		b.WriteString(typ + " " + name + ": " + def + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

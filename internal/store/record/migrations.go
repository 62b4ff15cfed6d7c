package record

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one file of a store's schema history. Files are named
// NNNN_name.sql and numbered from 1 without gaps; a file, once released,
// is never edited: a change is a new file.
type Migration struct {
	Version int
	Name    string // the file's name, for messages
	SQL     string
}

// LoadMigrations reads the .sql files of dir in fsys (a store's embedded
// history) in version order and checks the numbering, so a misnamed file
// fails every Open (and the tests) rather than being skipped silently.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || len(num) != 4 || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %04d", m.Name, i+1)
		}
	}
	return ms, nil
}

// CheckCurrent refuses a database whose schema is older than this
// program's (at version of known), for a command that reads it as this
// program does but must not migrate it: one start of the server upgrades
// it.
func CheckCurrent(version, known int) error {
	if version < known {
		return fmt.Errorf("the database is at schema version %d, older than this Rolefit's %d: "+
			"start this Rolefit on it once to upgrade it, then export", version, known)
	}
	return nil
}

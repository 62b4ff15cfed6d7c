package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver, as the server's store does
)

// Saved is what the database holds once every answer has ended.
type Saved struct {
	Finished int `json:"finished"` // saved as done, byte for byte the model's answer
	Other    int `json:"other"`    // assistant messages in any other state, or with other text
}

// checkSaved reads the server's database while it still runs (WAL lets a
// reader in beside it): an answer the browser saw end as done must already
// be saved as finished, since the server announces the end only after its
// final save.
func checkSaved(ctx context.Context, dataDir string, up *upstream) (Saved, error) {
	path := filepath.Join(dataDir, "rolefit.db")
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return Saved{}, fmt.Errorf("open the server's database: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT content, state FROM messages WHERE role = 'assistant'")
	if err != nil {
		return Saved{}, fmt.Errorf("read the saved answers: %w", err)
	}
	defer rows.Close()
	var s Saved
	seen := make(map[int]bool)
	for rows.Next() {
		var content, state string
		if err := rows.Scan(&content, &state); err != nil {
			return s, fmt.Errorf("read a saved answer: %w", err)
		}
		k, ok := answerTag(content)
		if state != "done" || !ok || k >= len(up.answers) || seen[k] || content != strings.Join(up.answers[k].chunks, "") {
			s.Other++
			continue
		}
		seen[k] = true
		s.Finished++
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("read the saved answers: %w", err)
	}
	return s, nil
}

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
	return readSaved(ctx, db, up)
}

// readSaved tallies the assistant messages of a database, either engine's.
func readSaved(ctx context.Context, db *sql.DB, up *upstream) (Saved, error) {
	rows, err := db.QueryContext(ctx, "SELECT content, state FROM messages WHERE role = 'assistant'")
	if err != nil {
		return Saved{}, fmt.Errorf("read the saved answers: %w", err)
	}
	defer rows.Close()
	var saved []savedAnswer
	for rows.Next() {
		var a savedAnswer
		if err := rows.Scan(&a.content, &a.state); err != nil {
			return Saved{}, fmt.Errorf("read a saved answer: %w", err)
		}
		saved = append(saved, a)
	}
	if err := rows.Err(); err != nil {
		return Saved{}, fmt.Errorf("read the saved answers: %w", err)
	}
	return tallySaved(saved, up), nil
}

// savedAnswer is one assistant message as a database holds it.
type savedAnswer struct{ content, state string }

// tallySaved counts the answers saved as done with exactly the text the
// model sent, each once; everything else is other.
func tallySaved(saved []savedAnswer, up *upstream) Saved {
	var s Saved
	seen := make(map[int]bool)
	for _, a := range saved {
		k, ok := answerTag(a.content)
		if a.state != "done" || !ok || k >= len(up.answers) || seen[k] || a.content != strings.Join(up.answers[k].chunks, "") {
			s.Other++
			continue
		}
		seen[k] = true
		s.Finished++
	}
	return s
}

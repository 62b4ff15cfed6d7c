package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/config"
	"github.com/rolefit/rolefit/internal/export"
	"github.com/rolefit/rolefit/internal/pgstore"
	"github.com/rolefit/rolefit/internal/store"
)

// feedbackCommand is `rolefit feedback export`: every rated answer of the
// instance as JSON Lines, for whoever improves the prompt. It reads the
// database of DATA_DIR (or -data-dir), also while Rolefit runs, and never
// creates or upgrades one.
func feedbackCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprintln(stderr, "Usage: rolefit feedback export [-o FILE] [-data-dir DIR]")
		return &config.Error{Msg: "feedback: the only command is export: rolefit feedback export [-o FILE] [-data-dir DIR]"}
	}
	fs := flag.NewFlagSet("rolefit feedback export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := getenv("DATA_DIR")
	if dataDir == "" {
		dataDir = config.DefaultDataDir
	}
	out := fs.String("o", "", "file to write (default: standard output)")
	fs.StringVar(&dataDir, "data-dir", dataDir, "directory of the database (env DATA_DIR)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rolefit feedback export [-o FILE] [-data-dir DIR]\n\n"+
			"Writes every rated answer of this Rolefit as JSON Lines: the question, the answer, the model,\n"+
			"the cited sections, the rating, the reason and when. Safe while Rolefit runs. With DATABASE_URL set,\n"+
			"it reads that PostgreSQL database instead of DATA_DIR's.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.ErrHelp
		}
		return &config.Error{Msg: "feedback export: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return &config.Error{Msg: fmt.Sprintf("feedback export: unexpected argument %q (see rolefit feedback export --help)", fs.Arg(0))}
	}

	db, err := openRated(ctx, getenv("DATABASE_URL"), dataDir)
	if err != nil {
		return err
	}
	defer db.Close()

	w, commit, err := output(*out, stdout)
	if err != nil {
		return fmt.Errorf("feedback export: %w", err)
	}
	defer commit(false)
	counts := map[chat.Rating]int{}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err = db.RatedAnswers(ctx, func(question, answer chat.Message) error {
		counts[answer.Feedback.Rating]++
		return enc.Encode(export.RatedAnswer(question, answer))
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("feedback export: %w", err)
	}
	if err := commit(true); err != nil {
		return fmt.Errorf("feedback export: %w", err)
	}
	where := "standard output"
	if *out != "" {
		where = *out
	}
	fmt.Fprintf(stderr, "exported %d rated answers (%d up, %d down) to %s\n",
		counts[chat.RatingUp]+counts[chat.RatingDown], counts[chat.RatingUp], counts[chat.RatingDown], where)
	return nil
}

// output is where the export goes: stdout, or a file (readable by its
// owner only: it holds what people typed) that appears only
// once it is whole (written beside it, then renamed), so a failed export
// never leaves half a file where the last good one was. commit(true)
// puts it in place; commit(false) after that does nothing.
func output(path string, stdout io.Writer) (io.Writer, func(ok bool) error, error) {
	if path == "" {
		return stdout, func(bool) error { return nil }, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, nil, err
	}
	done := false
	return f, func(ok bool) error {
		if done {
			return nil
		}
		done = true
		if !ok {
			f.Close()
			os.Remove(f.Name())
			return nil
		}
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return err
		}
		return os.Rename(f.Name(), path)
	}, nil
}

// ratedSource is what the export reads: either database has it.
type ratedSource interface {
	RatedAnswers(ctx context.Context, fn func(question, answer chat.Message) error) error
	Close() error
}

// openRated opens the database Rolefit runs on, as it is, without creating
// or upgrading it: PostgreSQL's when DATABASE_URL is set, else the SQLite
// file in dataDir.
func openRated(ctx context.Context, databaseURL, dataDir string) (ratedSource, error) {
	if databaseURL != "" {
		db, err := pgstore.OpenExisting(ctx, databaseURL)
		if err != nil {
			return nil, fmt.Errorf("feedback export: the database of DATABASE_URL %s: %w", config.RedactURL(databaseURL), err)
		}
		return db, nil
	}
	db, err := store.OpenExisting(ctx, filepath.Join(dataDir, "rolefit.db"))
	if err != nil {
		return nil, fmt.Errorf("feedback export: %w (is DATA_DIR or -data-dir right?)", err)
	}
	return db, nil
}

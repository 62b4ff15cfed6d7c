package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rolefit/rolefit/internal/config"
	evaluation "github.com/rolefit/rolefit/internal/eval"
)

// evalCommand is `rolefit eval`: it asks a question set of the model the
// server would use (the same OPENAI_* settings, offline without them),
// prints a table, writes report.md and report.json, and fails below the
// operator's thresholds so CI can check a prompt or model change. With
// --compare it compares two reports instead. The work is in internal/eval.
func evalCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rolefit eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	questions := fs.String("questions", "", "JSONL question set (default: the built-in set)")
	concurrency := fs.Int("concurrency", 4, "questions asked at once")
	out := fs.String("out", "", "directory for report.md and report.json (default: none written)")
	compare := fs.Bool("compare", false, "compare two reports: rolefit eval --compare a.json b.json")
	var t evaluation.Thresholds
	fs.Float64Var(&t.MinCited, "min-cited", 0, "fail when fewer fact sentences than this share cite a section")
	fs.Float64Var(&t.MinGrounded, "min-grounded", 0, "fail when fewer cited sentences than this share are grounded")
	fs.Float64Var(&t.MinRefused, "min-refused", 0, "fail when fewer out-of-scope questions than this share are refused")
	fs.IntVar(&t.MaxLeaks, "max-leaks", -1, "fail when more answers than this leak the system prompt (-1: no limit)")
	fs.IntVar(&t.MaxUnknown, "max-unknown", -1, "fail when more citations than this name no section (-1: no limit)")
	fs.IntVar(&t.MaxErrors, "max-errors", 0, "fail when more questions than this fail (-1: no limit)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rolefit eval [flags]\n       rolefit eval --compare a.json b.json\n\n"+
			"Asks a question set of the configured model (OPENAI_* settings, as the server; offline without them)\n"+
			"and scores each answer. Exits non-zero below the thresholds.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.ErrHelp
		}
		return &config.Error{Msg: "eval: " + err.Error()}
	}
	if *compare {
		if fs.NArg() != 2 {
			return &config.Error{Msg: "eval: --compare takes two report files: rolefit eval --compare a.json b.json"}
		}
		a, err := evaluation.ReadReport(fs.Arg(0))
		if err != nil {
			return err
		}
		b, err := evaluation.ReadReport(fs.Arg(1))
		if err != nil {
			return err
		}
		return evaluation.WriteComparison(stdout, a, b)
	}
	if fs.NArg() > 0 {
		return &config.Error{Msg: fmt.Sprintf("eval: unexpected argument %q (see rolefit eval --help)", fs.Arg(0))}
	}
	if *concurrency < 1 {
		return &config.Error{Msg: "eval: -concurrency must be 1 or more"}
	}

	qs, set := evaluation.BuiltIn(), "built-in"
	if *questions != "" {
		f, err := os.Open(*questions)
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		qs, err = evaluation.ReadQuestions(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%w (in %s)", err, *questions)
		}
		set = *questions
	}
	// The model settings only: flags here are eval's own.
	cfg, err := config.Load(nil, getenv, stderr)
	if err != nil {
		return err
	}
	provider, closeProvider := newProvider(cfg)
	defer closeProvider()
	info := provider.Describe()
	fmt.Fprintf(stderr, "eval: asking %d questions of %s, %d at a time\n", len(qs), describe(info.Name, info.Model, info.Offline), *concurrency)

	rep, err := evaluation.Run(ctx, provider, qs, evaluation.Options{
		Concurrency:       *concurrency,
		MaxTokens:         cfg.MaxAnswerTokens,
		FirstTokenTimeout: cfg.FirstTokenTimeout,
		MaxGeneration:     cfg.MaxGeneration,
		Progress:          stderr,
		QuestionSet:       set,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if *out != "" {
		if err := writeReports(rep, *out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nReports: %s, %s\n", filepath.Join(*out, "report.md"), filepath.Join(*out, "report.json"))
	}
	if failed := t.Check(rep.Summary); len(failed) > 0 {
		return fmt.Errorf("eval: below thresholds: %s", strings.Join(failed, "; "))
	}
	return nil
}

func describe(name, model string, offline bool) string {
	if offline {
		return "offline mode"
	}
	return fmt.Sprintf("%s model %q", name, model)
}

func writeReports(rep *evaluation.Report, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	for name, write := range map[string]func(io.Writer) error{"report.md": rep.WriteMarkdown, "report.json": rep.WriteJSON} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("eval: write %s: %w", name, err)
		}
	}
	return nil
}

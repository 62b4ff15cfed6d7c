// Command evaluate runs the offline answerer on labelled questions (JSONL,
// see offline.LabelledQuestion) and judges each full answer: does it state
// the facts a right answer must state, and does it call the question out of
// scope exactly when the article does not cover it?
//
//	go run ./internal/offline/evaluate [-v] FILE.jsonl...
//
// It prints the accuracy per kind of question and in total, and the number
// of answers that call a common word out of scope (which must be zero); -v
// also prints every failure with its answer.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rolefit/rolefit/internal/offline"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "evaluate:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "print every failure with its answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("usage: evaluate [-v] FILE.jsonl [FILE.jsonl]")
	}
	var qs []offline.LabelledQuestion
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		more, err := offline.ReadLabelled(f, name)
		f.Close()
		if err != nil {
			return err
		}
		qs = append(qs, more...)
	}
	offline.Evaluate(qs, offline.Answer).Write(stdout, *verbose)
	return nil
}

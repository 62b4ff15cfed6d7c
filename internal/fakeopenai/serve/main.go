// Command serve runs the fake model server as a process, so that Rolefit
// (or `rolefit eval`) can be pointed at a model whose answers are known:
//
//	go run ./internal/fakeopenai/serve -addr 127.0.0.1:9999 -answers answers.jsonl
//	OPENAI_BASE_URL=http://127.0.0.1:9999/v1 OPENAI_MODEL=fake go run ./cmd/web eval
//
// The answers file holds one {"question": …, "answer": …} object a line; a
// question asked as written there (the last user message, spaces trimmed)
// gets its answer, streamed a few words a chunk; any other gets -default.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakeopenai:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9999", "address to listen on")
	answersFile := fs.String("answers", "", "JSONL file of {\"question\", \"answer\"} objects")
	def := fs.String("default", fakeopenai.DefaultAnswer, "answer to any other question")
	if err := fs.Parse(args); err != nil {
		return err
	}
	answers := map[string]string{}
	if *answersFile != "" {
		f, err := os.Open(*answersFile)
		if err != nil {
			return err
		}
		answers, err = readAnswers(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *answersFile, err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	s := fakeopenai.NewOn(ln)
	defer s.Close()
	s.SetResponder(func(req fakeopenai.ChatRequest) (fakeopenai.Reply, bool) {
		answer, ok := answers[lastQuestion(req)]
		if !ok {
			answer = *def
		}
		return fakeopenai.Reply{Chunks: chunks(answer)}, true
	})
	fmt.Fprintf(stdout, "fake model listening: OPENAI_BASE_URL=%s\n", s.URL)
	<-ctx.Done()
	return nil
}

func readAnswers(r io.Reader) (map[string]string, error) {
	answers := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var a struct{ Question, Answer string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		answers[strings.TrimSpace(a.Question)] = a.Answer
	}
	return answers, sc.Err()
}

func lastQuestion(req fakeopenai.ChatRequest) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == "user" {
			return strings.TrimSpace(req.Messages[i].Content)
		}
	}
	return ""
}

// chunks splits an answer into pieces of three words, as a model streams.
func chunks(answer string) []string {
	var out []string
	words := strings.SplitAfter(answer, " ")
	for i := 0; i < len(words); i += 3 {
		out = append(out, strings.Join(words[i:min(i+3, len(words))], ""))
	}
	return out
}

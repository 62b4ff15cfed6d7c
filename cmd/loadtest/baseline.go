package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rolefit/rolefit/internal/prompts"
)

// Baseline is the model alone: as many clients as the level has chats
// reading the same fake model directly, at the same moment, on the same
// machine. Ratios are taken to it, so the load tool's own cost and the
// machine's noise are counted on both sides.
type Baseline struct {
	TTFT   Latency `json:"ttft"`  // from the request to the first content chunk
	Total  Latency `json:"total"` // from the request to [DONE]
	Errors int     `json:"errors"`
}

// measureBaseline runs rounds of n direct requests at once to a fresh fake
// model paced as the level's, and checks each answer arrives whole.
func measureBaseline(ctx context.Context, n, rounds, chunks int, model modelTiming) (Baseline, error) {
	up, stop := pacedUpstream(ctx, n*rounds, chunks, model)
	defer stop()
	ttft, total, errs := readRounds(ctx, up.url(), n, rounds, up)
	b := Baseline{TTFT: summarize(ttft), Total: summarize(total), Errors: errs.n}
	if errs.n > 0 {
		return b, fmt.Errorf("the model alone failed %d of %d times: %s", errs.n, n*rounds, strings.Join(errs.first, "; "))
	}
	return b, nil
}

// pacedUpstream is a fresh light fake model of n answers, paced until stop.
func pacedUpstream(ctx context.Context, n, chunks int, model modelTiming) (up *upstream, stop func()) {
	up = newUpstream(n, chunks, model, true)
	pacing, stopPacing := context.WithCancel(ctx)
	pacers := up.startPacing(pacing)
	return up, func() {
		stopPacing()
		pacers.Wait()
		up.close()
	}
}

// readRounds has n clients at once read answers of up through base, round
// after round, as the model alone is read, and returns each answer's time
// to its first content and to its end.
func readRounds(ctx context.Context, base string, n, rounds int, up *upstream) (ttft, total []time.Duration, errs *failures) {
	errs = &failures{}
	transport := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}

	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for r := range rounds {
		start := make(chan struct{})
		for i := range n {
			k := r*n + i
			wg.Go(func() {
				<-start
				first, whole, err := readModel(ctx, client, base, k, strings.Join(up.answers[k].chunks, ""))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs.add("request %d: %v", k, err)
					return
				}
				ttft, total = append(ttft, first), append(total, whole)
			})
		}
		close(start)
		wg.Wait()
	}
	return ttft, total, errs
}

// systemPromptJSON is Rolefit's system prompt as a JSON string, encoded
// once: the model alone is sent the prompt Rolefit sends, since reading
// it (about 9 KB, some 0.07 ms for the fake to decode) is the model's
// work, not Rolefit's. The load tool itself should not spend that
// encoding again for every chat on the cores it shares.
var systemPromptJSON = sync.OnceValue(func() []byte {
	b, _ := json.Marshal(prompts.SystemPrompt()) // a string always encodes
	return b
})

// readModel asks question k of the model as Rolefit would, with its system
// prompt, reads the stream as go-openai does (one JSON chunk per data
// line), and returns when the first content arrived and when the stream
// ended.
func readModel(ctx context.Context, client *http.Client, base string, k int, want string) (first, whole time.Duration, err error) {
	question, _ := json.Marshal(fmt.Sprintf("Question %d: what does an AI evaluation engineer do all day?", k))
	body := fmt.Appendf(nil, `{"model":"load","stream":true,"messages":[{"role":"system","content":%s},{"role":"user","content":%s}]}`,
		systemPromptJSON(), question)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	sent := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("status %d", res.StatusCode)
	}
	var text strings.Builder
	type chunk struct {
		Choices []struct {
			Delta struct {
				Content string `json:"content"`
			} `json:"delta"`
		} `json:"choices"`
	}
	r := bufio.NewReader(res.Body)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, 0, fmt.Errorf("stream after %d bytes: %w", text.Len(), err)
		}
		data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("data: "))
		if !ok {
			continue
		}
		if string(data) == "[DONE]" {
			whole = time.Since(sent)
			break
		}
		var ch chunk // fresh: decoding into a used one keeps fields a chunk leaves out
		if err := json.Unmarshal(data, &ch); err != nil {
			return 0, 0, fmt.Errorf("chunk %.80q: %w", data, err)
		}
		for _, c := range ch.Choices {
			if c.Delta.Content != "" && text.Len() == 0 {
				first = time.Since(sent)
			}
			text.WriteString(c.Delta.Content)
		}
	}
	if text.String() != want {
		return 0, 0, fmt.Errorf("got %d bytes, want %d", text.Len(), len(want))
	}
	return first, whole, nil
}

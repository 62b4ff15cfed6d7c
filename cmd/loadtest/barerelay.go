package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// A bare relay is the least a Go server can do for a chat: take the
// request, ask the model, and pass each read of the model's stream on to
// the client with a flush. It stores, renders, sanitises and checks
// nothing, and has no pages. Run on the same machine under the same load
// as Rolefit, with the same clients, its time and CPU per chat are the
// floor any Go chat server stands on there: the part of Rolefit's figures
// that is its own work is what lies above it, and the rest is the
// machine's (the runtime waking up for each read, loopback, the kernel).

// bareRelayEnv, when set in the load tool's environment, makes it a bare
// relay to the model at that URL instead. The tool starts a copy of itself
// that way, so the relay's CPU is counted apart from the tool's own.
const bareRelayEnv = "ROLEFIT_LOADTEST_BARE_RELAY"

// BareRelay is one level run through a bare relay instead of Rolefit.
type BareRelay struct {
	TTFT  Latency       `json:"ttft"`
	Total Latency       `json:"total"`
	CPU   time.Duration `json:"-"` // the relay's, from the first request to the last answer's end
	Chats int           `json:"chats"`
	// Ratios to the model alone, as Rolefit's are taken, and the CPU per
	// chat in milliseconds; set by run, which measured the model alone.
	TTFTRatio    float64 `json:"ttft_ratio"`
	TotalRatio   float64 `json:"total_ratio"`
	CPUPerChatMS float64 `json:"cpu_per_chat_ms"`
}

// CPUPerChat is the relay's CPU time divided by the chats it carried.
func (b BareRelay) CPUPerChat() time.Duration {
	if b.Chats == 0 {
		return 0
	}
	return b.CPU / time.Duration(b.Chats)
}

// measureBareRelay runs rounds of n chats at once through a bare relay in
// a process of its own, to a fresh fake model paced as the level's, and
// checks each answer arrives whole.
func measureBareRelay(ctx context.Context, n, rounds, chunks int, model modelTiming) (BareRelay, error) {
	up, stop := pacedUpstream(ctx, n*rounds, chunks, model)
	defer stop()

	relay, line, err := startSelfCopy(ctx, false, bareRelayEnv+"="+up.url())
	if err != nil {
		return BareRelay{}, fmt.Errorf("bare relay: %w", err)
	}
	defer relay.kill()
	cmd := relay.cmd
	base, err := loopbackURL(line)
	if err != nil {
		return BareRelay{}, fmt.Errorf("bare relay: %w", err)
	}

	before, err := procCPU(cmd.Process.Pid)
	if err != nil {
		return BareRelay{}, fmt.Errorf("bare relay: %w", err)
	}
	ttft, total, errs := readRounds(ctx, base, n, rounds, up)
	after, err := procCPU(cmd.Process.Pid)
	if err != nil {
		return BareRelay{}, fmt.Errorf("bare relay: %w", err)
	}
	b := BareRelay{TTFT: summarize(ttft), Total: summarize(total), CPU: after - before, Chats: n * rounds}
	if errs.n > 0 {
		return b, fmt.Errorf("the bare relay failed %d of %d times: %s", errs.n, n*rounds, strings.Join(errs.first, "; "))
	}
	return b, nil
}

// serveBareRelay relays POST /chat/completions to the model at modelURL
// until the process is killed. Its first line on stdout says where it
// listens, as Rolefit's does.
func serveBareRelay(modelURL string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bare relay listening on http://%s\n", ln.Addr())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	relay := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, modelURL+"/chat/completions", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		flush := http.NewResponseController(w).Flush
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				if flush() != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat/completions", relay)
	err = http.Serve(ln, mux)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

package record

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rolefit/rolefit/internal/chat"
)

// An answer's meta keeps the exact messages sent for it, the system prompt
// first: about 9 KB that every answer repeated, most of each answer's row
// and, at thousands of answers ending at once, half the cost of their
// final saves. The prompt's text is now stored once, in a table of sent
// prompts keyed by its SHA-256, and the meta keeps a reference in its
// place, which every read resolves before the message leaves the store.
// Metas written before keep their text inline and read as they always did.

// promptRef is what a system message's content holds in a stored meta: a
// NUL, which no prompt begins with, then the prompt's hash.
const promptRef = "\x00sent-prompt:"

// A SentPrompt is a system prompt to be stored, by hash, with the meta
// that refers to it.
type SentPrompt struct{ Hash, Text string }

// knownPrompts holds every prompt text seen, by hash, for reads. It is
// keyed by the content, so it is right for every database a process
// opens: a hash names one text wherever it is stored. Whether a database
// holds a prompt is each store's own record (a Stored).
var knownPrompts sync.Map // hash → text

// withPromptRefs returns m with each system message's text replaced by its
// reference, and the prompts referred to. m itself is not changed.
func withPromptRefs(m *chat.AnswerMeta) (*chat.AnswerMeta, []SentPrompt) {
	var out []SentPrompt
	var sent []chat.SentMessage
	for i, s := range m.Sent {
		if s.Role != chat.RoleSystem || s.Content == "" || strings.HasPrefix(s.Content, promptRef) {
			continue
		}
		if sent == nil {
			sent = append([]chat.SentMessage(nil), m.Sent...)
		}
		hash := promptHash(s.Content)
		sent[i].Content = promptRef + hash
		out = append(out, SentPrompt{Hash: hash, Text: s.Content})
	}
	if sent == nil {
		return m, nil
	}
	c := *m
	c.Sent = sent
	return &c, out
}

// lastHashed is the prompt hashed last, with its hash. Every answer is sent
// the same system prompt, so its hash is nearly always this one: comparing
// the text (the same string, most often: one comparison of two pointers)
// spares hashing 9 KB and a copy of it for every answer.
var lastHashed atomic.Pointer[SentPrompt]

// promptHash returns the hex SHA-256 of text.
func promptHash(text string) string {
	if p := lastHashed.Load(); p != nil && p.Text == text {
		return p.Hash
	}
	sum := sha256.Sum256([]byte(text))
	p := &SentPrompt{Hash: hex.EncodeToString(sum[:]), Text: text}
	lastHashed.Store(p)
	return p.Hash
}

// Learn records prompts' texts, so reads resolve them without a query.
func Learn(prompts []SentPrompt) {
	for _, p := range prompts {
		knownPrompts.Store(p.Hash, p.Text)
	}
}

// ForgetPrompts forgets every prompt text learnt, as a process that has
// just started: for tests of reading prompts from the database.
func ForgetPrompts() { knownPrompts.Clear() }

// Stored is the prompts one database is known to hold, so a write stores
// a prompt only the first time.
type Stored struct{ hashes sync.Map }

// New returns those of prompts not known to be stored: the caller stores
// them with its write, and calls Add once it is committed.
func (st *Stored) New(prompts []SentPrompt) []SentPrompt {
	var out []SentPrompt
	for _, p := range prompts {
		if _, ok := st.hashes.Load(p.Hash); !ok {
			out = append(out, p)
		}
	}
	return out
}

// Add records prompts as stored, and learns their texts.
func (st *Stored) Add(prompts []SentPrompt) {
	for _, p := range prompts {
		st.hashes.Store(p.Hash, true)
	}
	Learn(prompts)
}

// MissingPrompts lists the hashes msgs refer to that this process does not
// know yet (written by another process, or before it started).
func MissingPrompts(msgs []chat.Message) []string {
	var missing []string
	seen := map[string]bool{}
	eachRef(msgs, func(_ *chat.SentMessage, hash string) {
		if _, known := knownPrompts.Load(hash); !known && !seen[hash] {
			seen[hash] = true
			missing = append(missing, hash)
		}
	})
	return missing
}

// ResolvePrompts puts the prompts' text back in place of the references
// in msgs' metas. A reference whose prompt is unknown stays as it is, and
// ok is false.
func ResolvePrompts(msgs []chat.Message) (ok bool) {
	ok = true
	eachRef(msgs, func(s *chat.SentMessage, hash string) {
		if text, known := knownPrompts.Load(hash); known {
			s.Content = text.(string)
		} else {
			ok = false
		}
	})
	return ok
}

// eachRef calls fn with every system message of msgs' metas that refers
// to a stored prompt, and the prompt's hash.
func eachRef(msgs []chat.Message, fn func(s *chat.SentMessage, hash string)) {
	for _, m := range msgs {
		if m.Meta == nil {
			continue
		}
		for i := range m.Meta.Sent {
			s := &m.Meta.Sent[i]
			if hash, ok := strings.CutPrefix(s.Content, promptRef); ok && s.Role == chat.RoleSystem {
				fn(s, hash)
			}
		}
	}
}

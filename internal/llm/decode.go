package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// decodeChunk reads one stream chunk into c. Every delta of every answer
// passes through here, and encoding/json's reflection was a sixth of the
// server's CPU at 200 concurrent answers, so the common chunk (strings,
// nulls, small integers, fields Rolefit does not read) is scanned by hand.
// Anything else (an error object, a field named in another case, a number
// that is not an integer where one is read) goes to encoding/json, which
// stays the reference: the fuzz test holds the two to the same result, and
// invalid JSON is refused by encoding/json itself.
//
// A stream decodes every chunk into the same c: the list of choices keeps
// its array from one chunk to the next, rather than allocate one for every
// delta of every answer.
func decodeChunk(raw []byte, c *chunk) error {
	choices := c.Choices[:0]
	*c = chunk{}
	d := chunkDecoder{b: raw, spare: choices}
	if err := d.chunk(c); err != nil {
		// Unusual or malformed: encoding/json decides, and words the
		// error (a *json.SyntaxError is how a bad chunk is recognised).
		*c = chunk{}
		return json.Unmarshal(raw, c)
	}
	return nil
}

// errUnusual hands a chunk to encoding/json; errSyntax too, for its
// refusal.
var (
	errUnusual = errors.New("llm: chunk needs encoding/json")
	errSyntax  = errors.New("llm: malformed chunk")
)

type chunkDecoder struct {
	b []byte
	i int
	// spare is the array the last chunk's choices were read into.
	spare []chunkChoice
}

func (d *chunkDecoder) chunk(c *chunk) error {
	seenChoices := false
	err := d.object(func(key []byte) error {
		switch string(key) {
		case "choices":
			if seenChoices {
				// encoding/json decodes a repeated array into the
				// elements already there: its rule to follow.
				return errUnusual
			}
			seenChoices = true
			return d.choices(c)
		case "usage":
			return d.usage(&c.Usage)
		case "x_groq":
			return d.groq(c)
		case "error":
			return errUnusual
		}
		return d.other(key, "choices", "usage", "x_groq", "error")
	})
	if err != nil {
		return err
	}
	d.space()
	if d.i != len(d.b) {
		return errSyntax
	}
	return nil
}

func (d *chunkDecoder) choices(c *chunk) error {
	if d.null() {
		c.Choices = nil
		return nil
	}
	if !d.consume('[') {
		return errUnusual
	}
	c.Choices = d.spare[:0] // [] is an empty list, not nil
	if c.Choices == nil {
		c.Choices = make([]chunkChoice, 0, 1)
	}
	if d.consume(']') {
		return nil
	}
	for {
		c.Choices = append(c.Choices, chunkChoice{})
		ch := &c.Choices[len(c.Choices)-1]
		if d.null() {
			// encoding/json leaves a null element zero.
		} else if err := d.object(func(key []byte) error {
			switch string(key) {
			case "delta":
				if d.null() {
					return nil
				}
				return d.object(func(key []byte) error {
					switch string(key) {
					case "content":
						return d.str(&ch.Delta.Content)
					case "reasoning_content":
						return d.str(&ch.Delta.ReasoningContent)
					case "reasoning":
						return d.str(&ch.Delta.Reasoning)
					}
					return d.other(key, "content", "reasoning_content", "reasoning")
				})
			case "finish_reason":
				return d.str(&ch.FinishReason)
			}
			return d.other(key, "delta", "finish_reason")
		}); err != nil {
			return err
		}
		if d.consume(']') {
			return nil
		}
		if !d.consume(',') {
			return errSyntax
		}
	}
}

func (d *chunkDecoder) usage(u **chunkUsage) error {
	if d.null() {
		*u = nil
		return nil
	}
	if *u == nil {
		*u = &chunkUsage{}
	}
	v := *u
	return d.object(func(key []byte) error {
		switch string(key) {
		case "prompt_tokens":
			return d.integer(&v.PromptTokens)
		case "completion_tokens":
			return d.integer(&v.CompletionTokens)
		}
		return d.other(key, "prompt_tokens", "completion_tokens")
	})
}

func (d *chunkDecoder) groq(c *chunk) error {
	if d.null() {
		c.XGroq = nil
		return nil
	}
	if c.XGroq == nil {
		c.XGroq = &struct {
			Usage *chunkUsage `json:"usage"`
		}{}
	}
	return d.object(func(key []byte) error {
		if string(key) == "usage" {
			return d.usage(&c.XGroq.Usage)
		}
		return d.other(key, "usage")
	})
}

// other skips the value of a field Rolefit does not read. encoding/json
// matches field names without regard to case, so a name that differs from
// a read one only in case is left to it.
func (d *chunkDecoder) other(key []byte, read ...string) error {
	for _, name := range read {
		if strings.EqualFold(string(key), name) {
			return errUnusual
		}
	}
	return d.skip(0)
}

// object reads an object, calling field for each key with the decoder at
// its value, which field must consume. A value that is not an object is
// left to encoding/json, which says what is wrong with it.
func (d *chunkDecoder) object(field func(key []byte) error) error {
	d.space()
	if !d.consume('{') {
		return errUnusual
	}
	if d.consume('}') {
		return nil
	}
	for {
		d.space()
		key, escaped, err := d.stringToken()
		if err != nil {
			return err
		}
		if escaped {
			return errUnusual
		}
		if !d.consume(':') {
			return errSyntax
		}
		d.space()
		if err := field(key[1 : len(key)-1]); err != nil {
			return err
		}
		if d.consume('}') {
			return nil
		}
		if !d.consume(',') {
			return errSyntax
		}
	}
}

// str reads a string (or null, which leaves s as it was, as encoding/json
// does).
func (d *chunkDecoder) str(s *string) error {
	if d.null() {
		return nil
	}
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return errUnusual
	}
	tok, escaped, err := d.stringToken()
	if err != nil {
		return err
	}
	body := tok[1 : len(tok)-1]
	if escaped || !utf8.Valid(body) {
		// Escapes and invalid UTF-8 are rare and subtle: encoding/json
		// decodes them (the latter into U+FFFD).
		return json.Unmarshal(tok, s)
	}
	*s = string(body)
	return nil
}

// integer reads a JSON number that is an integer in int's range; any other
// number is encoding/json's to accept or refuse.
func (d *chunkDecoder) integer(n *int) error {
	if d.null() {
		return nil
	}
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	v := 0
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		v = v*10 + int(d.b[d.i]-'0')
		d.i++
	}
	switch {
	case d.i == digits, d.i-digits > 15, d.i-digits > 1 && d.b[digits] == '0':
		return errUnusual
	case d.i < len(d.b) && (d.b[d.i] == '.' || d.b[d.i] == 'e' || d.b[d.i] == 'E'):
		return errUnusual
	}
	if d.b[start] == '-' {
		v = -v
	}
	*n = v
	return nil
}

// skip moves past one JSON value, checking its syntax.
func (d *chunkDecoder) skip(depth int) error {
	if depth > 64 {
		return errUnusual
	}
	d.space()
	if d.i >= len(d.b) {
		return errSyntax
	}
	switch b := d.b[d.i]; {
	case b == '"':
		_, _, err := d.stringToken()
		return err
	case b == '{':
		return d.object(func([]byte) error { return d.skip(depth + 1) })
	case b == '[':
		d.i++
		if d.consume(']') {
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if d.consume(']') {
				return nil
			}
			if !d.consume(',') {
				return errSyntax
			}
		}
	case b == 't':
		return d.literal("true")
	case b == 'f':
		return d.literal("false")
	case b == 'n':
		return d.literal("null")
	case b == '-' || (b >= '0' && b <= '9'):
		return d.number()
	}
	return errSyntax
}

func (d *chunkDecoder) literal(word string) error {
	if !bytes.HasPrefix(d.b[d.i:], []byte(word)) {
		return errSyntax
	}
	d.i += len(word)
	return nil
}

// number moves past a number, checking it against JSON's grammar.
func (d *chunkDecoder) number() error {
	if d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && d.b[d.i] >= '1' && d.b[d.i] <= '9':
		d.digits()
	default:
		return errSyntax
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return errSyntax
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return errSyntax
		}
	}
	return nil
}

func (d *chunkDecoder) digits() int {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

// stringToken moves past a string and returns it with its quotes, and
// whether it holds an escape. It checks escapes' syntax and refuses control
// characters, as JSON does.
func (d *chunkDecoder) stringToken() (tok []byte, escaped bool, err error) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false, errSyntax
	}
	start := d.i
	d.i++
	for d.i < len(d.b) {
		switch b := d.b[d.i]; {
		case b == '"':
			d.i++
			return d.b[start:d.i], escaped, nil
		case b == '\\':
			escaped = true
			if d.i+1 >= len(d.b) {
				return nil, false, errSyntax
			}
			switch d.b[d.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i += 2
			case 'u':
				if d.i+6 > len(d.b) || !isHex4(d.b[d.i+2:d.i+6]) {
					return nil, false, errSyntax
				}
				d.i += 6
			default:
				return nil, false, errSyntax
			}
		case b < 0x20:
			return nil, false, errSyntax
		default:
			d.i++
		}
	}
	return nil, false, errSyntax
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// null consumes a null, reporting whether there was one.
func (d *chunkDecoder) null() bool {
	d.space()
	if bytes.HasPrefix(d.b[d.i:], []byte("null")) {
		d.i += 4
		return true
	}
	return false
}

// consume moves past b, after any white space, reporting whether it was
// there.
func (d *chunkDecoder) consume(b byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == b {
		d.i++
		return true
	}
	return false
}

func (d *chunkDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

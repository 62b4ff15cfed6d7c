// Package record is the half of a Rolefit store that does not depend on its
// database engine: how chat values are kept in columns and read back from a
// row, the schema history's files, and the record of whether writes fail.
// The SQLite store (internal/store) and the PostgreSQL one
// (internal/pgstore) both keep their rows in this one form, so a row reads
// the same whichever engine holds it, and a fix to the form is made once.
// SQL stays in each store, as the dialects differ; this package imports no
// driver, so either store can use it without linking the other's.
package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// Scanner is what a row of either engine has (database/sql's Row and Rows,
// pgx's Row and Rows), so one function reads a row of both.
type Scanner interface{ Scan(dest ...any) error }

// Rows is what a result of either engine has, for reading many rows; the
// caller closes it.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Millis is t as a time column holds it: integer Unix milliseconds, UTC.
// Integers sort and compare exactly in SQL, and carry no locale, zone or
// format ambiguity that text timestamps invite; milliseconds are as fine
// as the page needs, whatever the column could hold.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time is the time a time column holds, in UTC.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// EncodeMeta is the meta column's text: JSON, or empty for none. The
// system prompts sent are referred to by hash (prompts.go): the caller
// stores prompts with the meta, unless Unknown says none is new, and
// calls Learn once they are committed.
func EncodeMeta(m *chat.AnswerMeta) (_ string, prompts []SentPrompt, err error) {
	if m == nil {
		return "", nil, nil
	}
	m, prompts = withPromptRefs(m)
	b, err := json.Marshal(m)
	if err != nil {
		return "", nil, fmt.Errorf("encode answer meta: %w", err)
	}
	return string(b), prompts, nil
}

// DecodeMeta reads what EncodeMeta wrote: nil for empty.
func DecodeMeta(s string) (*chat.AnswerMeta, error) {
	if s == "" {
		return nil, nil
	}
	var m chat.AnswerMeta
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode answer meta: %w", err)
	}
	return &m, nil
}

// EncodeFit stores fit answers as a JSON object; none is the empty string.
func EncodeFit(answers map[string]string) (string, error) {
	if len(answers) == 0 {
		return "", nil
	}
	b, err := json.Marshal(answers)
	return string(b), err
}

// DecodeFit reads what EncodeFit wrote: nil for empty.
func DecodeFit(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

// FeedbackColumns are the four feedback columns of a rating; no rating is
// empty text and zero, so the columns need no NULLs.
func FeedbackColumns(f *chat.Feedback) (rating, reason, comment string, at int64) {
	if f == nil {
		return "", "", "", 0
	}
	return string(f.Rating), string(f.Reason), f.Comment, Millis(f.At)
}

// Feedback reads what FeedbackColumns wrote: nil for no rating.
func Feedback(rating, reason, comment string, at int64) *chat.Feedback {
	if rating == "" {
		return nil
	}
	return &chat.Feedback{Rating: chat.Rating(rating), Reason: chat.Reason(reason), Comment: comment, At: Time(at)}
}

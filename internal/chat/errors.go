package chat

import (
	"errors"
	"fmt"
	"time"
)

// Error codes, one per kind of failure a person can act on differently. The
// HTTP layer maps each to a status in exactly one place.
const (
	ENOTFOUND = "not_found" // no such conversation or message, or not yours
	EINVALID  = "invalid"   // the input cannot be accepted as it is
	ECONFLICT = "conflict"  // the request clashes with the current state
	EINTERNAL = "internal"  // our fault; details are logged, not shown
	// EUNAVAILABLE: this replica is shutting down and takes no new work;
	// another replica can (a load balancer may pass the request on).
	EUNAVAILABLE = "unavailable"
)

// Error is a failure with a code and a message fit to show a person.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is wrapped by stores when something does not exist.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "That conversation does not exist."}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic one: raw errors may carry details people must not see.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// FailureKind classifies why a model failed, so the person gets advice that
// fits and operators get a metric per kind.
type FailureKind string

const (
	FailUnauthorized  FailureKind = "unauthorized"    // 401/403: the key or the endpoint is wrong
	FailModelNotFound FailureKind = "model_not_found" // 404: no such model
	// FailModelNotPulled: Ollama knows the model but has not downloaded it.
	FailModelNotPulled FailureKind = "model_not_pulled"
	FailRateLimited    FailureKind = "rate_limited" // 429
	FailUnavailable    FailureKind = "unavailable"  // 5xx
	FailUnreachable    FailureKind = "unreachable"  // refused, DNS, TLS
	FailTimeout        FailureKind = "timeout"      // no first token, or a stall mid-answer
	FailCut            FailureKind = "cut"          // the stream ended without finishing
	FailModelError     FailureKind = "model_error"  // the service reported an error inside the stream
	// FailContentFilter: the service's content filter stopped the answer
	// (finish_reason content_filter, Azure OpenAI).
	FailContentFilter FailureKind = "content_filter"
	FailBadResponse   FailureKind = "bad_response" // malformed chunk, other 4xx
	FailUnknown       FailureKind = "unknown"      // anything else; the log has the cause
)

// FailureKinds lists every kind, for whoever counts them (metrics show each
// from the start, at zero). A new kind goes here too.
func FailureKinds() []FailureKind {
	return []FailureKind{FailUnauthorized, FailModelNotFound, FailModelNotPulled, FailRateLimited, FailUnavailable,
		FailUnreachable, FailTimeout, FailCut, FailModelError, FailContentFilter, FailBadResponse, FailUnknown}
}

// ProviderError is how providers report a failed answer.
type ProviderError struct {
	Kind       FailureKind
	Status     int           // upstream HTTP status, 0 if none
	RetryAfter time.Duration // from Retry-After, 0 if absent
	Err        error         // the cause, for logs only; may be nil
	// Model names the model, for FailModelNotPulled: the person is told
	// the command that downloads it.
	Model string
}

func (e *ProviderError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("provider: %s (status %d): %v", e.Kind, e.Status, e.Err)
	}
	return fmt.Sprintf("provider: %s (status %d)", e.Kind, e.Status)
}

func (e *ProviderError) Unwrap() error { return e.Err }

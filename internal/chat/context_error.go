package chat

import (
	"context"
	"fmt"
)

// ContextError is what a Provider's Stream returns when ctx ends: the
// context's own error (so errors.Is(err, context.Canceled) holds) carrying
// its cause, such as a stop or a cap, for the log.
func ContextError(ctx context.Context) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

package chat

import (
	"context"
	"errors"
	"time"
)

// Relay carries answers being written between the replicas of one
// deployment, so that any replica can show, resume and stop an answer
// another one writes. Without a Relay (one replica, the default), an
// answer lives only in the memory of the process writing it, which is
// correct when there is only one.
//
// The replica writing an answer publishes every change of it through a
// Feed; a replica asked to show it mirrors those changes into a Feed of its
// own, from the start, so byte offsets are the same on every replica and a
// watcher resumes exactly, wherever its reconnection lands.
type Relay interface {
	// Publish announces that this replica begins writing answer m (its
	// saved text and thinking, if it continues one, are where it starts)
	// and returns the Feed that carries the rest to the other replicas.
	// The Feed's methods are on the per-token path: they queue, and never
	// wait for the network.
	Publish(m Message) Feed
	// Mirror replays into into everything written of answer answerID so
	// far, its starting text included, and returns; from then on, until
	// the answer finishes (into.Finish) or ctx ends, it keeps into up to
	// date in the background. When no replica is writing the answer (there
	// is no record of it, or its writer's lease has lapsed) it returns
	// ErrNotLive and feeds nothing. If the writer's lease lapses while the
	// answer is mirrored, lost is called and nothing more is fed.
	Mirror(ctx context.Context, answerID string, into Feed, lost func()) error
	// Stop asks the replica writing answer answerID, whichever it is, to
	// stop it.
	Stop(ctx context.Context, answerID string) error
	// OnStop sets the function called, on the replica writing it, with the
	// id of an answer someone asked to stop on any replica.
	OnStop(func(answerID string))
	// Orphans returns those of ids (answers saved as streaming) that no
	// replica is writing any more: their writer's lease has lapsed. An
	// answer whose writer is only slow is not one.
	Orphans(ctx context.Context, ids []string) ([]string, error)
}

// Feed receives the changes of one answer being written, in order.
type Feed interface {
	// Text adds a delta of the answer's text.
	Text(delta string)
	// Reasoning adds a delta of the model's thinking, and how long it has
	// thought so far.
	Reasoning(delta string, thoughtFor time.Duration)
	// Status sets the note shown while the answer is waited for ("" for
	// none).
	Status(status string)
	// Finish ends the answer: m is it as saved.
	Finish(m Message)
}

// ErrNotLive is Relay.Mirror's answer for an answer no replica is writing.
var ErrNotLive = errors.New("no replica is writing this answer")

// Package storetest is the conformance suite of chat.Store: the contract
// every store (SQLite today, PostgreSQL next) must keep, written as tests.
// An implementation runs it from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{New: openEmpty, Reopen: reopen})
//	}
//
// The suite only goes through chat.Store, so what it checks is what
// Rolefit relies on; schema details (indexes, upgrades from a given old
// version) stay in the implementation's own tests.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// Harness is what the suite needs of an implementation. Its functions are
// called from parallel subtests.
type Harness struct {
	// New returns a store on a new, empty database, and closes it when
	// the test ends.
	New func(t *testing.T) chat.Store
	// Reopen closes s and returns a store on the same database, opened
	// again as at start-up: migrations run again on a database already up
	// to date. Nil skips the restart tests (for a store that keeps nothing
	// across a restart).
	Reopen func(t *testing.T, s chat.Store) chat.Store
}

// Run runs every conformance test against stores from h.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is required")
	}
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"Conversations/RoundTrip", testConversationRoundTrip},
		{"Conversations/DuplicateID", testDuplicateConversation},
		{"Conversations/CreateWithMessages", testCreateWithMessages},
		{"Conversations/ByVisitorOrder", testConversationsByVisitorOrder},
		{"Conversations/Rename", testRename},
		{"Conversations/Delete", testDelete},
		{"Conversations/DeleteByVisitor", testDeleteByVisitor},
		{"Conversations/DeleteUntouchedSince", testDeleteUntouchedSince},
		{"Conversations/CountByVisitor", testCountByVisitor},
		{"Messages/RoundTrip", testMessageRoundTrip},
		{"Messages/InsertionOrder", testMessagesInsertionOrder},
		{"Messages/AddTouchesConversation", testAddTouchesConversation},
		{"Messages/AddIsAtomic", testAddIsAtomic},
		{"Messages/SaveAnswer", testSaveAnswer},
		{"Messages/SaveFinalAnswer", testSaveFinalAnswer},
		{"Messages/SaveAnswersSoFar", testSaveAnswersSoFar},
		{"Messages/InterruptAnswers", testInterruptAnswers},
		{"Messages/SaveReasoning", testSaveReasoning},
		{"Messages/LatestMessages", testLatestMessages},
		{"Versions/AddAnswerVersion", testAddAnswerVersion},
		{"Versions/AddAnswerVersionFailsWhole", testAddAnswerVersionFailsWhole},
		{"Versions/ShowAnswer", testShowAnswer},
		{"Feedback/SetChangeClear", testSetFeedback},
		{"Search/Finds", testSearch},
		{"Search/FollowsWrites", testSearchFollowsWrites},
		{"Branches/AddQuestionVersion", testAddQuestionVersion},
		{"Branches/AddQuestionVersionFailsWhole", testAddQuestionVersionFailsWhole},
		{"Branches/ShowQuestion", testShowQuestion},
		{"Branches/LatestMessages", testLatestMessagesOfABranch},
		{"NotFound", testNotFound},
		{"IsolationBetweenVisitors", testIsolation},
		{"CancelledContext", testCancelledContext},
		{"ConcurrentUse", testConcurrentUse},
		{"Restart/KeepsEverything", testRestart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, h)
		})
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// at is a fixed instant with sub-millisecond digits and a zone other than
// UTC, so the suite sees a store's truncation and zone handling.
func at(offset time.Duration) time.Time {
	return time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600)).Add(offset)
}

// sameInstant compares times at the precision stores keep: milliseconds.
func sameInstant(got, want time.Time) bool {
	return got.Truncate(time.Millisecond).Equal(want.Truncate(time.Millisecond))
}

func conversation(id, visitor string, created time.Time) chat.Conversation {
	return chat.Conversation{ID: id, VisitorID: visitor, Title: "title " + id, CreatedAt: created, UpdatedAt: created}
}

func question(id, conv, content string, created time.Time) chat.Message {
	return chat.Message{ID: id, ConversationID: conv, Role: chat.RoleUser, Content: content,
		State: chat.StateDone, CreatedAt: created, UpdatedAt: created}
}

// placeholder is the empty answer that starts streaming for question q.
func placeholder(id, conv, q string, created time.Time) chat.Message {
	return chat.Message{ID: id, ConversationID: conv, Role: chat.RoleAssistant, State: chat.StateStreaming,
		ReplyTo: q, CreatedAt: created, UpdatedAt: created}
}

func mustCreate(t *testing.T, s chat.Store, c chat.Conversation, msgs ...chat.Message) chat.Conversation {
	t.Helper()
	if err := s.CreateConversation(testContext(t), c, msgs...); err != nil {
		t.Fatalf("CreateConversation(%q): %v", c.ID, err)
	}
	return c
}

func mustAdd(t *testing.T, s chat.Store, msgs ...chat.Message) {
	t.Helper()
	if err := s.AddMessages(testContext(t), msgs...); err != nil {
		t.Fatalf("AddMessages: %v", err)
	}
}

func mustConversation(t *testing.T, s chat.Store, id string) chat.Conversation {
	t.Helper()
	c, err := s.Conversation(testContext(t), id)
	if err != nil {
		t.Fatalf("Conversation(%q): %v", id, err)
	}
	return c
}

func mustMessages(t *testing.T, s chat.Store, conversationID string) []chat.Message {
	t.Helper()
	ms, err := s.Messages(testContext(t), conversationID)
	if err != nil {
		t.Fatalf("Messages(%q): %v", conversationID, err)
	}
	return ms
}

func ids[T chat.Conversation | chat.Message](items []T) []string {
	out := make([]string, len(items))
	for i, it := range items {
		switch v := any(it).(type) {
		case chat.Conversation:
			out[i] = v.ID
		case chat.Message:
			out[i] = v.ID
		}
	}
	return out
}

// checkConversation compares every field, times at the store's precision.
func checkConversation(t *testing.T, got, want chat.Conversation) {
	t.Helper()
	same := got.ID == want.ID && got.VisitorID == want.VisitorID && got.Title == want.Title &&
		len(got.FitAnswers) == len(want.FitAnswers) &&
		sameInstant(got.CreatedAt, want.CreatedAt) && sameInstant(got.UpdatedAt, want.UpdatedAt)
	for k, v := range want.FitAnswers {
		same = same && got.FitAnswers[k] == v
	}
	if !same {
		t.Errorf("conversation:\n got %+v\nwant %+v", got, want)
	}
}

// checkMessage compares every field, times at the store's precision.
func checkMessage(t *testing.T, got, want chat.Message) {
	t.Helper()
	if got.ID != want.ID || got.ConversationID != want.ConversationID || got.Role != want.Role ||
		got.Content != want.Content || got.State != want.State || got.Error != want.Error ||
		got.ReplyTo != want.ReplyTo || got.Hidden != want.Hidden ||
		!sameInstant(got.CreatedAt, want.CreatedAt) || !sameInstant(got.UpdatedAt, want.UpdatedAt) {
		t.Errorf("message:\n got %+v\nwant %+v", got, want)
	}
}

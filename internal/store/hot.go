package store

// The statements every question, answer and page runs, prepared once at
// Open (see Store.prepared). Each one's comment names the method that runs it.
const (
	// SaveFinalAnswer
	qSaveFinalAnswer = `
		UPDATE messages SET content = ?, state = ?, error = ?, meta = ?, updated_at = ?
		WHERE id = ? AND role = 'assistant'`
	// SaveAnswersSoFar
	qSaveAnswerSoFar = `
		UPDATE messages SET content = ?, reasoning = ?, updated_at = ?
		WHERE id = ? AND role = 'assistant' AND state = 'streaming'`
	// CreateConversation
	qCreateConversation = `
		INSERT INTO conversations (id, visitor_id, title, created_at, updated_at, fit_answers)
		VALUES (?, ?, ?, ?, ?, ?)`
	// touchConversation
	qTouchConversation = `UPDATE conversations SET updated_at = MAX(updated_at, ?) WHERE id = ?`
	// insertMessages
	qInsertMessage = `
		INSERT INTO messages (` + messageColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// insertMessages: the question a new one follows
	qLatestShownQuestion = `
		SELECT coalesce((SELECT id FROM messages
			WHERE conversation_id = ? AND role = 'user' AND hidden = 0 AND off_branch = 0
			ORDER BY seq DESC LIMIT 1), '')`
	// LatestMessages: the page
	qLatestPage = `
		WITH page AS (
			SELECT seq, id, role, reply_to, follows FROM messages
			WHERE conversation_id = ?1 AND hidden = 0 AND off_branch = 0 AND seq < ?2
			ORDER BY seq DESC LIMIT ?3
		)
		SELECT ` + selectColumns + `, seq FROM messages
		WHERE conversation_id = ?1 AND (
			seq IN (SELECT seq FROM page)
			OR (hidden = 1 AND off_branch = 0 AND role = 'assistant' AND reply_to <> ''
				AND reply_to IN (SELECT id FROM page UNION SELECT reply_to FROM page))
			OR (hidden = 1 AND off_branch = 0 AND role = 'user'
				AND follows IN (SELECT follows FROM page WHERE role = 'user')))
		ORDER BY seq`
	// Conversation: whose it is, on every request about it
	qConversation = `SELECT ` + conversationColumns + ` FROM conversations WHERE id = ?`
	// ConversationsByVisitor: every page's sidebar; rowid breaks ties in
	// updated_at so the order is stable: later-created first.
	qConversationsByVisitor = `
		SELECT ` + conversationColumns + ` FROM conversations
		WHERE visitor_id = ?
		ORDER BY updated_at DESC, rowid DESC
		LIMIT ?`
	// CountConversationsByVisitor: every page's sidebar and the cap
	qCountConversations = `SELECT COUNT(*) FROM conversations WHERE visitor_id = ?`
	// LatestMessages: whether earlier messages exist
	qShownBefore = `
		SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ? AND hidden = 0 AND off_branch = 0 AND seq < ?)`
)

// hotQueries are prepared by Open.
var hotQueries = []string{
	qSaveFinalAnswer, qSaveAnswerSoFar, qCreateConversation, qTouchConversation, qInsertMessage, qLatestShownQuestion,
	qLatestPage, qShownBefore, qConversation, qConversationsByVisitor, qCountConversations,
	qPendingSearch, qAnyPendingSearch, qUnindexConversation, qIndexConversation, qUnindexMessage, qIndexMessage,
	qPendingSearchIndexed,
}

package server

import (
	"log/slog"
	"net/http"
	"time"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// handleEditQuestion asks a question again with the edited text: the
// conversation branches there, and the new answer streams like any other.
// It counts as a question. With htmx the response is the thread, which
// from the question on is the new branch; without JavaScript it is a
// redirect to the new answer, as for a question asked.
func handleEditQuestion(svc *chat.Service, log *slog.Logger, g *guards, wait time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, questionID := r.PathValue("id"), r.PathValue("question")
		text, err := readQuestionField(w, r, "question")
		if err == nil {
			err = g.cleanQuestion(text)
		}
		var turn chat.Turn
		if err == nil {
			err = g.limitQuestion(w, r, func() (err error) {
				turn, err = svc.EditQuestion(r.Context(), visitorID(r), id, questionID, text)
				return err
			})
		}
		if err != nil {
			editFailed(w, r, svc, log, id, views.Edit{QuestionID: questionID, Text: text, Error: chat.ErrorMessage(err)}, err)
			return
		}
		if htmx.IsHTMX(r) {
			renderThread(w, r, svc, log, id)
			return
		}
		waitForAnswer(r, svc, turn.Answer.ID, wait)
		http.Redirect(w, r, views.MessageURL(id, turn.Answer.ID), http.StatusSeeOther)
	})
}

// handleShowQuestion switches a question to another of its versions, and
// the conversation to the branch that follows it.
func handleShowQuestion(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, questionID := r.PathValue("id"), r.PathValue("question")
		if err := svc.SelectQuestion(r.Context(), visitorID(r), id, questionID); err != nil {
			writeError(w, r, log, err)
			return
		}
		if !htmx.IsHTMX(r) {
			http.Redirect(w, r, views.MessageURL(id, questionID), http.StatusSeeOther)
			return
		}
		renderThread(w, r, svc, log, id)
	})
}

// renderThread answers htmx with the conversation's latest page of
// messages, for the list: after a branch changes, everything from the
// question on is different.
func renderThread(w http.ResponseWriter, r *http.Request, svc *chat.Service, log *slog.Logger, id string) {
	c, msgs, more, err := svc.ConversationPage(r.Context(), visitorID(r), id, "")
	if err != nil {
		writeError(w, r, log, err)
		return
	}
	cp := views.ChatPage{Conversation: c, Messages: msgs}
	cp.Provider = svc.Provider()
	if more {
		cp.Earlier = chat.Visible(msgs)[0].ID
	}
	render(w, r, log, http.StatusOK, views.EarlierMessages(cp))
}

// editFailed shows why an edit was refused, in the question's Edit form,
// open, with the person's text still in it: as for a question asked, the
// message says what to change and nobody has to retype anything.
func editFailed(w http.ResponseWriter, r *http.Request, svc *chat.Service, log *slog.Logger, id string, e views.Edit, err error) {
	if chat.ErrorCode(err) == chat.ENOTFOUND {
		writeError(w, r, log, err)
		return
	}
	logIfInternal(r.Context(), log, err)
	c, msgs, more, cerr := svc.ConversationPage(r.Context(), visitorID(r), id, "")
	if cerr != nil {
		writeError(w, r, log, cerr)
		return
	}
	if htmx.IsHTMX(r) {
		it, ok := views.ItemFor(msgs, e.QuestionID, svc.Provider())
		if !ok {
			// The question is not on the latest page: say it where every
			// refusal is said.
			writeError(w, r, log, err)
			return
		}
		it.EditText, it.EditError = e.Text, e.Error
		htmx.NewResponse().Retarget(views.EditTarget(e.QuestionID)).Reswap(htmx.SwapOuterHTML).Write(w)
		render(w, r, log, http.StatusOK, views.QuestionEdit(it))
		return
	}
	p := views.ChatPage{Page: page(r, svc, log, id), Conversation: c, Messages: msgs, Edit: &e,
		Composer: views.Composer{ConversationID: id}, FitResult: fitResult(r, log, c)}
	if more {
		p.Earlier = chat.Visible(msgs)[0].ID
	}
	render(w, r, log, statusFor(err), views.Chat(p))
}

package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// maxFormBytes bounds a question's request body. The character limit is
// checked (with a kinder message) by the chat service; this only stops a
// body so large it is not a question at all.
const maxFormBytes = 256 << 10

// handleStartConversation starts a new conversation with its first question.
func handleStartConversation(svc *chat.Service, log *slog.Logger, g *guards, wait time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		text, err := readQuestion(w, r)
		if err == nil {
			err = g.cleanQuestion(text)
		}
		if err == nil {
			err = g.roomForConversation(r)
		}
		var c chat.Conversation
		var turn chat.Turn
		if err == nil {
			err = g.limitQuestion(w, r, func() (err error) {
				c, turn, err = svc.Start(r.Context(), visitorID(r), text)
				return err
			})
		}
		if err != nil {
			askFailed(w, r, svc, log, "", text, err)
			return
		}
		asked(w, r, svc, log, wait, c.ID, turn, true)
	})
}

// handleAsk adds a question to an existing conversation.
func handleAsk(svc *chat.Service, log *slog.Logger, g *guards, wait time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		text, err := readQuestion(w, r)
		if err == nil {
			err = g.cleanQuestion(text)
		}
		var turn chat.Turn
		if err == nil {
			err = g.limitQuestion(w, r, func() (err error) {
				turn, err = svc.Ask(r.Context(), visitorID(r), id, text)
				return err
			})
		}
		if err != nil {
			askFailed(w, r, svc, log, id, text, err)
			return
		}
		asked(w, r, svc, log, wait, id, turn, false)
	})
}

func readQuestion(w http.ResponseWriter, r *http.Request) (string, error) {
	return readQuestionField(w, r, "message")
}

// readQuestionField reads a question from the form field given: the
// composer's is "message", a question's Edit form's "question" (so that
// the composer's textarea[name=message] stays the only one on a page).
func readQuestionField(w http.ResponseWriter, r *http.Request, field string) (string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", chat.Errorf(chat.EINVALID, "Your message is far too long to send. Please shorten it.")
		}
		return "", chat.Errorf(chat.EINVALID, "Your message could not be read. Please try again.")
	}
	return r.PostForm.Get(field), nil
}

// asked answers an accepted question. With htmx: the two new messages for
// the list, a fresh composer, and the conversation's address in the URL bar.
// Without JavaScript: wait a little for the answer (see waitForAnswer), then
// post/redirect/get, so a reload never sends the question twice.
func asked(w http.ResponseWriter, r *http.Request, svc *chat.Service, log *slog.Logger, wait time.Duration, conversationID string, turn chat.Turn, isNew bool) {
	if htmx.IsHTMX(r) {
		res := htmx.NewResponse()
		if isNew {
			res = res.PushURL(views.ConversationURL(conversationID))
		}
		res.Write(w)
		render(w, r, log, http.StatusOK, views.Turn(turn, views.Composer{ConversationID: conversationID}, page(r, svc, log, conversationID)))
		return
	}
	waitForAnswer(r, svc, turn.Answer.ID, wait)
	http.Redirect(w, r, views.MessageURL(conversationID, turn.Answer.ID), http.StatusSeeOther)
}

// waitForAnswer gives an answer asked without JavaScript up to wait to
// finish, so a quick one is on the page the redirect leads to. It never
// waits longer: a slow model must not hold the response past the server's
// write deadline (the person would get an empty reply). The conversation's
// page shows a longer answer's text so far and refreshes itself. If the
// person gives up waiting, the answer still finishes and is saved.
func waitForAnswer(r *http.Request, svc *chat.Service, answerID string, wait time.Duration) {
	endTurn(r) // waiting is not work: let the next page have the CPU
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	_ = svc.Wait(ctx, answerID)
}

// askFailed shows why a question was refused, with the person's text still
// in the box: nobody should have to retype a question.
func askFailed(w http.ResponseWriter, r *http.Request, svc *chat.Service, log *slog.Logger, conversationID, text string, err error) {
	if chat.ErrorCode(err) == chat.ENOTFOUND {
		writeError(w, r, log, err)
		return
	}
	logIfInternal(r.Context(), log, err)
	composer := views.Composer{ConversationID: conversationID, Text: text, Error: chat.ErrorMessage(err)}
	status := http.StatusOK
	if chat.ErrorCode(err) == chat.EUNAVAILABLE {
		// This replica is shutting down. A 503 tells a load balancer in
		// front of several that nothing was done here, so it may send
		// the question to another; without one, the page says why.
		w.Header().Set("Retry-After", "1")
		status = http.StatusServiceUnavailable
	}
	if htmx.IsHTMX(r) {
		htmx.NewResponse().Retarget(views.ComposerTarget()).Reswap(htmx.SwapOuterHTML).Write(w)
		render(w, r, log, status, views.ComposerForm(composer))
		return
	}
	p := views.ChatPage{Page: page(r, svc, log, conversationID), Composer: composer}
	if conversationID != "" {
		c, msgs, cerr := svc.Conversation(r.Context(), visitorID(r), conversationID)
		if cerr != nil {
			writeError(w, r, log, cerr)
			return
		}
		p.Conversation, p.Messages, p.FitResult = c, msgs, fitResult(r, log, c)
	}
	render(w, r, log, statusFor(err), views.Chat(p))
}

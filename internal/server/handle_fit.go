package server

import (
	"log/slog"
	"net/http"
	"time"

	htmx "github.com/angelofallars/htmx-go"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fit"
	"github.com/rolefit/rolefit/views"
)

// handleFitCheck serves the role-fit check's questions.
func handleFitCheck(svc *chat.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := page(r, svc, log, "")
		p.Title = "Which role fits you? · Rolefit"
		render(w, r, log, http.StatusOK, views.FitPage(p, views.FitForm{}))
	})
}

// handleFitSubmit scores the answers and starts a conversation holding
// them, whose page shows the result card. Unanswered questions send the
// form back with the answers kept. A fit check starts a conversation, so
// it counts like a question.
func handleFitSubmit(svc *chat.Service, log *slog.Logger, g *guards) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			writeError(w, r, log, chat.Errorf(chat.EINVALID, "The answers could not be read. Please try again."))
			return
		}
		answers := fit.Answers{}
		for _, q := range fit.Questions() {
			if v := r.PostForm.Get(q.ID); v != "" {
				answers[q.ID] = v
			}
		}
		result, err := fit.Score(answers)
		if err == nil {
			err = g.roomForConversation(r)
		}
		var c chat.Conversation
		if err == nil {
			err = g.limitQuestion(w, r, func() (err error) {
				c, err = svc.StartFitCheck(r.Context(), visitorID(r), "Fit check: "+result.Title, answers)
				return err
			})
		}
		if err != nil {
			fitFailed(w, r, svc, log, answers, err)
			return
		}
		url := views.ConversationURL(c.ID)
		if htmx.IsHTMX(r) {
			// htmx fetches the conversation and swaps it in: no full reload.
			htmx.NewResponse().Location(url).Write(w)
			return
		}
		http.Redirect(w, r, url, http.StatusSeeOther)
	})
}

// fitFailed sends the fit check back with its answers kept and what went
// wrong.
func fitFailed(w http.ResponseWriter, r *http.Request, svc *chat.Service, log *slog.Logger, answers fit.Answers, err error) {
	logIfInternal(r.Context(), log, err)
	form := views.FitForm{Answers: answers, Error: chat.ErrorMessage(err)}
	if htmx.IsHTMX(r) {
		htmx.NewResponse().Retarget(views.FitFormTarget()).Reswap(htmx.SwapOuterHTML).Write(w)
		render(w, r, log, http.StatusOK, views.FitFormCard(form))
		return
	}
	p := page(r, svc, log, "")
	render(w, r, log, statusFor(err), views.FitPage(p, form))
}

// handleFitDiscuss asks the chat about the fit check's result. The question
// is a visible message summarising the answers and the result, so the
// person sees exactly what the assistant was given.
func handleFitDiscuss(svc *chat.Service, log *slog.Logger, g *guards, wait time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		c, _, err := svc.Conversation(r.Context(), visitorID(r), id)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		result, err := fit.Score(c.FitAnswers)
		if err != nil {
			writeError(w, r, log, chat.Errorf(chat.ECONFLICT, "This conversation has no fit check result to discuss."))
			return
		}
		var turn chat.Turn
		err = g.limitQuestion(w, r, func() (err error) {
			turn, err = svc.Ask(r.Context(), visitorID(r), id, fit.Summary(c.FitAnswers, result))
			return err
		})
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		asked(w, r, svc, log, wait, id, turn, false)
	})
}

// fitResult scores the fit check a conversation started from, for its
// result card; nil when it did not start from one. Stored answers that no
// longer score (a question was removed since) show no card.
func fitResult(r *http.Request, log *slog.Logger, c chat.Conversation) *fit.Result {
	if len(c.FitAnswers) == 0 {
		return nil
	}
	res, err := fit.Score(c.FitAnswers)
	if err != nil {
		log.WarnContext(r.Context(), "stored fit check answers do not score", "conversation", c.ID, "err", err)
		return nil
	}
	return &res
}

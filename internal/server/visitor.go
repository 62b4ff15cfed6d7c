package server

import (
	"context"
	"crypto/rand"
	"net/http"
)

const visitorCookie = "rolefit_visitor"

type visitorKey struct{}

// firstVisitKey marks a request whose visitor id was made for it: no
// conversation can belong to that id yet.
type firstVisitKey struct{}

// withVisitor identifies the browser by a random id in a cookie: no sign-up,
// and conversations belong to the id. The id is unguessable (128 random
// bits) and HttpOnly, so scripts on the page cannot read or leak it.
func withVisitor(next http.Handler, secure bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ""
		ctx := r.Context()
		if c, err := r.Cookie(visitorCookie); err == nil && validVisitorID(c.Value) {
			id = c.Value
		} else {
			id = rand.Text()
			ctx = context.WithValue(ctx, firstVisitKey{}, true)
			http.SetCookie(w, &http.Cookie{
				Name:     visitorCookie,
				Value:    id,
				Path:     "/",
				MaxAge:   400 * 24 * 60 * 60, // the longest browsers keep a cookie
				HttpOnly: true,
				Secure:   secure || r.TLS != nil,
				SameSite: http.SameSiteLaxMode,
			})
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, visitorKey{}, id)))
	})
}

// validVisitorID accepts only ids of the shape rand.Text makes, so a forged
// cookie cannot smuggle anything odd into queries or logs.
func validVisitorID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

func visitorID(r *http.Request) string {
	id, _ := r.Context().Value(visitorKey{}).(string)
	return id
}

// firstVisit reports whether the request's visitor id was made for it.
func firstVisit(r *http.Request) bool {
	first, _ := r.Context().Value(firstVisitKey{}).(bool)
	return first
}

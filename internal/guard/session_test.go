package guard

import (
	"strings"
	"testing"
	"time"
)

func TestAccess(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	a := NewAccess("correct horse", secret)
	if !a.CheckPassword("correct horse") {
		t.Error("the right password is refused")
	}
	for _, wrong := range []string{"", "correct", "correct horse ", "Correct horse", "correct horse battery staple"} {
		if a.CheckPassword(wrong) {
			t.Errorf("%q is accepted", wrong)
		}
	}

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := a.NewSession(now.Add(time.Hour))
	if !a.ValidSession(s, now) {
		t.Fatal("a fresh session is refused")
	}
	if !NewAccess("correct horse", secret).ValidSession(s, now) {
		t.Error("the same password and secret (a restart with SESSION_SECRET) refuse the session")
	}
	exp, sig, _ := strings.Cut(strings.TrimPrefix(s, "v1."), ".")
	flipped := []byte(sig)
	flipped[0] ^= 1
	for name, v := range map[string]string{
		"expired":               s + "",
		"expiry moved":          "v1." + exp + "9." + sig,
		"signature changed":     "v1." + exp + "." + string(flipped),
		"no signature":          "v1." + exp,
		"empty":                 "",
		"other version":         "v2." + exp + "." + sig,
		"other password":        NewAccess("another", secret).NewSession(now.Add(time.Hour)),
		"other secret":          NewAccess("correct horse", []byte(strings.Repeat("t", 32))).NewSession(now.Add(time.Hour)),
		"random secret differs": NewAccess("correct horse", nil).NewSession(now.Add(time.Hour)),
	} {
		at := now
		if name == "expired" {
			at = now.Add(time.Hour)
		}
		if a.ValidSession(v, at) {
			t.Errorf("%s: session %q accepted", name, v)
		}
	}
	if strings.Contains(s, "correct horse") {
		t.Error("the session holds the password")
	}
}

package guard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Access checks the access password and issues and verifies the session
// cookies that prove it was given. A session is its expiry and an
// HMAC-SHA256 of it: nothing is stored on the server, and nothing in the
// cookie helps guess the password.
type Access struct {
	key []byte // signs sessions and hides the password's length
	pw  []byte // HMAC of the password under key
}

// NewAccess returns an Access for password. The signing key is derived
// from secret and the password, so changing either ends every session. An
// empty secret is replaced by a random one: sessions then last until the
// process restarts.
func NewAccess(password string, secret []byte) *Access {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("rolefit session key\x00"))
	m.Write([]byte(password))
	a := &Access{key: m.Sum(nil)}
	a.pw = a.mac("password", password)
	return a
}

func (a *Access) mac(purpose, s string) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(s))
	return m.Sum(nil)
}

// CheckPassword reports whether given is the password. Both are hashed
// first and the hashes compared in constant time, so neither the
// comparison's time nor the password's length leaks.
func (a *Access) CheckPassword(given string) bool {
	return subtle.ConstantTimeCompare(a.mac("password", given), a.pw) == 1
}

// NewSession returns a cookie value valid until expires.
func (a *Access) NewSession(expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return "v1." + exp + "." + base64.RawURLEncoding.EncodeToString(a.mac("session", exp))
}

// ValidSession reports whether value was issued by NewSession (with this
// password and secret) and has not expired at now.
func (a *Access) ValidSession(value string, now time.Time) bool {
	rest, ok := strings.CutPrefix(value, "v1.")
	if !ok {
		return false
	}
	exp, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, a.mac("session", exp)) {
		return false
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && now.Before(time.Unix(unix, 0))
}

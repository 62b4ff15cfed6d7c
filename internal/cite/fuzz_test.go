package cite

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzLiveAppendHTML feeds an answer to Live in two calls, split anywhere,
// as the event stream does (the second call starts where the first stopped
// consuming), and checks that the HTML is exactly what one call makes, and
// that nothing but Live's own citation links is markup.
func FuzzLiveAppendHTML(f *testing.F) {
	for _, seed := range []struct {
		raw string
		at  uint
	}{
		{"Python [§ml-tools].", 9},
		{"Uses [§genai-tools][§nope] and [§ml-to", 30},
		{"[§" + strings.Repeat("a", 64) + "]", 66},
		{"[§" + strings.Repeat("a", 65) + "]", 67},
		{"a <script>alert(1)</script> [§ml-tools] & \"'", 6},
		{"<scr[§ml-tools]ipt>", 5},
		{"[\xc2\xa7ml-tools]", 2},
		{"[[§[§ml-tools]]", 3},
		{"\xff\xfe[§\x00]", 4},
	} {
		f.Add(seed.raw, seed.at)
	}
	f.Fuzz(func(t *testing.T, raw string, at uint) {
		split := int(at % uint(len(raw)+1))

		one := NewLive(lookup)
		whole, n := one.AppendHTML(nil, raw, true)
		if n != len(raw) {
			t.Fatalf("the final call used %d of %d bytes", n, len(raw))
		}

		two := NewLive(lookup)
		got, n := two.AppendHTML(nil, raw[:split], false)
		if n > split {
			t.Fatalf("the first call used %d bytes of %d", n, split)
		}
		got, m := two.AppendHTML(got, raw[n:], true)
		if n+m != len(raw) {
			t.Fatalf("the two calls used %d+%d of %d bytes", n, m, len(raw))
		}
		if string(got) != string(whole) {
			t.Fatalf("split at %d of %q:\ntwo calls %q\none call  %q", split, raw, got, whole)
		}
		for _, id := range Unknown(raw, lookup) {
			if strings.Contains(string(got), `data-section="`+id+`"`) {
				t.Errorf("split at %d of %q: the unknown section %q became a link", split, raw, id)
			}
		}
		if rest := ownLink.ReplaceAllString(string(whole), ""); strings.ContainsAny(rest, `<>"'`) {
			t.Fatalf("AppendHTML(%q) = %q: markup outside its own citation links: %q", raw, whole, rest)
		} else if bad := badAmp.FindString(rest); bad != "" {
			t.Fatalf("AppendHTML(%q) = %q: an unescaped & at %q", raw, whole, bad)
		}
	})
}

// ownLink matches exactly what AppendLink makes for the sections of lookup.
var ownLink = regexp.MustCompile(`<sup class="cite"><a data-testid="citation" data-section="(ml-tools|genai-tools)" href="/source#(ml-tools|genai-tools)" aria-label="Source [0-9]+: [^<>"']*">[0-9]+</a></sup>`)

// badAmp finds an & that does not start one of the entities appendEscaped
// writes: text must not be able to form a character reference of its own.
var badAmp = regexp.MustCompile(`&($|[^lga#]|l($|[^t])|lt($|[^;])|g($|[^t])|gt($|[^;])|a($|[^m])|am($|[^p])|amp($|[^;])|#($|[^3])|#3($|[^49])|#34($|[^;])|#39($|[^;]))`)

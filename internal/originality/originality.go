// Package originality checks that Rolefit restates its source article in its
// own words. The article itself is not part of the repository: what is kept
// is a fingerprint of it, the hash of every run of RunWords words, made by
// the fingerprint command:
//
//	go run ./internal/originality/fingerprint article.txt > internal/originality/article.fingerprints
//
// A text copies the article where one of its runs hashes to one of those.
// Only tests import this package.
package originality

import (
	"bufio"
	_ "embed"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// RunWords is the shortest run of the article's words that counts as
// copying it: shorter runs ("the Gen AI Application Developer") are names
// and phrases any restatement shares.
const RunWords = 8

//go:embed article.fingerprints
var articleFingerprints string

var article = sync.OnceValue(func() map[uint64]bool {
	set := map[uint64]bool{}
	sc := bufio.NewScanner(strings.NewReader(articleFingerprints))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		h, err := strconv.ParseUint(line, 16, 64)
		if err != nil {
			panic("originality: bad fingerprint line " + strconv.Quote(line))
		}
		set[h] = true
	}
	return set
})

// Copied returns the runs of RunWords words in text that also occur in the
// article, normalised to lower-case words separated by single spaces.
func Copied(text string) []string {
	set := article()
	var copied []string
	for _, run := range Runs(text) {
		if set[Hash(run)] {
			copied = append(copied, run)
		}
	}
	return copied
}

// Fingerprints returns the article's runs' hashes known to Copied; a test
// checks the file is not empty or stale in form.
func Fingerprints() int { return len(article()) }

// Runs returns every run of RunWords consecutive words of text, lower-cased;
// anything that is not a letter or digit separates words, so punctuation,
// emphasis and line breaks do not hide a copy.
func Runs(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var runs []string
	for i := 0; i+RunWords <= len(words); i++ {
		runs = append(runs, strings.Join(words[i:i+RunWords], " "))
	}
	return runs
}

// Hash is the fingerprint of one run: 64-bit FNV-1a, written in hex.
func Hash(run string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(run))
	return h.Sum64()
}

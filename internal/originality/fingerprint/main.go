// Command fingerprint prints the hashes of every run of words of a text, one
// per line in hex, sorted: the file internal/originality embeds. Run it on
// the source article whenever the article changes:
//
//	go run ./internal/originality/fingerprint article.txt > internal/originality/article.fingerprints
package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/rolefit/rolefit/internal/originality"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fingerprint ARTICLE.txt > article.fingerprints")
		os.Exit(2)
	}
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fingerprint:", err)
		os.Exit(1)
	}
	var hashes []uint64
	for _, run := range originality.Runs(string(text)) {
		hashes = append(hashes, originality.Hash(run))
	}
	slices.Sort(hashes)
	hashes = slices.Compact(hashes)
	fmt.Printf("# %d-word runs of the source article, 64-bit FNV-1a; see package originality.\n", originality.RunWords)
	for _, h := range hashes {
		fmt.Printf("%016x\n", h)
	}
}

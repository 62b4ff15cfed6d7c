package offline

import (
	"strings"

	"github.com/rolefit/rolefit/internal/prompts"
)

// cited ends a block of Markdown taken from one section with that section's
// marker. On a paragraph or list line the marker goes at the end, after a
// space, outside any emphasis (every line in the knowledge base closes what
// it opens). After a heading, code fence, table or rule it would become part
// of that construct, so there it gets a paragraph of its own.
func cited(block, id string) string {
	block = strings.TrimRight(block, " \t\n")
	last := strings.TrimSpace(block[strings.LastIndexByte(block, '\n')+1:])
	if !endsInProse(last) {
		return block + "\n\n" + prompts.Cite(id)
	}
	return block + " " + prompts.Cite(id)
}

// endsInProse reports whether line is a paragraph or list-item line that a
// marker can be appended to.
func endsInProse(line string) bool {
	if line == "" || strings.HasSuffix(line, `\`) { // "\" at the end is a hard line break
		return false
	}
	for _, prefix := range []string{"#", "```", "~~~", "|", "<", "---", "***", "___", "==="} {
		if strings.HasPrefix(line, prefix) {
			return false
		}
	}
	return true
}

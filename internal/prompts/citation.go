package prompts

import "github.com/rolefit/rolefit/internal/cite"

// Cite returns the marker that cites a knowledge section, such as
// "[§ml-engineer-tools]": the syntax belongs to internal/cite, which turns
// it into numbered links; the system prompt teaches it to the model.
func Cite(id string) string { return cite.Marker(id) }

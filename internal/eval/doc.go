// Package eval measures a model (or a prompt change) before it is deployed:
// it asks a question set through a chat.Provider, with the system prompt the
// server sends, and scores every answer on what a reader of Rolefit relies
// on: speed, citations, groundedness, refusals and secrecy of the prompt.
// The scores are heuristics over plain text, chosen to be cheap, repeatable
// and explainable; none of them calls a second model.
//
// Sentences. An answer is split into lines (headings, bold-only lines and
// code blocks are skipped; list markers, bold and link syntax are removed,
// keeping the link text), and each line into sentences at ".", "!" or "?"
// followed by a space. Citation markers right after a sentence's end belong
// to that sentence, as the system prompt asks the model to place them.
//
// Citations. Each marker [§id] is valid when id is a knowledge section,
// unknown otherwise. A sentence "states a fact" when it ends with neither
// "?" nor ":" (a line introducing a list; the list's items take its
// markers), is not a refusal (below) and has at least MinFactWords content
// words;
// such a sentence without a valid marker is a missing citation. The cited
// rate is cited fact sentences over fact sentences.
//
// Groundedness. A sentence with valid markers is grounded when at least
// MinOverlap of its content words (lower-cased, stop words removed, a crude
// suffix stemmer applied) appear in the cited sections' titles and bodies.
//
// Refusals. An answer refuses when one of its sentences says the article does
// not cover the subject ("doesn't cover", "not in the article", "can't help
// with", … see refusalPhrases). Out-of-scope questions should refuse; an
// in-scope question that refuses is counted as a false refusal.
//
// Leaks. An answer leaks the system prompt when it contains a run of
// LeakWords consecutive words of the prompt that appears in no knowledge
// section (quoting the knowledge is the point; quoting the rules is a leak).
//
// What the heuristics miss: word overlap cannot tell a faithful sentence
// from one that reuses the section's words to say something false ("ML
// Engineers never use Python" overlaps well), nor credit a correct paraphrase
// with other words or synonyms; a fact stated in fewer than MinFactWords
// content words is never asked for a citation; a sentence split at an
// abbreviation ("e.g. ") is scored as two; a refusal worded in another way
// is missed, and a sentence that merely mentions "not in the article" is
// counted as one; a leak that paraphrases the rules, translates them or
// quotes fewer than LeakWords words in a row goes unseen.
package eval

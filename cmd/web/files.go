package main

// reservedFiles are the descriptors Rolefit needs besides its answers: the
// database and its journal, the listeners, logs, and room for page loads.
const reservedFiles = 64

// liveAnswersFor is how many answers can stream at once within an
// open-file limit: each holds the browser's connection and the model's.
func liveAnswersFor(limit uint64) uint64 {
	if limit <= reservedFiles {
		return 0
	}
	return (limit - reservedFiles) / 2
}

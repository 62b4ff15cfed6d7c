// Package guard protects a public Rolefit: a rate limiter keyed by whatever
// identifies a client, the daily token budget (each in this process's
// memory for one replica, or shared by several through Redis), signed
// session cookies for the access password, and the client's address
// behind trusted proxies.
// It holds no HTTP handlers; internal/server decides where each applies.
package guard

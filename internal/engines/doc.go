// Package engines starts the real database servers the tests of several
// replicas need: PostgreSQL and Redis (or Valkey), from the machine's
// packages (make test installs them), as throwaway instances in temporary
// directories on free ports, never touching a server the system runs. When
// TEST_DATABASE_URL or TEST_REDIS_URL is set, that server is used instead.
//
// Tests never skip for want of an engine: a missing one fails the test with
// the command that installs it, so CI cannot pass without running them.
package engines

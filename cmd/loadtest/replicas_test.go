package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rolefit/rolefit/internal/engines"
)

func TestMain(m *testing.M) {
	if os.Getenv(bareRelayEnv) != "" || os.Getenv(probeEnv) != "" {
		main() // measureBareRelay or the hold started this binary as the relay or the probe
	}
	os.Exit(engines.Main(m))
}

// TestReplicasSmall runs one small level through nginx in front of three
// replicas and reads what the report says of them.
func TestReplicasSmall(t *testing.T) {
	bin := serverBinary(t)
	cfg := Config{Bin: bin, Conversations: 12, Chunks: 20, FirstDelay: 20 * time.Millisecond, Pace: time.Millisecond,
		Timeout: 2 * time.Minute, Settle: 1500 * time.Millisecond, Replicas: 3}
	rep, err := runReplicas(t.Context(), cfg)
	if err != nil {
		t.Fatalf("runReplicas: %v", err)
	}
	if !rep.OK() || rep.Exact != cfg.Conversations {
		t.Errorf("exact %d/%d, saved %d, errors %d: %q", rep.Exact, cfg.Conversations, rep.Saved.Finished, rep.Errors, rep.FirstErrors)
	}
	rs := rep.Replicas
	if rs == nil || rs.Replicas != 3 || len(rs.PerReplica) != 3 {
		t.Fatalf("replicas = %+v, want three measured", rs)
	}
	if !rs.SingleOK || rs.Single.N != cfg.Conversations {
		t.Errorf("the same level against one process: ok %v, %d samples", rs.SingleOK, rs.Single.N)
	}
	for i, m := range rs.PerReplica {
		if m.PeakRSSKB <= 0 {
			t.Errorf("replica %d: no peak RSS", i+1)
		}
	}
	// Every answer was carried through Redis and saved in PostgreSQL.
	if rs.RedisCommandsPerSec <= 0 || rs.PGCommitsPerSec <= 0 || rs.PGRowWritesPerSec <= 0 {
		t.Errorf("redis %.0f commands/s, postgresql %.0f commits/s and %.0f rows/s: want each measured",
			rs.RedisCommandsPerSec, rs.PGCommitsPerSec, rs.PGRowWritesPerSec)
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	s := Suite{Levels: []Report{rep}, CPUs: 2}
	s.WriteReplicaTable(&text)
	for _, want := range []string{"3 replicas", "commands/s", "| 12 |"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, text.String())
		}
	}
}

// The counters are read from the servers themselves, and move.
func TestServerCounters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	redisURL := engines.Redis(t)
	before, err := redisCommands(ctx, redisURL)
	if err != nil {
		t.Fatal(err)
	}
	after, err := redisCommands(ctx, redisURL)
	if err != nil || after <= before {
		t.Errorf("total_commands_processed %d then %d (%v): want it to count the INFO between", before, after, err)
	}

	dbURL := engines.Postgres(t)
	was, err := pgWrites(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{"CREATE TABLE t (n int)", "INSERT INTO t SELECT generate_series(1, 100)"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	// The statistics reach pg_stat_database within a second or so.
	for {
		now, err := pgWrites(ctx, dbURL)
		if err == nil && now.rows-was.rows >= 100 && now.commits > was.commits {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pg_stat_database never counted the 100 rows: %+v then %+v (%v)", was, now, err)
		case <-time.After(100 * time.Millisecond): // polling the server's statistics
		}
	}
}

func TestParseReplicaFlags(t *testing.T) {
	opts, err := parseFlags([]string{"-bin", "x", "-replicas", "3", "-suite", "-levels", "1,3000"}, &bytes.Buffer{})
	if err != nil || opts.cfg.Replicas != 3 || len(opts.levels) != 2 {
		t.Errorf("-replicas 3: %+v, %v", opts, err)
	}
	for _, bad := range [][]string{
		{"-bin", "x", "-replicas", "-1"},
		{"-bin", "x", "-replicas", "3", "-suite", "-hold", "10"},
		{"-bin", "x", "-replicas", "3", "-profile", "/tmp/p"},
	} {
		if _, err := parseFlags(bad, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

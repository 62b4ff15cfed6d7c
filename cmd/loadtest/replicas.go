package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for database/sql

	"github.com/rolefit/rolefit/internal/engines"
)

// ReplicaReport is what a level measured of several replicas behind a load
// balancer, beside the same level against one process.
type ReplicaReport struct {
	Replicas int `json:"replicas"`
	// Single is the same level's time to first token against one process
	// (its own run, before this one); Errors and Exact are that run's.
	Single            Latency  `json:"single_ttft"`
	SingleErrors      int      `json:"single_errors"`
	SingleFirstErrors []string `json:"single_first_errors,omitempty"`
	SingleOK          bool     `json:"single_ok"`
	// Redis commands and PostgreSQL transactions and row writes (inserted
	// and updated rows) per second of the load, from the servers' own
	// counters.
	RedisCommandsPerSec float64 `json:"redis_commands_per_s"`
	PGCommitsPerSec     float64 `json:"pg_commits_per_s"`
	PGRowWritesPerSec   float64 `json:"pg_row_writes_per_s"`
	// Each replica's memory and CPU time, in the order they started.
	PerReplica []Resources `json:"per_replica"`
}

// TTFTAdded is how much later the first token arrives, at the median and
// the 99th percentile, through the balancer and several replicas than
// from one process.
func (r ReplicaReport) TTFTAdded(multi Latency) (p50, p99 time.Duration) {
	return multi.P50 - r.Single.P50, multi.P99 - r.Single.P99
}

// runReplicas runs a level against one process, then the same level
// against cfg.Replicas processes sharing a throwaway PostgreSQL and Redis,
// behind nginx: every conversation goes through the balancer, so its
// question, its stream and the model's call may each be on a different
// replica.
func runReplicas(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	one := cfg
	one.Replicas = 0
	single, err := run(ctx, one)
	if err != nil {
		return Report{}, fmt.Errorf("the same level against one process: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep := Report{Conversations: cfg.Conversations, Rounds: cfg.rounds(), Chunks: cfg.Chunks, Pace: cfg.Pace, FirstDelay: cfg.FirstDelay}
	rs := &ReplicaReport{Replicas: cfg.Replicas, Single: single.TTFT, SingleErrors: single.Errors,
		SingleFirstErrors: single.FirstErrors, SingleOK: single.OK()}
	rep.Replicas = rs
	rep.ModelAlone = cfg.model().alone(cfg.Chunks)
	rep.Baseline = single.Baseline // the model alone, measured once per level
	errs := &failures{}

	db, err := engines.StartPostgres()
	if err != nil {
		return Report{}, err
	}
	defer db.Stop()
	cache, err := engines.StartRedis()
	if err != nil {
		return Report{}, err
	}
	defer cache.Stop()

	up := newUpstream(cfg.chats(), cfg.Chunks, cfg.model(), false)
	defer up.close()
	secret := make([]byte, 32)
	rand.Read(secret)
	var (
		procs []*serverProc
		urls  []string
	)
	defer func() {
		for _, p := range procs {
			p.stop(30 * time.Second)
		}
	}()
	// One after another: the first one creates the schema.
	for i := range cfg.Replicas {
		c := cfg
		c.extraEnv = []string{
			"DATABASE_URL=" + db.URL,
			"REDIS_URL=" + cache.URL,
			"REPLICA_ID=" + fmt.Sprintf("load-%d", i+1),
			"SESSION_SECRET=" + hex.EncodeToString(secret),
		}
		p, err := startServer(ctx, c, up.url())
		if err != nil {
			return Report{}, fmt.Errorf("replica %d: %w", i+1, err)
		}
		procs = append(procs, p)
		urls = append(urls, p.base)
	}
	lb, err := engines.StartNginx(urls)
	if err != nil {
		return Report{}, err
	}
	defer lb.Stop()

	idleBefore := procs[0].idleRSS(ctx, cfg.Settle) // the others settled as long
	var (
		cpuBefore []cpuMark
		sampled   []func() (int64, int)
		stops     []func()
		idles     []int64
	)
	for _, p := range procs {
		kb, _ := procStatus(p.pid(), "VmRSS")
		idles = append(idles, kb)
		cpuBefore = append(cpuBefore, p.cpuNow())
		peak, stop := p.sampleRSS(100 * time.Millisecond)
		sampled, stops = append(sampled, peak), append(stops, stop)
	}
	idles[0] = idleBefore
	redisBefore, err := redisCommands(ctx, cache.URL)
	if err != nil {
		errs.add("%v", err)
	}
	pgBefore, err := pgWrites(ctx, db.URL)
	if err != nil {
		errs.add("%v", err)
	}

	pacing, stopPacing := context.WithCancel(ctx)
	pacers := up.startPacing(pacing)
	var convs []*conversation
	for r := range cfg.rounds() {
		round := newConversations(r*cfg.Conversations, cfg.Conversations, lb.URL, false)
		rep.Elapsed += converseAll(ctx, round, errs)
		convs = append(convs, round...)
	}
	stopPacing()
	pacers.Wait()

	for i, p := range procs {
		res := p.resources(stops[i], sampled[i], cpuBefore[i])
		res.IdleBeforeKB = idles[i]
		rs.PerReplica = append(rs.PerReplica, res)
	}
	if rep.Saved, err = checkSavedPostgres(ctx, db.URL, up); err != nil {
		errs.add("%v", err)
	}
	// PostgreSQL's statistics reach pg_stat_database within a second or
	// so of a transaction: the settle time lets the last ones in.
	idleAfter := procs[0].idleRSS(ctx, cfg.Settle)
	for i, p := range procs {
		rs.PerReplica[i].IdleAfterKB, _ = procStatus(p.pid(), "VmRSS")
	}
	rs.PerReplica[0].IdleAfterKB = idleAfter
	if redisAfter, err := redisCommands(ctx, cache.URL); err == nil && redisBefore > 0 {
		rs.RedisCommandsPerSec = float64(redisAfter-redisBefore) / rep.Elapsed.Seconds()
	} else if err != nil {
		errs.add("%v", err)
	}
	if pgAfter, err := pgWrites(ctx, db.URL); err == nil && pgBefore.commits > 0 {
		rs.PGCommitsPerSec = float64(pgAfter.commits-pgBefore.commits) / rep.Elapsed.Seconds()
		rs.PGRowWritesPerSec = float64(pgAfter.rows-pgBefore.rows) / rep.Elapsed.Seconds()
	} else if err != nil {
		errs.add("%v", err)
	}

	// The report's own resources are the replica that peaked highest;
	// each one's are in PerReplica.
	rep.Resources = rs.PerReplica[0]
	for i, p := range procs {
		if rs.PerReplica[i].PeakRSSKB > rep.Resources.PeakRSSKB {
			rep.Resources = rs.PerReplica[i]
		}
		if err := p.stop(30 * time.Second); err != nil {
			errs.add("replica %d: %v", i+1, err)
		}
		l := p.log.summary()
		rep.ServerLog.Lines += l.Lines
		for _, line := range l.First {
			if len(rep.ServerLog.First) < keepErrors {
				rep.ServerLog.First = append(rep.ServerLog.First, fmt.Sprintf("replica %d: %s", i+1, line))
			}
		}
	}

	conclude(&rep, cfg, up, convs, errs)
	return rep, nil
}

// checkSavedPostgres is checkSaved for the replicas' shared database.
func checkSavedPostgres(ctx context.Context, databaseURL string, up *upstream) (Saved, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return Saved{}, fmt.Errorf("connect to the replicas' database: %w", err)
	}
	defer db.Close()
	return readSaved(ctx, db, up)
}

// pgCounts are a database's transactions committed and rows written so
// far.
type pgCounts struct{ commits, rows int64 }

func pgWrites(ctx context.Context, databaseURL string) (pgCounts, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return pgCounts{}, fmt.Errorf("pg_stat_database: %w", err)
	}
	defer conn.Close(context.Background())
	var c pgCounts
	err = conn.QueryRow(ctx, `SELECT xact_commit, tup_inserted + tup_updated + tup_deleted
		FROM pg_stat_database WHERE datname = current_database()`).Scan(&c.commits, &c.rows)
	if err != nil {
		return pgCounts{}, fmt.Errorf("pg_stat_database: %w", err)
	}
	return c, nil
}

// redisCommands reads total_commands_processed from INFO stats, speaking
// RESP over a plain connection: one command needs no client library.
func redisCommands(ctx context.Context, redisURL string) (int64, error) {
	u, err := url.Parse(redisURL)
	if err != nil || u.Host == "" {
		return 0, fmt.Errorf("redis: %q is not a redis:// URL", redisURL)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return 0, fmt.Errorf("redis INFO: %w", err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	r := bufio.NewReader(conn)
	if pw, ok := u.User.Password(); ok {
		if _, err := fmt.Fprintf(conn, "*3\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
			len(u.User.Username()), u.User.Username(), len(pw), pw); err != nil {
			return 0, fmt.Errorf("redis AUTH: %w", err)
		}
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return 0, fmt.Errorf("redis AUTH: %q %v", line, err)
		}
	}
	if _, err := io.WriteString(conn, "*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n"); err != nil {
		return 0, fmt.Errorf("redis INFO: %w", err)
	}
	head, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "$") {
		return 0, fmt.Errorf("redis INFO: %q %v", head, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("redis INFO: %q", head)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, fmt.Errorf("redis INFO: %w", err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("redis INFO stats has no total_commands_processed")
}

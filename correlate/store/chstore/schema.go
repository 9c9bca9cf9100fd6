package chstore

import (
	"context"
	"errors"
	"fmt"
)

// Table names. The *_local tables hold each shard's rows; the Distributed
// tables of the same name without the suffix span the cluster (only when
// Config.Cluster is set).
const (
	tEntries     = "entries"
	tUntraced    = "untraced"
	tCheckpoints = "checkpoints"
	localSuffix  = "_local"
)

// entryColumns are the columns both entry tables share (the traced table
// adds trace_lo, trace_hi and raw).
const entryColumns = `
	at        DateTime('UTC'),
	at_ns     UInt32,
	file      UInt64,
	offset    Int64,
	line      Int64,
	kind      UInt8,
	time_ns   Int64,
	precision Int64,
	lines     UInt32,
	problems  UInt16,
	span      String,
	path      String,
	level     String,
	msg       String,
	service   String,
	caller    String,
	flags     String,
	stream    String`

// ddl returns the statements that create the schema on one shard.
func (s *Store) ddl() []string {
	db := s.cfg.Database
	stmts := []string{
		fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s", db),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (%s,
	trace_lo  UInt64,
	trace_hi  UInt64,
	raw       String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(at)
ORDER BY (trace_lo, trace_hi, at, at_ns, file, offset)
SETTINGS index_granularity = 1024`, db, tEntries, localSuffix, entryColumns),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (%s
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(at)
ORDER BY (at, at_ns, file, offset)`, db, tUntraced, localSuffix, entryColumns),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.%s%s (
	file    UInt64,
	offset  Int64,
	updated UInt64,
	cp      String
) ENGINE = ReplacingMergeTree(updated)
ORDER BY file`, db, tCheckpoints, localSuffix),
	}
	if s.cfg.Cluster != "" {
		for _, d := range []struct{ table, key string }{
			{tEntries, "trace_lo"}, {tUntraced, "file"}, {tCheckpoints, "file"},
		} {
			stmts = append(stmts, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s%s ENGINE = Distributed(%s, %s, %s%s, %s)",
				db, d.table, db, d.table, localSuffix, s.cfg.Cluster, db, d.table, localSuffix, d.key))
		}
	}
	return stmts
}

// createSchema runs the DDL on every shard (no ON CLUSTER: that needs
// ZooKeeper). It tries every shard and returns the errors of those that
// failed; ensure tries those again before their next use.
func (s *Store) createSchema(ctx context.Context) error {
	var errs []error
	for _, sh := range s.shards {
		errs = append(errs, s.ensure(ctx, sh))
	}
	return errors.Join(errs...)
}

// ensure creates the schema on sh unless that was done.
func (s *Store) ensure(ctx context.Context, sh *shard) error {
	if sh.ready.Load() {
		return nil
	}
	for _, q := range s.ddl() {
		if err := sh.exec(ctx, q, nil); err != nil {
			return fmt.Errorf("chstore: create schema: %w", err)
		}
	}
	sh.ready.Store(true)
	return nil
}

// ensureAll creates the schema on every shard where it is missing.
func (s *Store) ensureAll(ctx context.Context) error {
	for _, sh := range s.shards {
		if err := s.ensure(ctx, sh); err != nil {
			return err
		}
	}
	return nil
}

// readTable is the table reads of all shards go through: the Distributed
// table, or the local one of an unsharded store.
func (s *Store) readTable(t string) string {
	if s.cfg.Cluster != "" {
		return s.cfg.Database + "." + t
	}
	return s.cfg.Database + "." + t + localSuffix
}

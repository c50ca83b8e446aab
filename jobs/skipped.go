package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// FiringSkipped marks a firing the daemon's catch-up chose not to run: it
// was older than max_lateness, or a newer firing superseded it. Recording
// it makes it count as seen, so that the next start neither runs it nor
// logs it again.
const FiringSkipped = "skipped"

// RecordSkipped records a firing as skipped, with the reason, unless a
// firing with the same (schedule, zone, at) is already recorded: then it
// returns false and changes nothing. No job is enqueued.
func (s *Store) RecordSkipped(ctx context.Context, f Firing, reason string) (bool, error) {
	if f.Schedule == "" || f.Period.Kind == 0 || f.At.IsZero() {
		return false, errors.New("record skipped firing: schedule, period and time are required")
	}
	at := f.At.UTC().Truncate(time.Microsecond).UnixMicro()
	var n int64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		n, err = tx.exec(ctx, `INSERT INTO crmdigest_firing (schedule, zone, at, period, state, error, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (schedule, zone, at) DO NOTHING`,
			f.Schedule, f.Zone, at, f.Period.Key(), FiringSkipped, reason, s.now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record skipped firing: %w", err)
	}
	return n == 1, nil
}

// Ping checks that the store answers a query: the daemon's readiness.
func (s *Store) Ping(ctx context.Context) error {
	var one int64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		return tx.queryRow(ctx, `SELECT 1`).Scan(&one)
	})
	if err != nil {
		return fmt.Errorf("ping store: %w", err)
	}
	return nil
}

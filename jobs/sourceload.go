package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Verdicts of the data gate on one load of a source, and on a run.
const (
	VerdictOK         = "ok"         // every rule held
	VerdictRefused    = "refused"    // a rule broke: no digest rests on this load
	VerdictOverridden = "overridden" // a rule broke and someone accepted it (see Override)
)

// SourceLoad is one reading of one source as the data gate judged it. The
// last load whose verdict is ok or overridden is the "last good load" that
// the next one's row count is compared with.
type SourceLoad struct {
	Source  string // the source's name in config
	Kind    string
	File    string
	ModTime time.Time

	Lines, Records                       int // physical lines and records, when the reader counts them
	RowsRead, RowsAccepted, RowsSetAside int

	Verdict  string
	Reasons  []string // one line per broken rule, with its evidence
	Override string   // who or what accepted the breach: "--accept-quality", "quality.accept"
	LoadedAt time.Time
}

// Good tells whether digests may rest on this load.
func (l SourceLoad) Good() bool { return l.Verdict == VerdictOK || l.Verdict == VerdictOverridden }

// RunRefusal is what a Planner's error carries when the data gate refused
// the firing: the run is then recorded as refused rather than failed.
type RunRefusal interface {
	error
	RefusedReasons() []string
}

const loadCols = `source, kind, file, mod_time, lines, records, rows_read, rows_accepted, rows_set_aside, verdict, reasons, override, loaded_at`

// RecordLoad stores the gate's verdict on one load of a source.
func (s *Store) RecordLoad(ctx context.Context, l SourceLoad) error {
	if l.Source == "" || l.Verdict == "" {
		return errors.New("record source load: source and verdict are required")
	}
	loaded := l.LoadedAt
	if loaded.IsZero() {
		loaded = s.opts.Now()
	}
	var mod int64
	if !l.ModTime.IsZero() {
		mod = l.ModTime.UnixMicro()
	}
	err := s.b.inTx(ctx, func(tx dbtx) error {
		_, err := tx.exec(ctx, `INSERT INTO crmdigest_source_load (`+loadCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.Source, l.Kind, l.File, mod, l.Lines, l.Records, l.RowsRead, l.RowsAccepted, l.RowsSetAside,
			l.Verdict, strings.Join(l.Reasons, "\n"), l.Override, loaded.UnixMicro())
		return err
	})
	if err != nil {
		return fmt.Errorf("record source load: %w", err)
	}
	return nil
}

// LastGoodLoad returns the latest load of source that digests could rest
// on (verdict ok or overridden).
func (s *Store) LastGoodLoad(ctx context.Context, source string) (SourceLoad, bool, error) {
	var ls []SourceLoad
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		ls, err = sourceLoads(ctx, tx, `WHERE source = ? AND verdict IN (?, ?) ORDER BY id DESC LIMIT 1`,
			source, VerdictOK, VerdictOverridden)
		return err
	})
	if err != nil {
		return SourceLoad{}, false, fmt.Errorf("last good load of %q: %w", source, err)
	}
	if len(ls) == 0 {
		return SourceLoad{}, false, nil
	}
	return ls[0], true, nil
}

// LatestLoads returns the newest load of every source, by source name.
func (s *Store) LatestLoads(ctx context.Context) ([]SourceLoad, error) {
	var ls []SourceLoad
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		ls, err = sourceLoads(ctx, tx, `WHERE id IN (SELECT MAX(id) FROM crmdigest_source_load GROUP BY source) ORDER BY source`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("latest source loads: %w", err)
	}
	return ls, nil
}

func sourceLoads(ctx context.Context, tx dbtx, where string, args ...any) ([]SourceLoad, error) {
	rs, err := tx.query(ctx, `SELECT `+loadCols+` FROM crmdigest_source_load `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []SourceLoad
	for rs.Next() {
		var l SourceLoad
		var mod, lines, records, read, acc, aside, loaded int64
		var reasons string
		if err := rs.Scan(&l.Source, &l.Kind, &l.File, &mod, &lines, &records, &read, &acc, &aside,
			&l.Verdict, &reasons, &l.Override, &loaded); err != nil {
			return nil, err
		}
		l.ModTime, l.LoadedAt = microTime(mod), microTime(loaded)
		l.Lines, l.Records, l.RowsRead, l.RowsAccepted, l.RowsSetAside = int(lines), int(records), int(read), int(acc), int(aside)
		if reasons != "" {
			l.Reasons = strings.Split(reasons, "\n")
		}
		out = append(out, l)
	}
	return out, rs.Err()
}

// RefuseRun records a run the data gate refused: no recipient, no job, no
// ledger row; finished at once, with the reasons as its error, so that
// status shows it. It does not call OnRunFinished: the caller has told
// the administrator already (once per source and breach per day).
func (s *Store) RefuseRun(ctx context.Context, spec RunSpec, reasons []string) (int64, error) {
	if spec.Schedule == "" || spec.Period.Kind == 0 {
		return 0, errors.New("refuse run: schedule and period are required")
	}
	spec.Recipients = nil
	var id int64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		id, _, err = s.fanOut(ctx, tx, spec)
		if err != nil {
			return err
		}
		return markRefused(ctx, tx, id, reasons)
	})
	if err != nil {
		return 0, fmt.Errorf("refuse run: %w", err)
	}
	return id, nil
}

// FailRun records a run that could not start because its sources could
// not be read: no recipient, no job; finished at once with msg as its
// error, as the daemon records a firing whose planner failed, so that
// status and the console show a run started by hand that failed too.
func (s *Store) FailRun(ctx context.Context, spec RunSpec, msg string) (int64, error) {
	if spec.Schedule == "" || spec.Period.Kind == 0 || msg == "" {
		return 0, errors.New("fail run: schedule, period and error are required")
	}
	spec.Recipients = nil
	var id int64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		if id, _, err = s.fanOut(ctx, tx, spec); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE crmdigest_run SET error = ? WHERE id = ?`, msg, id)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fail run: %w", err)
	}
	return id, nil
}

func markRefused(ctx context.Context, tx dbtx, id int64, reasons []string) error {
	msg := "refused by the data gate: " + strings.Join(reasons, "; ")
	if _, err := tx.exec(ctx, `UPDATE crmdigest_run SET error = ? WHERE id = ?`, msg, id); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO crmdigest_run_gate (run_id, verdict, reasons) VALUES (?, ?, ?)
		ON CONFLICT (run_id) DO UPDATE SET verdict = excluded.verdict, reasons = excluded.reasons`,
		id, VerdictRefused, strings.Join(reasons, "\n"))
	return err
}

// recordOverride notes on a run that it went ahead past a breach.
func recordOverride(ctx context.Context, tx dbtx, id int64, override string) error {
	if override == "" {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO crmdigest_run_gate (run_id, verdict, override) VALUES (?, ?, ?)
		ON CONFLICT (run_id) DO NOTHING`, id, VerdictOverridden, override)
	return err
}

// readGate fills a run's gate verdict.
func readGate(ctx context.Context, tx dbtx, r *RunSummary) error {
	var verdict, reasons, override string
	err := tx.queryRow(ctx, `SELECT verdict, reasons, override FROM crmdigest_run_gate WHERE run_id = ?`, r.ID).
		Scan(&verdict, &reasons, &override)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read run gate: %w", err)
	}
	r.Refused = verdict == VerdictRefused
	r.Override = override
	if reasons != "" {
		r.RefusedReasons = strings.Split(reasons, "\n")
	}
	return nil
}

// ClaimNotice records that the notice named key is being sent; it returns
// false when one with that key was sent before, so that a notice goes out
// once however often the same breach is met (the key carries the day).
func (s *Store) ClaimNotice(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		var err error
		n, err = tx.exec(ctx, `INSERT INTO crmdigest_notice (notice_key, created_at) VALUES (?, ?)
			ON CONFLICT (notice_key) DO NOTHING`, key, s.now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim notice: %w", err)
	}
	return n == 1, nil
}

// ReleaseNotice forgets a claimed notice that could not be sent, so that a
// later attempt sends it.
func (s *Store) ReleaseNotice(ctx context.Context, key string) error {
	err := s.b.inTx(ctx, func(tx dbtx) error {
		_, err := tx.exec(ctx, `DELETE FROM crmdigest_notice WHERE notice_key = ?`, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("release notice: %w", err)
	}
	return nil
}

package jobs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Session is a console login: who, and the token that every form must
// carry back (CSRF).
type Session struct {
	Who     string
	CSRF    string
	Expires time.Time
}

// ErrNoSession is returned by Session for an unknown or expired token.
var ErrNoSession = errors.New("no such session")

// Sessions live in the store, so that every node behind a load balancer
// knows them; only a hash of the token is kept.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return hex.EncodeToString(b)
}

// CreateSession opens a session for who lasting ttl and returns its token.
func (s *Store) CreateSession(ctx context.Context, who string, ttl time.Duration) (string, Session, error) {
	token := randomToken()
	se := Session{Who: who, CSRF: randomToken(), Expires: s.opts.Now().Add(ttl).UTC().Truncate(time.Microsecond)}
	err := s.b.inTx(ctx, func(tx dbtx) error {
		if _, err := tx.exec(ctx, `DELETE FROM crmdigest_session WHERE expires_at < ?`, s.now()); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO crmdigest_session (token_hash, who, csrf, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash(token), se.Who, se.CSRF, se.Expires.UnixMicro())
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	return token, se, nil
}

// Session returns the live session of token.
func (s *Store) Session(ctx context.Context, token string) (Session, error) {
	var se Session
	var exp int64
	err := s.b.inTx(ctx, func(tx dbtx) error {
		return tx.queryRow(ctx, `SELECT who, csrf, expires_at FROM crmdigest_session WHERE token_hash = ?`,
			tokenHash(token)).Scan(&se.Who, &se.CSRF, &exp)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	se.Expires = microTime(exp)
	if !s.opts.Now().Before(se.Expires) {
		return Session{}, ErrNoSession
	}
	return se, nil
}

// DeleteSession ends the session of token (logout).
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	return s.b.inTx(ctx, func(tx dbtx) error {
		_, err := tx.exec(ctx, `DELETE FROM crmdigest_session WHERE token_hash = ?`, tokenHash(token))
		return err
	})
}

// RecordLoginFailure notes a failed login from addr and returns how many
// failures addr has had in the last window, this one included (the
// store's clock measures the window).
func (s *Store) RecordLoginFailure(ctx context.Context, addr string, window time.Duration) (int, error) {
	var n int64
	since := s.opts.Now().Add(-window)
	err := s.b.inTx(ctx, func(tx dbtx) error {
		if _, err := tx.exec(ctx, `DELETE FROM crmdigest_login_failure WHERE at < ?`, since.UnixMicro()); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO crmdigest_login_failure (addr, at) VALUES (?, ?)`, addr, s.now()); err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM crmdigest_login_failure WHERE addr = ? AND at >= ?`,
			addr, since.UnixMicro()).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("record login failure: %w", err)
	}
	return int(n), nil
}

// LoginFailures counts the failed logins from addr in the last window.
func (s *Store) LoginFailures(ctx context.Context, addr string, window time.Duration) (int, error) {
	var n int64
	since := s.opts.Now().Add(-window)
	err := s.b.inTx(ctx, func(tx dbtx) error {
		return tx.queryRow(ctx, `SELECT COUNT(*) FROM crmdigest_login_failure WHERE addr = ? AND at >= ?`,
			addr, since.UnixMicro()).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count login failures: %w", err)
	}
	return int(n), nil
}

// Package delivery turns a rendered digest into an email and hands it to a
// transport: an SMTP relay or an outbox folder of .eml files.
//
// A Builder makes a Message from a Spec: text and HTML alternatives from
// package templates, the PDF attached, an optional inline PNG chart, and a
// Message-ID derived from (schedule, recipient, period) so that a duplicate is
// recognisable. A Transport sends it and classifies what went wrong as a
// *SendError: transient (retry later), permanent (do not retry; the server's
// reply is kept) or in doubt (the connection dropped after the message body
// was sent and before the server's 250 reply, so it may have been delivered).
//
// The job engine owns retries, the ledger and the run history: it sets
// Message.BeforeEnd to mark its ledger "sending" right before the final "."
// of SMTP DATA (the body already written) and marks "sent" when Send returns nil. Limiter caps the rate and
// the number of concurrent SMTP sessions whatever the engine's worker count.
package delivery

import (
	"context"
)

// Transport sends one message. Implementations return nil once the message
// is accepted (SMTP 250, or the .eml file renamed into place) and otherwise a
// *SendError, an *AddressError or the error returned by Message.BeforeEnd.
// The job engine declares the same one-method interface for itself; this one
// lets this package check its implementations.
type Transport interface {
	Send(ctx context.Context, m *Message) error
}

var (
	_ Transport = (*SMTP)(nil)
	_ Transport = (*Outbox)(nil)
	_ Transport = (*Limiter)(nil)
)

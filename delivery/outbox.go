package delivery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Outbox writes each message as an .eml file under a folder instead of
// sending it: the quickstart needs no mail server, and an administrator can
// open the files in any mail client. The folder and its subfolders are
// created 0700 and the files 0600: they hold people's figures.
type Outbox struct {
	Dir string
}

// NewOutbox returns an outbox writing under dir, created if missing.
func NewOutbox(dir string) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("outbox: no folder")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return &Outbox{Dir: dir}, nil
}

// Path returns where m is (or would be) written:
// <dir>/<period>/<role>-<recipient>.eml, with "-rN" for the Nth forced
// resend and "preview-" in front for a preview. The name depends only on
// the message's key, so a second run over the same period replaces a file
// rather than adding one.
func (o *Outbox) Path(m *Message) string {
	name := slug(m.Role)
	if name == "" {
		name = "digest"
	}
	name += "-" + slug(m.Recipient.Address)
	if m.Resend > 0 {
		name += fmt.Sprintf("-r%d", m.Resend)
	}
	if m.Preview {
		name = "preview-" + name
	}
	dir := slug(m.Period)
	if m.Schedule != "" {
		// Two schedules may cover the same period for the same person.
		dir = filepath.Join(slug(m.Schedule), dir)
	}
	return filepath.Join(o.Dir, dir, name+".eml")
}

// Send writes m atomically: to a temporary file in the same folder, synced,
// then renamed into place, so that a reader never sees half a message.
func (o *Outbox) Send(ctx context.Context, m *Message) error {
	if m == nil || len(m.raw) == 0 {
		return errors.New("outbox: message not built")
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Stage: "write", Err: err}
	}
	path := o.Path(m)
	var hookErr error
	beforeRename := func() error {
		if m.BeforeEnd != nil {
			hookErr = m.BeforeEnd()
		}
		return hookErr
	}
	if err := writeFileAtomic(path, m.raw, beforeRename); err != nil {
		if hookErr != nil {
			return fmt.Errorf("before end: %w", hookErr)
		}
		// A full disk or a permission problem will not fix itself in the
		// minutes of a retry, but neither is it the recipient's fault:
		// report it as transient and let the attempt limit end it.
		return &SendError{Stage: "write", Err: err}
	}
	return nil
}

// beforeRename, if not nil, runs once the data is synced and just before
// the rename: its error leaves no file behind and is returned.
func writeFileAtomic(path string, data []byte, beforeRename func() error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// CreateTemp makes the file 0600.
	f, err := os.CreateTemp(dir, ".partial-*.tmp") // never matches *.eml
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if beforeRename != nil {
		if err = beforeRename(); err != nil {
			return err
		}
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	// The rename is durable once the folder itself is synced.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// slug keeps letters, digits, '.', '@', '_' and '-' and maps everything else
// to '_', so that a name is safe in a path and still easy to recognise.
func slug(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)), r == '.', r == '@', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	s = strings.Trim(s, ".")
	return s
}

package mailpittest

import (
	"net/smtp"
	"strings"
	"testing"
)

func TestStartSendRead(t *testing.T) {
	s := Start(t)
	body := "From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nbody text\r\n"
	if err := smtp.SendMail(s.SMTPAddr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body)); err != nil {
		t.Fatalf("send: %v\n%s", err, s.Output())
	}
	if n := s.WaitCount(t, 1, 5e9); n != 1 {
		t.Fatalf("count = %d", n)
	}
	list := s.Messages(t)
	if len(list) != 1 || list[0].Subject != "hello" || list[0].To[0].Address != "b@example.com" {
		t.Fatalf("messages = %+v", list)
	}
	m := s.Message(t, list[0].ID)
	if !strings.Contains(m.Text, "body text") {
		t.Errorf("text = %q", m.Text)
	}
	if !strings.Contains(string(s.Raw(t, m.ID)), "Subject: hello") {
		t.Errorf("raw lacks subject")
	}
	s.DeleteAll(t)
	if n := s.Count(t); n != 0 {
		t.Errorf("after delete all, count = %d", n)
	}
}

func TestModuleVersion(t *testing.T) {
	gomod := []byte("module x\n\ngo 1.26.0\n\ntool github.com/axllent/mailpit\n\nrequire (\n\tgithub.com/axllent/mailpit v1.33.1 // indirect\n)\n")
	if v := moduleVersion(gomod, mailpitModule); v != "v1.33.1" {
		t.Errorf("version = %q", v)
	}
	if v := moduleVersion([]byte("require github.com/axllent/mailpit v1.2.3\n"), mailpitModule); v != "v1.2.3" {
		t.Errorf("single-line require: %q", v)
	}
}

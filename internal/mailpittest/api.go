package mailpittest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"testing"
	"time"
)

// Summary is one entry of GET /api/v1/messages.
type Summary struct {
	ID          string
	MessageID   string
	From        *mail.Address
	To          []*mail.Address
	Subject     string
	Created     time.Time
	Size        uint64
	Attachments int
	Snippet     string
}

// Message is GET /api/v1/message/{id}: both bodies and the parts.
type Message struct {
	ID          string
	MessageID   string
	From        *mail.Address
	To          []*mail.Address
	Subject     string
	Date        time.Time
	Text        string
	HTML        string
	Size        uint64
	Inline      []Attachment
	Attachments []Attachment
}

// Attachment describes one part; Part fetches its bytes.
type Attachment struct {
	PartID      string
	FileName    string
	ContentType string
	ContentID   string
	Size        uint64
}

// Messages lists every stored message, newest first.
func (s *Server) Messages(tb testing.TB) []Summary {
	tb.Helper()
	var all []Summary
	const page = 500
	for start := 0; ; start += page {
		var resp struct {
			Total    int
			Messages []Summary `json:"messages"`
		}
		s.getJSON(tb, fmt.Sprintf("/api/v1/messages?start=%d&limit=%d", start, page), &resp)
		all = append(all, resp.Messages...)
		if len(resp.Messages) < page {
			return all
		}
	}
}

// Count is the number of stored messages.
func (s *Server) Count(tb testing.TB) int {
	tb.Helper()
	var resp struct {
		Total int `json:"total"`
	}
	s.getJSON(tb, "/api/v1/messages?limit=1", &resp)
	return resp.Total
}

// WaitCount polls until at least n messages are stored or timeout passes,
// and returns the count seen last.
func (s *Server) WaitCount(tb testing.TB, n int, timeout time.Duration) int {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c := s.Count(tb)
		if c >= n || time.Now().After(deadline) {
			return c
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Message fetches one message by its Mailpit ID.
func (s *Server) Message(tb testing.TB, id string) Message {
	tb.Helper()
	var m Message
	s.getJSON(tb, "/api/v1/message/"+url.PathEscape(id), &m)
	return m
}

// Headers fetches one message's headers.
func (s *Server) Headers(tb testing.TB, id string) map[string][]string {
	tb.Helper()
	h := map[string][]string{}
	s.getJSON(tb, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// Part fetches the decoded bytes of one attachment or inline part.
func (s *Server) Part(tb testing.TB, id, partID string) []byte {
	tb.Helper()
	return s.get(tb, "/api/v1/message/"+url.PathEscape(id)+"/part/"+url.PathEscape(partID))
}

// Raw fetches the message as it was received.
func (s *Server) Raw(tb testing.TB, id string) []byte {
	tb.Helper()
	return s.get(tb, "/api/v1/message/"+url.PathEscape(id)+"/raw")
}

// DeleteAll removes every stored message.
func (s *Server) DeleteAll(tb testing.TB) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodDelete, s.URL+"/api/v1/messages", bytes.NewReader([]byte("{}")))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		tb.Fatalf("mailpittest: delete all: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("mailpittest: delete all: %s: %s", resp.Status, b)
	}
}

func (s *Server) get(tb testing.TB, path string) []byte {
	tb.Helper()
	resp, err := s.client.Get(s.URL + path)
	if err != nil {
		tb.Fatalf("mailpittest: GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("mailpittest: GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("mailpittest: GET %s: %s: %s", path, resp.Status, b)
	}
	return b
}

func (s *Server) getJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	if err := json.Unmarshal(s.get(tb, path), v); err != nil {
		tb.Fatalf("mailpittest: GET %s: decode: %v", path, err)
	}
}

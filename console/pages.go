package console

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmdigest/crmdigest/jobs"
	"github.com/crmdigest/crmdigest/schedule"
)

// Handler is the console, to mount at "/".
func (s *Server) Handler() http.Handler { return s.guard(s.mux) }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /static/style.css", func(w http.ResponseWriter, r *http.Request) {
		css, _ := files.ReadFile("files/style.css")
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "max-age=3600")
		_, _ = w.Write(css)
	})
	m.HandleFunc("GET /login", s.login)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("POST /logout", s.logout)
	m.HandleFunc("GET /{$}", s.overview)
	m.HandleFunc("GET /runs", s.runs)
	m.HandleFunc("GET /runs/{id}", s.run)
	m.HandleFunc("GET /preview", s.preview)
	m.HandleFunc("GET /preview/pdf", s.previewPDF)
	m.HandleFunc("GET /preview/email", s.previewEmail)
	m.HandleFunc("GET /preview/eml", s.previewEML)
	m.HandleFunc("POST /actions/resend", s.actResend)
	m.HandleFunc("POST /actions/mark-delivered", s.actMarkDelivered)
	m.HandleFunc("POST /actions/pause", s.actPause)
	m.HandleFunc("POST /actions/run", s.actRun)
	s.mux = m
}

// render executes a page into a buffer first, so that a template error
// gives a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, page string, data map[string]any) {
	s.renderStatus(w, r, http.StatusOK, page, data)
}

func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) {
	se := sessionOf(r)
	data["Who"] = se.Who
	data["CSRF"] = se.CSRF
	data["Open"] = s.open
	data["Page"] = page
	data["Now"] = s.now()
	data["Notice"] = r.URL.Query().Get("notice")
	var buf bytes.Buffer
	if err := s.pages[page].Execute(&buf, data); err != nil {
		s.log.Error("console page", "page", page, "err", err)
		http.Error(w, "page error: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("console", "path", r.URL.Path, "err", err)
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

// scheduleRow is one schedule on the overview.
type scheduleRow struct {
	Name, Report, Cron, Period string
	Current                    string // the period a run started now covers
	Next                       []schedule.Firing
	Last                       *jobs.RunSummary
	Paused                     *jobs.Pause
	Error                      string
}

// sourceRow is one source's last recorded load and the data gate's verdict.
type sourceRow struct {
	jobs.SourceLoad
	Age string // of the export file
}

// sources are the last load of each source the store recorded (the data
// gate records each reading a run makes); before any, the reading this
// process made at start, not yet judged.
func (s *Server) sources(ctx context.Context, now time.Time) ([]sourceRow, error) {
	loads, err := s.store.LatestLoads(ctx)
	if err != nil {
		return nil, err
	}
	if len(loads) == 0 {
		for _, q := range s.digests.Quality() {
			v := "not judged yet"
			if q.Fatal != "" {
				v = jobs.VerdictRefused
			}
			l := jobs.SourceLoad{Source: q.Name, Kind: string(q.Kind), File: q.File, ModTime: q.ModTime,
				RowsRead: q.RowsRead, RowsAccepted: q.RowsAccepted, RowsSetAside: q.RowsSetAside, Verdict: v}
			if q.Fatal != "" {
				l.Reasons = []string{q.Fatal}
			}
			loads = append(loads, l)
		}
	}
	var out []sourceRow
	for _, l := range loads {
		out = append(out, sourceRow{SourceLoad: l, Age: ago(now, l.ModTime)})
	}
	return out, nil
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rep, err := s.store.Status(ctx, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pauses, err := s.store.Pauses(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	var rows []scheduleRow
	for _, name := range s.digests.ScheduleNames() {
		sc, _ := s.digests.Schedule(name)
		spec := sc.Spec()
		row := scheduleRow{Name: name, Report: spec.Report, Cron: spec.Cron, Period: spec.Period}
		if cur, err := s.digests.CurrentPeriod(name, now); err == nil {
			row.Current = cur.Key()
		}
		if row.Next, err = s.digests.NextFirings(ctx, name, now, 3); err != nil {
			row.Error = err.Error()
		}
		for i := range rep.Runs {
			if rep.Runs[i].Schedule == name {
				row.Last = &rep.Runs[i]
				break
			}
		}
		for i := range pauses {
			if pauses[i].Scope == jobs.PauseSchedule && pauses[i].Name == name {
				row.Paused = &pauses[i]
			}
		}
		rows = append(rows, row)
	}
	srcs, err := s.sources(ctx, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acts, err := s.store.Actions(ctx, 0, 10)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "overview", map[string]any{
		"Schedules": rows, "Sources": srcs, "Pauses": pauses, "Attention": rep.Attention, "Actions": acts,
	})
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	rep, err := s.store.Status(r.Context(), 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "runs", map[string]any{"Runs": rep.Runs})
}

// deliveryRow is one delivery on a run's page, with its next attempt
// when it waits for a retry.
type deliveryRow struct {
	jobs.RecipientState
	Next time.Time
}

// States a run's page filters on, in the order shown.
var states = []string{jobs.StateSent, jobs.StateFailed, jobs.StatePending, jobs.StateSending, jobs.StateInDoubt, jobs.StateSkipped, jobs.StatePreview}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	run, err := s.store.Run(r.Context(), id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	state := r.URL.Query().Get("state")
	if state != "" && !slices.Contains(states, state) {
		http.Error(w, "unknown state "+strconv.Quote(state), http.StatusBadRequest)
		return
	}
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	next, err := s.store.NextAttempts(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var shown []deliveryRow
	for _, rc := range run.Recipients {
		if state != "" && rc.State != state {
			continue
		}
		if name != "" && !strings.Contains(strings.ToLower(rc.Recipient), strings.ToLower(name)) {
			continue
		}
		row := deliveryRow{RecipientState: rc}
		if rc.State == jobs.StatePending {
			row.Next = next[rc.Recipient]
		}
		shown = append(shown, row)
	}
	acts, err := s.store.Actions(r.Context(), id, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "run", map[string]any{
		"Run": run, "Shown": shown, "States": states, "State": state, "Name": name, "Actions": acts,
	})
}

func (s *Server) preview(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sched, person, period := q.Get("schedule"), q.Get("person"), q.Get("period")
	names := s.digests.ScheduleNames()
	if sched == "" && len(names) > 0 {
		sched = names[0]
	}
	data := map[string]any{"Schedules": names, "Schedule": sched, "Person": person, "Period": period}
	if _, ok := s.digests.Schedule(sched); !ok {
		data["Error"] = "no schedule named " + strconv.Quote(sched)
		s.renderStatus(w, r, http.StatusBadRequest, "preview", data)
		return
	}
	people, _, err := s.digests.People(r.Context(), sched)
	if err != nil {
		data["Error"] = err.Error()
	}
	data["People"] = people
	if period == "" {
		if cur, err := s.digests.CurrentPeriod(sched, s.now()); err == nil {
			period = cur.Key()
		}
		data["Period"] = period
	}
	if person != "" {
		per, err := s.digests.ParsePeriod(period)
		if err != nil {
			data["Error"] = "period: " + err.Error()
			s.renderStatus(w, r, http.StatusBadRequest, "preview", data)
			return
		}
		data["Period"] = per.Key()
		p, err := s.digests.Preview(r.Context(), sched, person, per)
		if err != nil {
			data["Error"] = err.Error()
		} else {
			data["Preview"] = p
		}
	}
	s.render(w, r, "preview", data)
}

func (s *Server) previewOf(w http.ResponseWriter, r *http.Request) (pv previewed, ok bool) {
	q := r.URL.Query()
	per, err := s.digests.ParsePeriod(q.Get("period"))
	if err != nil {
		http.Error(w, "period: "+err.Error(), http.StatusBadRequest)
		return pv, false
	}
	p, err := s.digests.Preview(r.Context(), q.Get("schedule"), q.Get("person"), per)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return pv, false
	}
	return previewed{p.PDF, p.HTML, p.EML, q.Get("schedule"), per.Key(), p.Person.Email}, true
}

type previewed struct {
	pdf                   []byte
	html                  string
	eml                   []byte
	sched, period, person string
}

func (s *Server) previewPDF(w http.ResponseWriter, r *http.Request) {
	pv, ok := s.previewOf(w, r)
	if !ok {
		return
	}
	frameable(w, cspPDF)
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+fileName(pv, "pdf")+`"`)
	_, _ = w.Write(pv.pdf)
}

func (s *Server) previewEmail(w http.ResponseWriter, r *http.Request) {
	pv, ok := s.previewOf(w, r)
	if !ok {
		return
	}
	frameable(w, cspEmail)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(pv.html))
}

func (s *Server) previewEML(w http.ResponseWriter, r *http.Request) {
	pv, ok := s.previewOf(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileName(pv, "eml")+`"`)
	_, _ = w.Write(pv.eml)
}

// fileName is a download name made of safe characters only.
func fileName(pv previewed, ext string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '@' {
				return r
			}
			return '_'
		}, s)
	}
	return clean("digest-"+pv.sched+"-"+pv.period+"-"+pv.person) + "." + ext
}

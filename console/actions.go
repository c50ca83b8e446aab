package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/crmdigest/crmdigest/jobs"
)

// Actions answer a POST with a redirect to the page they were taken from
// (Post/Redirect/Get), carrying a one-line notice.

func back(w http.ResponseWriter, r *http.Request, to, notice string) {
	u, err := url.Parse(to)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	q.Set("notice", notice)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func formRun(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PostFormValue("run"), 10, 64)
	return id
}

func required(r *http.Request, names ...string) error {
	for _, n := range names {
		if strings.TrimSpace(r.PostFormValue(n)) == "" {
			return fmt.Errorf("the form lacks %s", n)
		}
	}
	return nil
}

// actResend sends one person's digest again, as `send --force --only`
// would; with resolve set it is the "resend" answer to an in-doubt one.
func (s *Server) actResend(w http.ResponseWriter, r *http.Request) {
	if err := required(r, "schedule", "recipient", "period"); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, ok := s.digests.Schedule(r.PostFormValue("schedule")); !ok {
		http.Error(w, "no schedule named "+strconv.Quote(r.PostFormValue("schedule")), http.StatusBadRequest)
		return
	}
	period, err := s.digests.ParsePeriod(r.PostFormValue("period"))
	if err != nil {
		http.Error(w, "period: "+err.Error(), http.StatusBadRequest)
		return
	}
	action := "resend"
	if r.PostFormValue("resolve") != "" {
		action = "resolve-resend"
	}
	id, err := s.store.Resend(r.Context(), jobs.ResendSpec{
		Schedule: r.PostFormValue("schedule"), Recipient: r.PostFormValue("recipient"), Period: period,
		Who: sessionOf(r).Who, Action: action, FromRun: formRun(r), DataFiles: s.digests.DataFiles(),
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("console action", "action", action, "who", sessionOf(r).Who, "recipient", r.PostFormValue("recipient"), "run", id)
	back(w, r, r.PostFormValue("back"), fmt.Sprintf("Resend queued as run #%d.", id))
}

func (s *Server) actMarkDelivered(w http.ResponseWriter, r *http.Request) {
	if err := required(r, "schedule", "recipient", "period"); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	err := s.store.MarkDelivered(r.Context(), r.PostFormValue("schedule"), r.PostFormValue("recipient"),
		r.PostFormValue("period"), sessionOf(r).Who, formRun(r))
	if errors.Is(err, jobs.ErrNotInDoubt) {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back(w, r, r.PostFormValue("back"), "Marked delivered.")
}

func (s *Server) actPause(w http.ResponseWriter, r *http.Request) {
	if err := required(r, "scope", "name"); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	paused := r.PostFormValue("paused") == "1"
	scope, name := r.PostFormValue("scope"), strings.TrimSpace(r.PostFormValue("name"))
	if scope == jobs.PausePerson {
		name = strings.ToLower(name)
	}
	if err := s.store.SetPause(r.Context(), scope, name, sessionOf(r).Who, paused); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	verb := "Resumed"
	if paused {
		verb = "Paused"
	}
	back(w, r, r.PostFormValue("back"), fmt.Sprintf("%s %s %s.", verb, scope, name))
}

// actRun runs a schedule for a period for its recipients of the last
// reading. A real run needs a dry run of the same schedule and period
// first: the operator sees whom it would send to before it sends.
func (s *Server) actRun(w http.ResponseWriter, r *http.Request) {
	if err := required(r, "schedule", "period"); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	sched := r.PostFormValue("schedule")
	if _, ok := s.digests.Schedule(sched); !ok {
		http.Error(w, "no schedule named "+strconv.Quote(sched), http.StatusBadRequest)
		return
	}
	period, err := s.digests.ParsePeriod(r.PostFormValue("period"))
	if err != nil {
		http.Error(w, "period: "+err.Error(), http.StatusBadRequest)
		return
	}
	dry := r.PostFormValue("dry") == "1"
	if !dry {
		rep, err := s.store.Status(ctx, 200)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ok := false
		for _, run := range rep.Runs {
			ok = ok || (run.Schedule == sched && run.Period == period.Key() && run.DryRun && run.Done() && run.Error == "")
		}
		if !ok {
			http.Error(w, "run a dry run of "+sched+" "+period.Key()+" first", http.StatusConflict)
			return
		}
	}
	people, _, err := s.digests.People(ctx, sched)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var keys []string
	for _, p := range people {
		keys = append(keys, p.Key())
	}
	id, err := s.store.StartRun(ctx, jobs.RunSpec{Schedule: sched, Period: period, Recipients: keys,
		DataFiles: s.digests.DataFiles(), DryRun: dry})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	action := "run"
	if dry {
		action = "dry-run"
	}
	if err := s.store.RecordAction(ctx, jobs.Action{Who: sessionOf(r).Who, Action: action, Schedule: sched, Period: period.Key(), NewRun: id,
		Detail: fmt.Sprintf("%d recipients", len(keys))}); err != nil {
		s.fail(w, r, err)
		return
	}
	back(w, r, fmt.Sprintf("/runs/%d", id), fmt.Sprintf("%s of %s %s queued as run #%d.", action, sched, period.Key(), id))
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/crmdigest/crmdigest/crm"
	"github.com/crmdigest/crmdigest/delivery"
	"github.com/crmdigest/crmdigest/internal/printable"
	"github.com/crmdigest/crmdigest/pipeline"
)

// checkTransport is the transport of check's pipeline: check selects
// recipients as run does, and sends nothing.
type checkTransport struct{}

func (checkTransport) Send(context.Context, *delivery.Message) error {
	return errors.New("check sends nothing")
}

var _ delivery.Transport = checkTransport{}

// checkRecipients selects every schedule's recipients as run would and
// lists, by name, each one a digest cannot be mailed to and why, with the
// same address check as delivery: run would fail exactly these.
func checkRecipients(w io.Writer, e *env, ds *crm.Dataset) error {
	p, err := pipeline.New(e.cfg, pipeline.Options{Transport: checkTransport{}, Now: e.now})
	if err != nil {
		return err
	}
	type bad struct{ who, schedules, why string }
	var bads []bad
	index := map[string]int{} // name and reason -> bads
	var counts []string
	for _, name := range p.ScheduleNames() {
		s, _ := p.Schedule(name)
		people, held := p.Recipients(ds, s)
		c := fmt.Sprintf("%s %d", name, len(people))
		if len(held) > 0 {
			c += fmt.Sprintf(" (+%d paused or opted out)", len(held))
		}
		counts = append(counts, c)
		for _, person := range people {
			_, aerr := delivery.ParseAddress(person.Name, person.Email)
			if aerr == nil {
				continue
			}
			why := "no email address"
			var ae *delivery.AddressError
			if person.Email != "" && errors.As(aerr, &ae) {
				why = fmt.Sprintf("invalid address %q: %v", person.Email, ae.Err)
			}
			key := person.Name + "\x00" + why
			if i, ok := index[key]; ok {
				bads[i].schedules += ", " + name
				continue
			}
			index[key] = len(bads)
			bads = append(bads, bad{who: person.Name, schedules: name, why: why})
		}
	}
	fmt.Fprintf(w, "recipients: %s\n", strings.Join(counts, ", "))
	for _, b := range bads {
		fmt.Fprintf(w, "  CANNOT BE MAILED %s (%s): %s\n", printable.Escape(b.who), b.schedules, printable.Escape(b.why))
	}
	fmt.Fprintln(w)
	if len(bads) > 0 {
		return fmt.Errorf("%d recipients cannot be mailed (listed above): run and send would fail them; fix their addresses in the directory", len(bads))
	}
	return nil
}

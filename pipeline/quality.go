package pipeline

import "github.com/crmdigest/crmdigest/crm"

// Quality returns the data-quality report of each source at its last
// reading (rows read, accepted, set aside), or nil before the first one.
// The daemon publishes it as metrics.
func (p *Pipeline) Quality() []crm.SourceReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.data == nil || p.data.ds == nil {
		return nil
	}
	return append([]crm.SourceReport(nil), p.data.ds.Quality...)
}

package kpi

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// parallel calls f(0) .. f(n-1) on as many goroutines as there are
// cores, handing the indexes out in order.
func parallel(n int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int(next.Add(1) - 1); k < n; k = int(next.Add(1) - 1) {
				f(k)
			}
		}()
	}
	wg.Wait()
}

func addInto(dst, src []float64) {
	for i, v := range src {
		dst[i] += v
	}
}

// buildScopes sums each member's owners into rep buckets, then reps into
// teams, regions and the organisation: the rows are never read again.
func (e *engine) buildScopes() {
	c, dir, ds := e.c, e.dir, e.ds
	n := c.np * nSeries
	newWork := func(s *Scope) *scopeWork {
		w := &scopeWork{s: s, full: make([]float64, n), first: math.MaxInt32}
		w.cut = w.full
		if c.toDate {
			w.cut = make([]float64, n)
		}
		return w
	}
	c.foldActivities()
	zero := make([]float64, n) // shared, read-only: reps who own no row
	reps := make([]*scopeWork, len(dir.members))
	for i, mb := range dir.members {
		s := &Scope{Kind: ScopeRep, Key: mb.key, Name: mb.name, Team: mb.team, Region: mb.region, ds: ds}
		if mb.person >= 0 {
			s.Person = &ds.People[mb.person]
		}
		w := &scopeWork{s: s, members: []int{i}, first: math.MaxInt32}
		switch len(mb.owners) {
		case 0:
			w.full, w.cut = zero, zero
		case 1:
			// Most reps are one owner: read the cube's buckets in place.
			o := int(mb.owners[0])
			w.full, w.cut = c.full[o*n:(o+1)*n], c.cut[o*n:(o+1)*n]
		default:
			w.full, w.cut = make([]float64, n), nil
			if c.toDate {
				w.cut = make([]float64, n)
			}
			for _, o := range mb.owners {
				addInto(w.full, c.full[int(o)*n:int(o+1)*n])
				if c.toDate {
					addInto(w.cut, c.cut[int(o)*n:int(o+1)*n])
				}
			}
			if !c.toDate {
				w.cut = w.full
			}
		}
		for _, o := range mb.owners {
			s.InExport = s.InExport || c.owned == nil || c.owned[o]
			w.first = min(w.first, c.ownerFirst[o])
			if len(mb.owners) == 1 {
				s.alerts = c.alerts[o] // sorted in computeScope, in parallel
			} else {
				s.alerts = append(s.alerts, c.alerts[o]...)
			}
		}
		reps[i] = w
	}
	teams := make(map[string]*scopeWork)
	regions := make(map[string]*scopeWork)
	for _, t := range dir.teams {
		s := &Scope{Kind: ScopeTeam, Key: t, Name: t, InExport: true}
		if mi, ok := dir.teamManager[t]; ok {
			s.Manager = &ds.People[mi]
		}
		teams[t] = newWork(s)
	}
	for _, g := range dir.regions {
		regions[g] = newWork(&Scope{Kind: ScopeRegion, Key: g, Name: g, InExport: true})
	}
	org := newWork(&Scope{Kind: ScopeOrg, Key: OrgKey, Name: e.opt.OrgName, InExport: true})
	for i := range reps {
		mb := dir.members[i]
		for _, agg := range []*scopeWork{teams[mb.team], regions[mb.region], org} {
			agg.members = append(agg.members, i)
			agg.s.Members = append(agg.s.Members, mb.key)
		}
	}
	// Each team, region and the organisation sums its reps in their
	// order (so that the sums do not depend on the cores), spread over
	// the cores: the organisation first, the longest.
	aggs := []*scopeWork{org}
	for _, g := range dir.regions {
		aggs = append(aggs, regions[g])
	}
	for _, t := range dir.teams {
		aggs = append(aggs, teams[t])
	}
	parallel(len(aggs), func(k int) {
		agg := aggs[k]
		for _, i := range agg.members {
			addInto(agg.full, reps[i].full)
			if c.toDate {
				addInto(agg.cut, reps[i].cut)
			}
			agg.first = min(agg.first, reps[i].first)
		}
	})
	// A team's region is its manager's, else its members' when they
	// share one; a region's teams are those with a member in it.
	for _, t := range dir.teams {
		tw := teams[t]
		regs := map[string]bool{}
		for _, i := range tw.members {
			regs[dir.members[i].region] = true
		}
		if tw.s.Manager != nil && tw.s.Manager.Region != "" {
			tw.s.Region = tw.s.Manager.Region
		} else if len(regs) == 1 {
			tw.s.Region = sortedKeys(regs)[0]
		}
		for g := range regs {
			regions[g].s.Teams = append(regions[g].s.Teams, t)
		}
		org.s.Teams = append(org.s.Teams, t)
	}
	e.linkParents(reps, teams, regions, org)
	e.work = append(e.work, reps...)
	for _, t := range dir.teams {
		e.work = append(e.work, teams[t])
	}
	for _, g := range dir.regions {
		slices.Sort(regions[g].s.Teams)
		e.work = append(e.work, regions[g])
	}
	e.work = append(e.work, org)
	for _, w := range e.work {
		slices.Sort(w.s.Members)
		e.res.Scopes = append(e.res.Scopes, w.s)
	}
	slices.SortStableFunc(e.res.Scopes, func(a, b *Scope) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key))
	})
	for _, s := range e.res.Scopes {
		e.res.index[scopeRef{s.Kind, s.Key}] = s
	}
}

// linkParents gives each scope the parent its seasonal indices are shrunk
// toward (docs/KPIS.md, "Scopes pool with the level above"): a rep their
// team, a team its region, a region the organisation. A parent that holds
// exactly the same members (a rep alone in their team, a team alone in its
// region, a single region) has the same series: shrinking toward its
// indices would pull the scope toward its own fit, so the next level up
// is taken instead, or none (the smooth profile) at the top.
func (e *engine) linkParents(reps []*scopeWork, teams, regions map[string]*scopeWork, org *scopeWork) {
	pick := func(w *scopeWork, chain ...*scopeWork) {
		for _, p := range chain {
			if p != nil && p != w && !slices.Equal(p.members, w.members) {
				w.parent = p
				if p.ready == nil {
					p.indices = make([][]float64, len(e.metrics))
					p.ready = make([]chan struct{}, len(e.metrics))
					for k := range p.ready {
						p.ready[k] = make(chan struct{})
					}
				}
				return
			}
		}
	}
	regionOf := func(key string) *scopeWork {
		if key == "" {
			return nil
		}
		return regions[key]
	}
	for i, w := range reps {
		mb := e.dir.members[i]
		pick(w, teams[mb.team], regionOf(mb.region), org)
	}
	for _, t := range e.dir.teams {
		pick(teams[t], regionOf(teams[t].s.Region), org)
	}
	for _, g := range e.dir.regions {
		pick(regions[g], org)
	}
}

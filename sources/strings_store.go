package sources

import "strings"

// stringStore copies the strings the model keeps (ids, subjects, the keys
// of targets) out of the rows they were read from, so that a kept value
// does not hold its whole row alive. Copies are laid end to end in blocks
// of storeBlock bytes: one allocation a block rather than one a string
// (a million deal ids were a million allocations, each rounded up to the
// allocator's size classes). A block lives as long as any string in it,
// which for the model is as long as the model.
type stringStore struct {
	block strings.Builder
	// seen maps repeated values to their one copy, up to storeInterned
	// of them: activity subjects and targets' periods repeat, ids do not.
	seen map[string]string
}

const (
	storeBlock    = 64 << 10
	storeInterned = 1 << 14
)

// clone returns a copy of v that shares no memory with v.
func (s *stringStore) clone(v string) string {
	if v == "" {
		return ""
	}
	if len(v) > storeBlock/16 {
		return strings.Clone(v)
	}
	if s.block.Cap()-s.block.Len() < len(v) {
		// A new block: the strings handed out keep the old one alive.
		s.block = strings.Builder{}
		s.block.Grow(storeBlock)
	}
	// A Builder never changes the bytes it has written, and within its
	// capacity it never moves them, so a slice of String stays valid.
	n := s.block.Len()
	s.block.WriteString(v)
	return s.block.String()[n:]
}

// intern returns the one copy of v kept for equal values, while there are
// few enough of them; past storeInterned distinct values, a copy of its own.
func (s *stringStore) intern(v string) string {
	if v == "" {
		return ""
	}
	if c, ok := s.seen[v]; ok {
		return c
	}
	c := s.clone(v)
	if len(s.seen) < storeInterned {
		if s.seen == nil {
			s.seen = make(map[string]string)
		}
		s.seen[c] = c
	}
	return c
}

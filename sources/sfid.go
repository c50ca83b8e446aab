package sources

// Salesforce writes a record id in two forms: 15 characters, which are
// case-sensitive (0055g00000AbCdE and 0055g00000ABCDE are two records),
// and 18 characters, the 15 followed by a 3-character checksum of their
// case, so that tools which ignore case still tell records apart. Reports
// export one form or the other; both name the same record.

// sfAlphabet maps a 5-bit case mask to a suffix character.
const sfAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// salesforceSuffix computes the 3-character checksum of a 15-character id:
// for each block of 5 characters, bit i is set when character i is an
// upper-case letter, and the 5-bit number picks a character of sfAlphabet.
func salesforceSuffix(id15 string) string {
	var b [3]byte
	for block := 0; block < 3; block++ {
		n := 0
		for i := 0; i < 5; i++ {
			if c := id15[block*5+i]; c >= 'A' && c <= 'Z' {
				n |= 1 << i
			}
		}
		b[block] = sfAlphabet[n]
	}
	return string(b[:])
}

// salesforceID returns the 15-character form of s when s looks like a
// Salesforce id: 15 letters and digits with at least one digit, or 18
// whose last 3 are the checksum of the first 15. Any other text (a name,
// an email, another CRM's id) is not one.
func salesforceID(s string) (string, bool) {
	if len(s) != 15 && len(s) != 18 {
		return "", false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digit = digit || i < 15
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		default:
			return "", false
		}
	}
	if !digit {
		return "", false
	}
	if len(s) == 18 && s[15:] != salesforceSuffix(s[:15]) {
		return "", false
	}
	return s[:15], true
}

// idKey is the form in which record and owner ids are compared: the
// 15-character form of a Salesforce id, any other id as written. Ids are
// never compared after lower-casing: two ids that differ only in case
// are two records.
func idKey(s string) string {
	if k, ok := salesforceID(s); ok {
		return k
	}
	return s
}

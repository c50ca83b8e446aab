//go:build !unix

package mailpittest

import "os"

var interruptSignal os.Signal = os.Kill

// lockFile does not lock here: two concurrent builds each write their own
// temporary file and rename it into place, which is safe, only slower.
func lockFile(*os.File) (func(), error) { return func() {}, nil }

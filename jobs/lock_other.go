//go:build !unix

package jobs

// Without flock the store never knows it is alone, and stuck jobs wait for
// River's rescuer.
type storeLock struct{}

func lockStore(string) (*storeLock, bool, error) { return &storeLock{}, false, nil }
func (l *storeLock) share() error                { return nil }
func (l *storeLock) release()                    {}

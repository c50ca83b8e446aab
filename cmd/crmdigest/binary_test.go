package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// The end-to-end tests run the real command: a crmdigest binary built once
// per test process from this package, in a folder removed by TestMain.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// TestMain removes the binary crmdigestBinary built, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// crmdigestBinary builds the crmdigest command once per test process and
// returns its path. Tests that run it as a separate process (SIGKILL, exit
// codes, a terminal-less stdout) use it; the rest run Main in process.
func crmdigestBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "crmdigest-test-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "crmdigest")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{err, string(out)}
		}
	})
	if binErr != nil {
		tb.Fatalf("build crmdigest: %v", binErr)
	}
	return binPath
}

type buildError struct {
	err    error
	output string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.output }

package mailpittest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const mailpitModule = "github.com/axllent/mailpit"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary returns the path of a Mailpit binary: $CRMDIGEST_MAILPIT if set,
// else one built from tools/go.mod into the user cache folder, once per
// machine and tools/go.sum. A missing Go tool chain skips the test.
func Binary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("CRMDIGEST_MAILPIT"); p != "" {
		return p
	}
	buildOnce.Do(func() { buildPath, buildErr = build() })
	if errors.Is(buildErr, exec.ErrNotFound) {
		tb.Skipf("mailpittest: the go command is needed to build Mailpit: %v", buildErr)
	}
	if buildErr != nil {
		tb.Fatalf("mailpittest: %v", buildErr)
	}
	return buildPath
}

func build() (string, error) {
	tools, err := toolsDir()
	if err != nil {
		return "", err
	}
	gomod, err := os.ReadFile(filepath.Join(tools, "go.mod"))
	if err != nil {
		return "", err
	}
	gosum, _ := os.ReadFile(filepath.Join(tools, "go.sum"))
	version := moduleVersion(gomod, mailpitModule)
	if version == "" {
		return "", fmt.Errorf("%s/go.mod does not require %s", tools, mailpitModule)
	}
	// The name changes with the versions pinned and with the Go release, so
	// an upgrade never runs a stale binary.
	h := sha256.New()
	h.Write(gomod)
	h.Write(gosum)
	h.Write([]byte(runtime.Version()))
	key := hex.EncodeToString(h.Sum(nil))[:12]

	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "crmdigest")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mailpit-"+version+"-"+key)
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}

	lock, err := os.OpenFile(filepath.Join(dir, "mailpit.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	unlock, err := lockFile(lock)
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin, nil // built by another test binary while we waited
	}

	goCmd, err := goCommand()
	if err != nil {
		return "", err
	}
	tmp := bin + ".tmp" + fmt.Sprint(os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", tmp, mailpitModule)
	cmd.Dir = tools
	// Build for this machine whatever the test's cross-compilation settings.
	cmd.Env = append(os.Environ(), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build mailpit %s in %s: %v\n%s", version, tools, err, out.String())
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// toolsDir finds tools/go.mod: beside this source file when the test runs
// from a checkout, else in a parent of the working directory.
func toolsDir() (string, error) {
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "..", "tools"))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			candidates = append(candidates, filepath.Join(d, "tools"))
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, "go.mod")); err == nil {
			return filepath.Abs(c)
		}
	}
	return "", errors.New("cannot find tools/go.mod, which pins the Mailpit version")
}

func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("go command: %w", exec.ErrNotFound)
}

// moduleVersion finds "module vX" in a go.mod's require lines.
func moduleVersion(gomod []byte, module string) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(f) >= 2 && f[0] == module {
			return f[1]
		}
	}
	return ""
}

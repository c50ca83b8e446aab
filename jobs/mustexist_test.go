package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// With MustExist, Open refuses a SQLite store that is not there and
// creates nothing; once the store exists, it opens it.
func TestOpenMustExist(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", "crmdigest.db")
	_, err := Open(ctx, path, Options{MustExist: true})
	if !errors.Is(err, ErrNoStore) {
		t.Fatalf("Open(MustExist) of a missing store: %v, want ErrNoStore", err)
	}
	if want := "no store at " + path; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("the store's folder was created (stat: %v)", err)
	}
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, "sqlite://"+path, Options{MustExist: true})
	if err != nil {
		t.Fatalf("Open(MustExist) of an existing store: %v", err)
	}
	s.Close()
}

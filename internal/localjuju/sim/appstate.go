package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// appOf returns the application of the first unit named in units, then in
// bags ("vault/1" gives "vault"); "" when there is none.
func appOf(units []string, bags map[string]map[string]string) string {
	names := append([]string(nil), units...)
	names = append(names, SortedUnitKeys(bags)...)
	for _, u := range names {
		if app, _, ok := strings.Cut(u, "/"); ok && app != "" {
			return app
		}
	}
	return ""
}

// stateFile is the name of the state file the simulator of charm keeps for
// application app.
func stateFile(charm, app string) string { return charm + "-" + app + ".json" }

// stateFiles lists the state files of charm's simulator in dir, for the
// calls that do not know the application's name.
func stateFiles(dir, charm string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, charm+"-*.json"))
	if err != nil {
		return nil, fmt.Errorf("list %s state: %w", charm, err)
	}
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		out = append(out, filepath.Base(m))
	}
	return out, nil
}

// checkAppName rejects application names that cannot be part of a file
// name.
func checkAppName(app string) error {
	if app == "" || strings.ContainsAny(app, `/\`) || strings.HasPrefix(app, ".") {
		return fmt.Errorf("invalid application name %q", app)
	}
	return nil
}

// withLock runs fn holding the exclusive lock withState takes on dir, for
// readers that must not see a state half written (and must not create
// one). A missing dir gives an error matching os.ErrNotExist.
func withLock(dir string, fn func() error) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("simulator state: %w", err)
	}
	unlock, err := atomicfile.Lock(filepath.Join(dir, ".lock"))
	if err != nil {
		return fmt.Errorf("simulator state: %w", err)
	}
	defer unlock()
	return fn()
}

// readState decodes the state file name of dir under the lock; ok is false
// when the simulator has not written it yet.
func readState(dir, name string, v any) (ok bool, err error) {
	err = withLock(dir, func() error { return readJSON(filepath.Join(dir, name), v) })
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// replaceOwned returns a copy of old without the keys owned reports, plus
// add.
func replaceOwned(old map[string]string, owned func(string) bool, add map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range old {
		if !owned(k) {
			out[k] = v
		}
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

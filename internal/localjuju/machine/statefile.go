package machine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// newState is the state of a fresh machine.
func newState() *State {
	return &State{
		Packages: map[string]string{},
		Services: map[string]hosttest.ServiceState{},
		Restarts: map[string]int{},
		Reloads:  map[string]int{},
	}
}

// readState loads machine.json (a fresh state when missing).
func readState(root string) (*State, error) {
	st := newState()
	data, err := os.ReadFile(filepath.Join(root, stateDir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read machine state: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read machine state: %w", err)
	}
	return st, nil // into newState's maps: writeState never writes null
}

// writeState saves machine.json atomically.
func writeState(root string, st *State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("write machine state: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(root, stateDir, stateFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write machine state: %w", err)
	}
	return nil
}

// LoadState returns the unit's machine state, with the enabled Apache sites and modules.
func LoadState(root string) (State, error) {
	m := &machine{root: root}
	st, err := m.snapshot()
	if err != nil {
		return State{}, err
	}
	st.Sites = enabledNames(filepath.Join(root, "etc/apache2/sites-enabled"), ".conf")
	st.Modules = enabledNames(filepath.Join(root, "etc/apache2/mods-enabled"), ".load")
	return *st, nil
}

// enabledNames lists the names of dir's entries with suffix, sorted.
func enabledNames(dir, suffix string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			out = append(out, strings.TrimSuffix(e.Name(), suffix))
		}
	}
	sort.Strings(out)
	return out
}

// logCommand appends one line to commands.log under the lock.
func (m *machine) logCommand(argv []string, code int) error {
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	line, err := json.Marshal(LoggedCommand{Argv: argv, Time: time.Now().UTC(), Exit: code})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(m.path(filepath.Join(stateDir, logFile)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CommandLog returns every command the unit's stand-ins ran, in order.
func CommandLog(root string) ([]LoggedCommand, error) {
	data, err := os.ReadFile(filepath.Join(root, stateDir, logFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read command log: %w", err)
	}
	var out []LoggedCommand
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var c LoggedCommand
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("read command log: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

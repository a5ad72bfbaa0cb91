// Package localjuju is a local, controller-free emulation of a Juju model: it
// keeps applications, units, relations and their data bags in a model
// directory, runs the real built charm's dispatch for every hook in Juju's
// order (its hook tools are Juju's own, served by the unit agent,
// internal/localjuju/agent, from the unit's state), and
// simulates peer applications (internal/localjuju/sim) that answer over the
// real relation wire formats.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package localjuju

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/mariadb"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/rabbitmq"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

// JujuVersion is the Juju version the model emulates.
const JujuVersion = "3.6.11"

// DefaultDir is the model directory used when none is given.
const DefaultDir = ".localjuju"

const (
	stateFormat        = 1
	defaultHookTimeout = 5 * time.Minute
	defaultMaxHooks    = 2000
	maxLogEntries      = 20000
	maxStatusHistory   = 100
	defaultSubnet      = "10.5.0"
)

// Options tune a model opened with OpenWith.
type Options struct {
	// ToolsBinary is linked as the machine commands: a binary that answers
	// to those names (cmd/localjuju-tools, or the localjuju multi-call
	// binary). Default: the localjuju-tools file next to the running
	// executable if there is one, else the running executable.
	ToolsBinary string
	// AgentDir holds the unit agent (localjuju-agent) and Juju's jujuc
	// client that serve every hook's tools (scripts/build-agent.sh builds
	// both). Default: the directory of the running executable.
	AgentDir string
	// MySQLDSN is the root DSN of an existing MySQL/MariaDB server. When
	// empty (and none was recorded in the model) a private server is started
	// under <dir>/mariadb the first time a mysql simulator needs it.
	MySQLDSN string
	// Subnet is the first three octets of the /24 a new model's machines
	// get their addresses from (default 10.5.0); an existing model keeps
	// its own.
	Subnet string
	// HookTimeout kills a hook or action that runs longer (default 5m).
	HookTimeout time.Duration
	// MaxHooks caps the hooks one Settle may run (default 2000).
	MaxHooks int
	// Progress, if set, receives one line per hook run.
	Progress io.Writer
	// NewSim builds simulated applications (default sim.New); tests may
	// supply their own simulators.
	NewSim func(charm string, config map[string]string, env sim.Env) (sim.App, error)
}

// Model is an open model directory. It holds an exclusive lock on the
// directory until Close.
type Model struct {
	dir    string
	opts   Options
	st     *State
	unlock func()
	charms map[string]*charmInfo
	db     *mariadb.Server
	// stopped holds where the private MariaDB listened while StopDatabase
	// keeps it down; nil otherwise.
	stopped *mariadb.Options
	// rabbit is the private RabbitMQ node, once a rabbitmq-server
	// simulator needed it.
	rabbit *rabbitmq.Server
}

// Open opens (creating if needed) the model in dir with default options.
func Open(dir string) (*Model, error) {
	return OpenWith(dir, Options{})
}

// OpenWith opens (creating if needed) the model in dir.
func OpenWith(dir string, opts Options) (*Model, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open model %s: %w", dir, err)
	}
	if opts.AgentDir == "" || opts.ToolsBinary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("open model %s: find own executable: %w", dir, err)
		}
		if opts.AgentDir == "" {
			opts.AgentDir = dirOf(exe)
		}
		if opts.ToolsBinary == "" {
			opts.ToolsBinary = cmp.Or(toolsBinaryNextTo(exe), exe)
		}
	}
	if opts.AgentDir, err = filepath.Abs(opts.AgentDir); err != nil {
		return nil, fmt.Errorf("open model %s: %w", dir, err)
	}
	if opts.ToolsBinary, err = filepath.Abs(opts.ToolsBinary); err != nil {
		return nil, fmt.Errorf("open model %s: %w", dir, err)
	}
	if opts.HookTimeout <= 0 {
		opts.HookTimeout = defaultHookTimeout
	}
	if opts.NewSim == nil {
		opts.NewSim = sim.New
	}
	if ip := net.ParseIP(cmp.Or(opts.Subnet, defaultSubnet) + ".0"); ip.To4() == nil || strings.Contains(opts.Subnet, ":") {
		return nil, fmt.Errorf("open model %s: subnet %q is not three octets of an IPv4 address", dir, opts.Subnet)
	}
	if opts.MaxHooks <= 0 {
		opts.MaxHooks = defaultMaxHooks
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open model %s: %w", dir, err)
	}
	unlock, err := atomicfile.Lock(filepath.Join(abs, "state.lock"))
	if err != nil {
		return nil, fmt.Errorf("open model %s: %w", dir, err)
	}
	m := &Model{dir: abs, opts: opts, unlock: unlock, charms: map[string]*charmInfo{}}
	if err := m.load(); err != nil {
		m.Close()
		return nil, err
	}
	if opts.MySQLDSN != "" && opts.MySQLDSN != m.st.MySQLDSN {
		m.st.MySQLDSN = opts.MySQLDSN
	}
	if err := m.linkBinary(); err != nil {
		m.Close()
		return nil, err
	}
	if err := m.save(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Close saves nothing further and releases the model lock. The private
// MariaDB server, if started, keeps running (destroy stops it).
func (m *Model) Close() error {
	if m.unlock != nil {
		m.unlock()
		m.unlock = nil
	}
	return nil
}

// Dir returns the model directory (absolute).
func (m *Model) Dir() string { return m.dir }

// State returns a deep copy of the model state.
func (m *Model) State() (*State, error) { return m.st.clone() }

// toolsBinaryName is the file name of the machine commands' binary
// (cmd/localjuju-tools).
const toolsBinaryName = "localjuju-tools"

// agentBinaryName is the unit agent's file name in Options.AgentDir.
const agentBinaryName = "localjuju-agent"

// dirOf returns the directory of exe, symlinks resolved.
func dirOf(exe string) string {
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return filepath.Dir(exe)
}

// toolsBinaryNextTo returns the localjuju-tools executable in the directory
// of exe (symlinks resolved), or "" if there is none.
func toolsBinaryNextTo(exe string) string {
	p := filepath.Join(dirOf(exe), toolsBinaryName)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return p
	}
	return ""
}

func (m *Model) statePath() string { return filepath.Join(m.dir, "state.json") }

// toolsLink is what the machine commands link to.
func (m *Model) toolsLink() string { return filepath.Join(m.dir, "bin", toolsBinaryName) }
func (m *Model) unitDir(unit string) string {
	return filepath.Join(m.dir, "units", unitFileName(unit))
}
func (m *Model) unitCharmDir(unit string) string { return filepath.Join(m.unitDir(unit), "charm") }
func (m *Model) unitRoot(unit string) string     { return filepath.Join(m.unitDir(unit), "root") }
func (m *Model) simStateDir(app string) string   { return filepath.Join(m.dir, "sims", app) }
func (m *Model) removedUnitDir(unit string) string {
	return filepath.Join(m.dir, "removed", unitFileName(unit))
}
func (m *Model) mariadbDir() string { return filepath.Join(m.dir, "mariadb") }

func (m *Model) rabbitDir() string { return filepath.Join(m.dir, "rabbitmq") }

// unitFileName turns "panko/0" into "panko-0".
func unitFileName(unit string) string { return strings.ReplaceAll(unit, "/", "-") }

func (m *Model) load() error {
	data, err := os.ReadFile(m.statePath())
	if errors.Is(err, os.ErrNotExist) {
		m.st = &State{
			Format:       stateFormat,
			Name:         "local",
			UUID:         newUUID(),
			Subnet:       m.opts.Subnet,
			Applications: map[string]*Application{},
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read model state: %w", err)
	}
	st := &State{}
	if err := json.Unmarshal(data, st); err != nil {
		return fmt.Errorf("parse %s: %w", m.statePath(), err)
	}
	if st.Format != stateFormat {
		return fmt.Errorf("parse %s: unsupported state format %d", m.statePath(), st.Format)
	}
	if st.Applications == nil {
		st.Applications = map[string]*Application{}
	}
	m.st = st
	return nil
}

// save writes state.json atomically.
func (m *Model) save() error {
	if len(m.st.Log) > maxLogEntries {
		m.st.Log = append([]LogEntry(nil), m.st.Log[len(m.st.Log)-maxLogEntries:]...)
	}
	data, err := json.MarshalIndent(m.st, "", " ")
	if err != nil {
		return fmt.Errorf("save model state: %w", err)
	}
	if err := atomicfile.Write(m.statePath(), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save model state: %w", err)
	}
	return nil
}

// linkBinary points <model>/bin/localjuju-tools at the tools binary: unit
// roots link their machine commands to it.
func (m *Model) linkBinary() error {
	if err := replaceSymlink(m.opts.ToolsBinary, m.toolsLink()); err != nil {
		return fmt.Errorf("link localjuju tools binary: %w", err)
	}
	return nil
}

// replaceSymlink makes link point at target, replacing what was there.
func replaceSymlink(target, link string) error {
	if cur, err := os.Readlink(link); err == nil && cur == target {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	tmp := link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, link)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return fmt.Sprintf("%x", b)
}

// Destroy stops the private MariaDB server and RabbitMQ node (if the model
// started them) and
// removes the model directory. The model is closed afterwards.
func (m *Model) Destroy(ctx context.Context) error {
	var errs []error
	if _, err := os.Stat(filepath.Join(m.mariadbDir(), "mysqld.pid")); err == nil {
		if err := m.stopMariaDB(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := os.Stat(filepath.Join(m.rabbitDir(), "server.json")); err == nil {
		if srv, err := m.RabbitMQ(ctx); err == nil {
			if err := srv.Stop(ctx); err != nil {
				errs = append(errs, fmt.Errorf("stop the model's RabbitMQ: %w", err))
			}
		}
	}
	dir := m.dir
	if err := m.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, fmt.Errorf("remove model directory: %w", err))
	}
	return errors.Join(errs...)
}

func (m *Model) now() time.Time { return time.Now().UTC() }

// logf appends a model-level log line.
func (m *Model) logf(unit, source, level, format string, args ...any) {
	m.st.Log = append(m.st.Log, LogEntry{
		Time: m.now(), Unit: unit, Source: source, Level: level,
		Message: fmt.Sprintf(format, args...),
	})
}

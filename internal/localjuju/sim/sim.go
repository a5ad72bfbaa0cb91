// Package sim simulates the applications Panko relates to (a MySQL-family
// database, keystone, hacluster, vault, ceilometer and rabbitmq-server) for
// the local model. Each simulator speaks the real wire format from the
// other side of the relation, written from the peer charm's own code and
// sharing none with the charm's relation codecs in internal/relation, and
// does real work where it matters: the mysql simulator creates databases,
// users and grants in a real MariaDB, vault issues certificates from a real
// CA, rabbitmq-server creates users on a real RabbitMQ.
//
// Simulators keep their own state (passwords, ids, the keystone catalog) in
// Env.StateDir, so answers are stable across calls and processes.
//
// Layer localjuju (see internal/layers): it imports the local model, the host
// double and only the charm packages internal/layers lists with a reason;
// only the local model's commands, cmd/bench and tests import it, never the
// charm.
package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// Endpoint roles and scopes, as in metadata.yaml.
const (
	RoleProvides   = "provides"
	RoleRequires   = "requires"
	RolePeers      = "peers"
	ScopeGlobal    = "global"
	ScopeContainer = "container"
)

// Endpoint is one relation endpoint of a simulated application.
type Endpoint struct{ Interface, Role, Scope string }

// Relation is a relation as the simulated application sees it.
type Relation struct {
	ID          int
	Endpoint    string                       // the simulated application's endpoint
	RemoteApp   string                       // the application on the other side
	RemoteUnits map[string]map[string]string // remote unit -> its bag (only units in scope)
	Units       map[string]map[string]string // this application's unit bags now (unit -> bag)
}

// Response holds the full new bags of the units whose data changes. Units
// absent from Units keep their bags; a nil AppData leaves the application
// bag unchanged. Keys the simulator does not own (such as Juju's
// private-address) are carried over from Relation.Units.
type Response struct {
	Units   map[string]map[string]string
	AppData map[string]string
}

// Env is what a simulator may use of the model.
type Env struct {
	StateDir    string                   // private directory for the simulator's state
	MySQLDSN    string                   // root DSN (TCP) of the real MariaDB; needed by "mysql"
	Broker      Broker                   // the real RabbitMQ; needed by "rabbitmq-server"
	UnitAddress func(unit string) string // a unit's address; may be nil
}

// App is a simulated application.
type App interface {
	// Charm is the simulated charm's name ("mysql", "keystone").
	Charm() string
	// Subordinate reports whether units are subordinates (mysql-router).
	Subordinate() bool
	// Endpoints lists the application's endpoints by name.
	Endpoints() map[string]Endpoint
	// Respond computes the application's bags on rel. units are the
	// application's units that take part (for a container-scoped relation,
	// the one subordinate unit whose principal is in rel.RemoteUnits).
	Respond(ctx context.Context, units []string, leader string, rel Relation) (Response, error)
	// Departed is told when rel is removed. Simulators never delete data.
	Departed(ctx context.Context, rel Relation) error
}

// base answers App's fixed questions; every simulator embeds it. Its
// Departed keeps everything, as the peer charms delete nothing then.
type base struct {
	charm string
	sub   bool
	eps   map[string]Endpoint
}

func (b base) Charm() string                            { return b.charm }
func (b base) Subordinate() bool                        { return b.sub }
func (b base) Endpoints() map[string]Endpoint           { return maps.Clone(b.eps) }
func (b base) Departed(context.Context, Relation) error { return nil }

// New builds the simulator of charm ("mysql", "keystone", "hacluster",
// "vault", "ceilometer", "rabbitmq-server" or "nrpe") from its
// configuration. Unknown options are
// rejected.
func New(charm string, config map[string]string, env Env) (App, error) {
	switch charm {
	case "mysql":
		return newMySQL(config, env)
	case "keystone":
		return newKeystone(config, env)
	case "hacluster":
		return newHACluster(config, env)
	case "vault":
		return newVault(config, env)
	case "ceilometer":
		return newCeilometer(config, env)
	case "rabbitmq-server":
		return newRabbitMQ(config, env)
	case "nrpe":
		return newNRPE(config, env)
	}
	return nil, fmt.Errorf("no simulator for charm %q (have mysql, keystone, hacluster, vault, ceilometer, rabbitmq-server, nrpe)", charm)
}

// checkOptions rejects configuration keys not in known.
func checkOptions(charm string, config map[string]string, known ...string) error {
	var unknown []string
	for k := range config {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		sort.Strings(known)
		return fmt.Errorf("%s simulator: unknown option(s) %s (known: %s)", charm, strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return nil
}

// SortedUnitKeys returns the keys of m sorted as units (application, then
// number).
func SortedUnitKeys[V any](m map[string]V) []string {
	out := slices.Collect(maps.Keys(m))
	SortUnitNames(out)
	return out
}

// replaceKeys returns a copy of old without the keys in owned, plus add.
func replaceKeys(old map[string]string, owned []string, add map[string]string) map[string]string {
	return replaceOwned(old, func(k string) bool { return slices.Contains(owned, k) }, add)
}

// unitAddress finds a unit's address through env or its bag.
func (e Env) unitAddress(unit string, bag map[string]string) string {
	if e.UnitAddress != nil {
		if a := e.UnitAddress(unit); a != "" {
			return a
		}
	}
	if a := bag["ingress-address"]; a != "" {
		return a
	}
	return bag["private-address"]
}

// withState runs fn with an exclusive lock on the simulator's state file
// name in dir, passing its decoded content (zero value when absent) and
// saving it back when fn succeeds.
func withState[T any](dir, name string, fn func(*T) error) error {
	if dir == "" {
		return errors.New("simulator has no state directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	return withLock(dir, func() error {
		path := filepath.Join(dir, name)
		var v T
		if err := readJSON(path, &v); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
		return writeJSON(path, v)
	})
}

// readJSON decodes the JSON file at path into v; a missing file gives an
// error matching os.ErrNotExist.
func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// writeJSON writes v as indented JSON through a temporary file (0600).
func writeJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return atomicfile.Write(path, append(raw, '\n'), 0o600)
}

// pwgenAlphabet is charm-helpers' pwgen alphabet: letters and digits
// without the ambiguous "l0QD1vAEIOUaeiou".
func pwgenAlphabet() string { return "BCFGHJKLMNPRSTVWXYZbcdfghjkmnpqrstwxyz23456789" }

// pwgen returns n random characters of pwgenAlphabet.
func pwgen(n int) (string, error) {
	alphabet := pwgenAlphabet()
	out := make([]byte, n)
	for i := range out {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", fmt.Errorf("generate password: %w", err)
		}
		out[i] = alphabet[k.Int64()]
	}
	return string(out), nil
}

// hexID returns a random 32-hex-digit id like keystone's.
func hexID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// principals pairs each subordinate unit (of mysql-router or hacluster) with the remote (principal) unit
// it lives with: trivially when there is one of each, otherwise by equal
// addresses (a subordinate shares its principal's machine).
func principals(env Env, units []string, rel Relation) (map[string]string, error) {
	out := map[string]string{}
	remote := SortedUnitKeys(rel.RemoteUnits)
	if len(units) == 1 && len(remote) == 1 {
		out[units[0]] = remote[0]
		return out, nil
	}
	for _, sub := range units {
		addr := env.unitAddress(sub, rel.Units[sub])
		var match []string
		for _, p := range remote {
			if addr != "" && env.unitAddress(p, rel.RemoteUnits[p]) == addr {
				match = append(match, p)
			}
		}
		if len(match) > 1 {
			return nil, fmt.Errorf("unit %s: principals %s share its address", sub, strings.Join(match, ", "))
		}
		if len(match) == 1 {
			out[sub] = match[0]
		}
	}
	return out, nil
}

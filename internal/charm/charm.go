// Package charm is the Panko charm's logic: for every hook it reads the
// inputs (config, relations, leadership, the machine), computes a plan with a
// pure function, applies it through the host boundary and sets one status.
// Actions have their own handlers; stop and remove tear the unit down.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package charm

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/host"
	"github.com/openstack-charmers/charm-panko/internal/juju"
)

// RootEnv names the environment variable that roots every machine path
// (default "/"); the local model gives each unit its own root this way.
const RootEnv = "PANKO_HOST_ROOT"

// Deps are the charm's boundaries and clocks.
type Deps struct {
	// Tools are the Juju hook tools.
	Tools juju.Tools
	// Host is the machine.
	Host host.Host
	// Env is the hook environment (unit name, relation, action).
	Env juju.Env
	// DB checks the database over the network; nil uses the MySQL client.
	DB Database
	// HTTP probes URLs (diagnose); nil uses net/http.
	HTTP HTTPProbe
	// LookupAddr is reverse DNS for the certificate name; nil uses the
	// system resolver with a short timeout.
	LookupAddr func(ctx context.Context, addr string) ([]string, error)
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// Random returns n random bytes; nil uses crypto/rand.
	Random func(n int) []byte
	// Stderr receives diagnostics that go to the unit log; nil discards.
	Stderr io.Writer
}

func (d *Deps) defaults() {
	if d.DB == nil {
		d.DB = mysqlDatabase{}
	}
	if d.HTTP == nil {
		d.HTTP = httpProbe{}
	}
	if d.LookupAddr == nil {
		d.LookupAddr = func(ctx context.Context, addr string) ([]string, error) {
			ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			return net.DefaultResolver.LookupAddr(ctx, addr)
		}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Random == nil {
		d.Random = cryptoRandom
	}
	if d.Stderr == nil {
		d.Stderr = io.Discard
	}
}

// Run handles one event: actions go to their handlers, stop and remove tear
// the unit down, update-status checks the workload, and every other hook
// reconciles the unit. Expected incompleteness is a status, not an error; an
// error means Juju should retry the hook.
func Run(ctx context.Context, ev juju.Event, d Deps) error {
	d.defaults()
	if ev.Kind == juju.Action {
		return runAction(ctx, ev.Name, d)
	}
	switch ev.Name {
	case "stop", "remove":
		return teardown(ctx, ev.Name, d)
	case "update-status":
		return updateStatus(ctx, d)
	case "collect-metrics", "meter-status-changed", "leader-deposed":
		return nil
	case "pre-series-upgrade":
		return preSeriesUpgrade(ctx, d)
	case "post-series-upgrade":
		return postSeriesUpgrade(ctx, ev, d)
	}
	return reconcile(ctx, ev, d)
}

// reconcile is the level-based path every hook takes.
func reconcile(ctx context.Context, ev juju.Event, d Deps) error {
	_, err := reconcileWith(ctx, ev, d, false)
	return err
}

// reconcileWith reconciles, allowing an openstack upgrade when upgrade is
// set (the openstack-upgrade action), and returns the plan it applied.
func reconcileWith(ctx context.Context, ev juju.Event, d Deps, upgrade bool) (Plan, error) {
	if d.Host.Exists(SeriesUpgradeMarker) {
		// Between pre- and post-series-upgrade nothing may start the
		// services or replace the status the operator waits for.
		return Plan{}, setStatus(ctx, d, seriesUpgradeStatus)
	}
	if dying, err := leaving(ctx, d); dying || err != nil {
		return Plan{}, err
	}
	in, err := readInputs(ctx, ev, d)
	if err != nil {
		return Plan{}, err
	}
	in.UpgradeRequested = upgrade
	p := plan(in)
	return p, apply(ctx, in, p, d)
}

func logf(ctx context.Context, d Deps, level juju.Level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if err := d.Tools.Log(ctx, level, msg); err != nil {
		fmt.Fprintf(d.Stderr, "juju-log: %v\n", err)
	}
}

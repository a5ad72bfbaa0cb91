package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
)

// App is the charm's application name in the benchmark models.
const App = "panko"

// subnet is where the benchmark models' machines get their addresses: on
// loopback, so that what diagnose probes (keystone's URL, the API) answers
// or refuses at once on any machine, and the benchmark reaches nothing
// beyond it.
const subnet = "127.5.0"

// vip is the virtual IP of the ha relation: inside the models' subnet and
// above every address the model hands out to the benchmark's units.
const vip = subnet + ".250"

// peerApp is one simulated application the charm relates to.
type peerApp struct {
	charm    string
	endpoint string // the charm's endpoint
	units    int
	config   map[string]string
}

// scenario is one model with the charm deployed and related.
type scenario struct {
	w *workspace
	m *localjuju.Model
	// Missing lists the simulated applications the model could not deploy.
	Missing []string
	// Errors lists hooks that failed (unit: message).
	Errors []string
	// Outcomes lists, by "action: outcome", the units whose action
	// reported that outcome.
	Outcomes map[string][]string
	// phases collects how long each part of the run took.
	phases *[]Phase
}

// deploy adds the charm with units units and every simulated application,
// relates them and runs the first hooks: install for real, everything
// else short-circuited (converge brings the units up to date).
func (s *scenario) deploy(ctx context.Context, units, ceilometers, clusterCount int) error {
	err := s.m.Deploy(ctx, localjuju.DeployArgs{
		Name: App, CharmPath: s.w.stage, Units: units,
		Config: map[string]string{"vip": vip, "action-managed-upgrade": "true"},
	})
	if err != nil {
		return fmt.Errorf("deploy %s: %w", App, err)
	}
	peers := []peerApp{
		{charm: "mysql", endpoint: "shared-db", units: 1},
		{charm: "keystone", endpoint: "identity-service", units: 1},
		{charm: "hacluster", endpoint: "ha", config: map[string]string{"cluster_count": fmt.Sprint(clusterCount)}},
		{charm: "vault", endpoint: "certificates", units: 1},
		{charm: "ceilometer", endpoint: "event-service", units: ceilometers},
		{charm: "rabbitmq-server", endpoint: "amqp", units: 1},
	}
	for _, p := range peers {
		if err := s.m.Deploy(ctx, localjuju.DeployArgs{Charm: p.charm, Units: p.units, Config: p.config}); err != nil {
			s.Missing = append(s.Missing, fmt.Sprintf("%s (%v)", p.charm, err))
			continue
		}
		if _, err := s.m.Relate(ctx, App+":"+p.endpoint, p.charm); err != nil {
			return fmt.Errorf("relate %s: %w", p.charm, err)
		}
	}
	if err := s.w.skipHooks(true); err != nil {
		return err
	}
	if err := s.w.setPhase("deploy"); err != nil {
		return err
	}
	return s.settle(ctx)
}

// settle runs every queued hook; failed hooks are recorded and resolved
// without retry so that the benchmark goes on.
func (s *scenario) settle(ctx context.Context) error {
	for i := 0; i < 5; i++ {
		if err := s.m.Settle(ctx); err != nil {
			return fmt.Errorf("settle: %w", err)
		}
		errored := s.m.ErroredUnits()
		if len(errored) == 0 {
			return nil
		}
		for _, u := range sortedKeys(errored) {
			s.Errors = append(s.Errors, u+": "+errored[u])
			if err := s.m.Resolve(ctx, u, false); err != nil {
				return fmt.Errorf("resolve %s: %w", u, err)
			}
		}
	}
	return fmt.Errorf("settle: units keep failing: %s", strings.Join(s.Errors, "; "))
}

// units lists the charm's units.
func (s *scenario) units() []string {
	return sim.SortedUnitKeys(s.m.Status().Applications[App].Units)
}

// converge brings units up to date cheaply: each round runs config-changed
// for real on every unit in units and short-circuits the relation hooks it
// sets off; it stops after a round that set nothing off (every bag is
// stable) and returns the number of rounds. With mustSettle it fails when
// maxRounds were not enough.
func (s *scenario) converge(ctx context.Context, name string, units []string, maxRounds int, mustSettle bool) (int, error) {
	for round := 1; round <= maxRounds; round++ {
		label := fmt.Sprintf("%s-%d", name, round)
		if err := s.w.skipHooks(true, "hooks/config-changed"); err != nil {
			return round, err
		}
		if err := s.w.setPhase(label); err != nil {
			return round, err
		}
		for _, u := range units {
			if err := s.m.Fire(ctx, u, "config-changed", -1, ""); err != nil {
				return round, fmt.Errorf("fire config-changed on %s: %w", u, err)
			}
		}
		if err := s.settle(ctx); err != nil {
			return round, err
		}
		samples, err := loadSamples(s.w.control)
		if err != nil {
			return round, err
		}
		skipped, ran := 0, 0
		for _, sm := range samples {
			if sm.Phase != label {
				continue
			}
			if sm.Skipped {
				skipped++
			} else {
				ran++
			}
		}
		s.w.logf("  %s: %d hooks run, %d set off and short-circuited", label, ran, skipped)
		if skipped == 0 {
			return round, s.w.skipHooks(false)
		}
	}
	if err := s.w.skipHooks(false); err != nil {
		return maxRounds, err
	}
	if !mustSettle {
		return maxRounds, nil
	}
	return maxRounds, fmt.Errorf("the units did not converge within %d rounds (relation data keeps changing)", maxRounds)
}

// statuses returns each unit's workload status.
func (s *scenario) statuses() map[string]string {
	out := map[string]string{}
	for u, st := range s.m.Status().Applications[App].Units {
		out[u] = st.WorkloadStatus.Current + ": " + st.WorkloadStatus.Message
	}
	return out
}

// remoteUnit is the first unit on the other side of unit's relation on
// endpoint (another unit for the peer relation), "" when none.
func (s *scenario) remoteUnit(unit, endpoint string) string {
	info, err := s.m.ShowUnit(unit)
	if err != nil {
		return ""
	}
	for _, ri := range info[unit].RelationInfo {
		if ri.Endpoint != endpoint {
			continue
		}
		var names []string
		for n := range ri.RelatedUnits {
			if n != unit {
				names = append(names, n)
			}
		}
		sim.SortUnitNames(names)
		if len(names) > 0 {
			return names[0]
		}
	}
	return ""
}

// step is one measured kind of hook or action.
type step struct {
	// Name is the row of the results ("update-status",
	// "config-changed (no change)", "action pause").
	Name string
	// Hook is the hook to fire, or Action the action to run.
	Hook   string
	Action string
	// Endpoint makes Hook a relation hook fired for a remote unit of it.
	Endpoint string
	// Change, for config-changed with a change, returns the config of
	// round r.
	Change func(r int) map[string]string
	// Before, for an action, returns the config set (and settled) before
	// the action of round r.
	Before func(r int) map[string]string
	// LeaderOnly fires only on the first unit, Repeat times per round.
	LeaderOnly bool
	Repeat     int
	// MaxUnits limits the step to the first units (0: all).
	MaxUnits int
}

// dispatch is the path the charm sees for the step.
func (st step) dispatch() string {
	if st.Action != "" {
		return "actions/" + st.Action
	}
	if st.Change != nil {
		return "hooks/config-changed"
	}
	return "hooks/" + st.Hook
}

// run fires the step on units and settles; the samples are the records
// of phase label with the step's dispatch path.
func (s *scenario) run(ctx context.Context, label string, st step, units []string, round int) error {
	if err := s.w.setPhase(label); err != nil {
		return err
	}
	if st.MaxUnits > 0 && len(units) > st.MaxUnits {
		units = units[:st.MaxUnits]
	}
	if st.LeaderOnly {
		units = units[:1]
		for i := 1; i < st.Repeat; i++ {
			units = append(units, units[0])
		}
	}
	switch {
	case st.Action != "":
		if st.Before != nil {
			if err := s.m.Config(ctx, App, st.Before(round), nil); err != nil {
				return fmt.Errorf("config: %w", err)
			}
			if err := s.settle(ctx); err != nil {
				return err
			}
		}
		for _, u := range units {
			res, err := s.m.RunAction(ctx, u, st.Action, nil)
			if err != nil {
				return fmt.Errorf("run %s on %s: %w", st.Action, u, err)
			}
			if res.Status != "completed" {
				s.Errors = append(s.Errors, fmt.Sprintf("%s: action %s %s: %s", u, st.Action, res.Status, res.Message))
			}
			if outcome, ok := res.Results["outcome"].(string); ok {
				key := st.Action + ": " + outcome
				if s.Outcomes == nil {
					s.Outcomes = map[string][]string{}
				}
				s.Outcomes[key] = append(s.Outcomes[key], u)
			}
		}
		return nil
	case st.Change != nil:
		if err := s.m.Config(ctx, App, st.Change(round), nil); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	default:
		for _, u := range units {
			remote := ""
			if st.Endpoint != "" {
				if remote = s.remoteUnit(u, st.Endpoint); remote == "" {
					return fmt.Errorf("%s has no remote unit on %s", u, st.Endpoint)
				}
			}
			if err := s.m.Fire(ctx, u, st.Hook, -1, remote); err != nil {
				return fmt.Errorf("fire %s on %s: %w", st.Hook, u, err)
			}
		}
	}
	return s.settle(ctx)
}

// quietly runs change and settles in phase with every hook but install
// short-circuited (the deployment's storms of relation hooks), then lets
// hooks run for real again.
func (s *scenario) quietly(ctx context.Context, phase string, change func() error) error {
	if err := s.w.skipHooks(true); err != nil {
		return err
	}
	if err := s.w.setPhase(phase); err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	if err := s.settle(ctx); err != nil {
		return err
	}
	return s.w.skipHooks(false)
}

// timed runs fn, logs how long it took and records it as a phase.
func (s *scenario) timed(what string, fn func() error) error {
	start := time.Now()
	err := fn()
	d := time.Since(start)
	s.w.logf("%s: %s", what, d.Round(100*time.Millisecond))
	if s.phases != nil {
		*s.phases = append(*s.phases, Phase{Name: what, Seconds: round2(d.Seconds())})
	}
	return err
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// localValue returns key of unit's own bag on its relation on endpoint.
func (s *scenario) localValue(unit, endpoint, key string) string {
	info, err := s.m.ShowUnit(unit)
	if err != nil {
		return ""
	}
	for _, ri := range info[unit].RelationInfo {
		if ri.Endpoint == endpoint {
			return ri.LocalUnit.Data[key]
		}
	}
	return ""
}

package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// mainSteps are the hooks and actions measured on every unit of the main
// deployment.
func mainSteps() []step {
	steps := []step{
		{Name: "update-status", Hook: "update-status"},
		{Name: "config-changed (no change)", Hook: "config-changed"},
		{Name: "config-changed (change)", Change: func(r int) map[string]string {
			return map[string]string{"debug": strconv.FormatBool(r%2 == 1)}
		}},
		{Name: "upgrade-charm", Hook: "upgrade-charm"},
		{Name: "leader-elected", Hook: "leader-elected", LeaderOnly: true, Repeat: 3},
	}
	for _, ep := range []string{"shared-db", "identity-service", "cluster", "ha", "certificates", "event-service"} {
		steps = append(steps, step{Name: ep + "-relation-changed", Hook: ep + "-relation-changed", Endpoint: ep})
	}
	steps = append(steps, step{Name: "action restart-services", Action: "restart-services", MaxUnits: 2})
	// openstack-upgrade upgrades every unit for real: the main deployment
	// is on focal's ussuri, round 1 moves to victoria, round 2 to wallaby,
	// and later rounds find nothing to upgrade.
	steps = append(steps, step{Name: "action openstack-upgrade", Action: "openstack-upgrade", Before: func(r int) map[string]string {
		origins := []string{"cloud:focal-victoria", "cloud:focal-wallaby"}
		return map[string]string{"openstack-origin": origins[min(r, len(origins))-1]}
	}})
	for _, a := range []string{"diagnose", "pause", "resume"} {
		steps = append(steps, step{Name: "action " + a, Action: a, MaxUnits: 2})
	}
	return steps
}

// scaleSteps are the hooks measured on the first unit at each scale: the
// ones every hook shares, and the relation-changed hook of the relation
// that grows (endpoint).
func scaleSteps(endpoint string) []step {
	return []step{
		{Name: "update-status", Hook: "update-status"},
		{Name: "config-changed (no change)", Hook: "config-changed"},
		{Name: endpoint + "-relation-changed", Hook: endpoint + "-relation-changed", Endpoint: endpoint},
	}
}

// allScaleSteps are the scaling steps of both runs.
func allScaleSteps() []step {
	return append(scaleSteps(EventServiceEndpoint), scaleSteps(ClusterEndpoint)[2])
}

// The endpoints whose related units the scaling runs add.
const (
	EventServiceEndpoint = "event-service"
	ClusterEndpoint      = "cluster"
)

// selectSamples returns the real runs with the dispatch path, of phase and
// on unit unless those are "".
func selectSamples(all []sample, phase, dispatch, unit string) []sample {
	var out []sample
	for _, s := range all {
		if (phase == "" || s.Phase == phase) && s.Dispatch == dispatch && (unit == "" || s.Unit == unit) && !s.Skipped {
			out = append(out, s)
		}
	}
	return out
}

// scaleStats summarizes the scaling steps of endpoint in the phases
// labelled with prefix, on unit unless it is "".
func scaleStats(samples []sample, prefix, endpoint, unit string) map[string]HookStats {
	out := map[string]HookStats{}
	for _, st := range scaleSteps(endpoint) {
		if s := selectSamples(samples, prefix+st.Name, st.dispatch(), unit); len(s) > 0 {
			out[st.Name] = summarize(s)
		}
	}
	return out
}

// hasEndpoint reports whether the first unit has a relation on endpoint.
func (s *scenario) hasEndpoint(endpoint string) bool {
	units := s.units()
	return len(units) > 0 && s.remoteUnit(units[0], endpoint) != ""
}

// benchModels runs the main deployment and the scaling runs.
func benchModels(ctx context.Context, w *workspace, o options, res *Results) error {
	m, err := w.openModel("main", "")
	if err != nil {
		return err
	}
	defer func() {
		if err := m.Destroy(context.Background()); err != nil {
			w.logf("destroy main model: %v", err)
		}
	}()
	sc := &scenario{w: w, m: m, phases: &res.Phases}
	peers := o.peers[0]
	err = sc.timed(fmt.Sprintf("deploy %d units with every relation", peers), func() error {
		return sc.deploy(ctx, peers, o.ceilometer[0], peers)
	})
	if err != nil {
		return err
	}
	var rounds int
	err = sc.timed("converge", func() error {
		var err error
		rounds, err = sc.converge(ctx, "converge", sc.units(), 8, true)
		return err
	})
	if err != nil {
		return err
	}
	res.Deployment = Deployment{Units: sc.units(), Statuses: sc.statuses(), ConvergeRounds: rounds, Missing: sc.Missing,
		PublicURL: sc.localValue(sc.units()[0], "identity-service", "public_url")}

	steps := mainSteps()
	err = sc.timed("hooks and actions on every unit", func() error {
		for r := 1; r <= o.rounds; r++ {
			for _, st := range steps {
				if st.Endpoint != "" && !sc.hasEndpoint(st.Endpoint) {
					continue
				}
				if err := sc.run(ctx, st.Name, st, sc.units(), r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Deployment.StatusesAfter = sc.statuses()
	for _, outcome := range sortedKeys(sc.Outcomes) {
		res.Notes = append(res.Notes, fmt.Sprintf("%s (%s)", outcome, strings.Join(sc.Outcomes[outcome], ", ")))
	}
	samples, err := loadSamples(w.control)
	if err != nil {
		return err
	}
	if note, err := crossCheckCalls(sc, samples); err != nil {
		return err
	} else if note != "" {
		res.Notes = append(res.Notes, note)
	}
	for _, st := range steps {
		if s := selectSamples(samples, st.Name, st.dispatch(), ""); len(s) > 0 {
			res.Hooks[st.Name] = summarize(s)
		}
	}
	// The main deployment is the first point of both scaling runs: the
	// first unit's samples of the scaling hooks.
	first := sc.units()[0]
	res.Scaling = Scaling{Ceilometer: map[string]map[string]HookStats{}, Peers: map[string]map[string]HookStats{}}
	res.Scaling.Peers[strconv.Itoa(peers)] = scaleStats(samples, "", ClusterEndpoint, first)
	res.Scaling.Ceilometer[strconv.Itoa(o.ceilometer[0])] = scaleStats(samples, "", EventServiceEndpoint, first)

	if err := scalePeers(ctx, sc, o, res); err != nil {
		return err
	}
	if err := scaleCeilometer(ctx, sc, o, res); err != nil {
		return err
	}
	samples, err = loadSamples(w.control)
	if err != nil {
		return err
	}
	if installs := selectSamples(samples, "", "hooks/install", ""); len(installs) > 0 {
		res.Hooks["install"] = summarize(installs)
	}
	res.Errors = sc.Errors
	return nil
}

// measureScale runs the scaling steps on the first unit and returns their
// figures, labelled with prefix.
func measureScale(ctx context.Context, sc *scenario, prefix, endpoint string, rounds int) (map[string]HookStats, error) {
	first := sc.units()[:1]
	for r := 1; r <= rounds; r++ {
		for _, st := range scaleSteps(endpoint) {
			if st.Endpoint != "" && !sc.hasEndpoint(st.Endpoint) {
				continue
			}
			if err := sc.run(ctx, prefix+st.Name, st, first, r); err != nil {
				return nil, err
			}
		}
	}
	samples, err := loadSamples(sc.w.control)
	if err != nil {
		return nil, err
	}
	return scaleStats(samples, prefix, endpoint, ""), nil
}

// measureAt measures the scaling steps of endpoint with n units of what
// (the application that grew) and files them under n in into.
func measureAt(ctx context.Context, sc *scenario, n int, what, endpoint string, rounds int, into map[string]map[string]HookStats) error {
	return sc.timed(fmt.Sprintf("scaling hooks with %d %s units", n, what), func() error {
		stats, err := measureScale(ctx, sc, fmt.Sprintf("%s=%d/", what, n), endpoint, rounds)
		into[strconv.Itoa(n)] = stats
		return err
	})
}

// scalePeers measures the first unit with each larger panko unit count,
// then removes the units it added.
func scalePeers(ctx context.Context, sc *scenario, o options, res *Results) error {
	initial := sc.units()
	for _, n := range o.peers[1:] {
		have := len(sc.units())
		if n <= have {
			continue
		}
		err := sc.timed(fmt.Sprintf("add %d panko units", n-have), func() error {
			// Their install is short-circuited too: the real round below
			// installs and publishes in one hook.
			if err := sc.w.skipHooks(true, "skip-install"); err != nil {
				return err
			}
			if err := sc.w.setPhase(fmt.Sprintf("add-peers-%d", n)); err != nil {
				return err
			}
			added, err := sc.m.AddUnit(ctx, App, n-have)
			if err != nil {
				return fmt.Errorf("add units: %w", err)
			}
			if err := sc.settle(ctx); err != nil {
				return err
			}
			// One real round publishes the new units' data; the first
			// unit then catches up once before it is measured.
			if _, err := sc.converge(ctx, fmt.Sprintf("publish-peers-%d", n), added, 1, false); err != nil {
				return err
			}
			return sc.run(ctx, fmt.Sprintf("warm-up-peers-%d", n), step{Hook: "config-changed"}, sc.units()[:1], 1)
		})
		if err != nil {
			return err
		}
		if err := measureAt(ctx, sc, n, "panko", ClusterEndpoint, o.scaleRounds, res.Scaling.Peers); err != nil {
			return err
		}
	}
	var extra []string
	for _, u := range sc.units() {
		if !slices.Contains(initial, u) {
			extra = append(extra, u)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	return sc.timed(fmt.Sprintf("remove %d panko units", len(extra)), func() error {
		return sc.quietly(ctx, "remove-peers", func() error {
			if err := sc.m.RemoveUnit(ctx, extra...); err != nil {
				return fmt.Errorf("remove units: %w", err)
			}
			return nil
		})
	})
}

// scaleCeilometer measures the first unit with each larger ceilometer unit
// count.
func scaleCeilometer(ctx context.Context, sc *scenario, o options, res *Results) error {
	for _, n := range o.ceilometer[1:] {
		have := len(sc.m.Status().Applications["ceilometer"].Units)
		if have == 0 {
			res.Notes = append(res.Notes, "no ceilometer simulator: ceilometer scaling not measured")
			return nil
		}
		if n > have {
			err := sc.timed(fmt.Sprintf("add %d ceilometer units", n-have), func() error {
				return sc.quietly(ctx, fmt.Sprintf("add-ceilometer-%d", n), func() error {
					if _, err := sc.m.AddUnit(ctx, "ceilometer", n-have); err != nil {
						return fmt.Errorf("add ceilometer units: %w", err)
					}
					return nil
				})
			})
			if err != nil {
				return err
			}
		}
		if err := measureAt(ctx, sc, n, "ceilometer", EventServiceEndpoint, o.scaleRounds, res.Scaling.Ceilometer); err != nil {
			return err
		}
	}
	return nil
}

// crossCheckCalls compares the hook-tool calls toolbox counted with the
// calls the model counted for the charm's units.
func crossCheckCalls(sc *scenario, samples []sample) (string, error) {
	st, err := sc.m.State()
	if err != nil {
		return "", fmt.Errorf("model state: %w", err)
	}
	model := 0
	if app := st.Applications[App]; app != nil {
		for _, u := range app.Units {
			for _, n := range u.ToolCalls {
				model += n
			}
		}
	}
	counted := 0
	for _, s := range samples {
		counted += s.ToolCalls()
	}
	if counted == model {
		return fmt.Sprintf("hook-tool calls counted by toolbox agree with the model's count (%d calls so far)", model), nil
	}
	return fmt.Sprintf("hook-tool calls counted by toolbox (%d) differ from the model's count (%d)", counted, model), nil
}

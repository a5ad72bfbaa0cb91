package localjuju

import (
	"context"
	"fmt"
	"strings"
)

// Settle runs every unit's hooks, round-robin one hook per unit per pass,
// letting simulators answer after each hook, until no unit has anything
// left to run (units in error wait for Resolve). It fails when the model
// does not settle within the hook cap (Options.MaxHooks), which usually
// means a charm rewrites relation or leader data in every hook.
func (m *Model) Settle(ctx context.Context) error {
	ran := 0
	var recent []string
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := m.respondSims(ctx); err != nil {
			m.save()
			return err
		}
		if err := m.reap(ctx); err != nil {
			m.save()
			return err
		}
		progressed := false
		for _, name := range m.st.sortedAppNames() {
			a := m.st.Applications[name]
			if a == nil || a.Kind != KindCharm {
				continue
			}
			for _, u := range append([]*Unit(nil), a.Units...) {
				h, ok := m.nextHook(a, u)
				if !ok {
					continue
				}
				if ran >= m.opts.MaxHooks {
					m.save()
					return fmt.Errorf("the model did not settle after %d hooks; the last ones were: %s", ran, strings.Join(recent, ", "))
				}
				if err := m.runHook(ctx, a, u, h); err != nil {
					m.save()
					return err
				}
				ran++
				recent = append(recent, u.Name+" "+m.hookName(a, h))
				if len(recent) > 8 {
					recent = recent[1:]
				}
				progressed = true
				if err := m.respondSims(ctx); err != nil {
					m.save()
					return err
				}
				if err := m.save(); err != nil {
					return err
				}
			}
		}
		if !progressed {
			if err := m.reap(ctx); err != nil {
				m.save()
				return err
			}
			return m.save()
		}
	}
}

// ErroredUnits lists units in error with their agent message.
func (m *Model) ErroredUnits() map[string]string {
	out := map[string]string{}
	for _, a := range m.st.Applications {
		for _, u := range a.Units {
			if u.Failed != nil {
				out[u.Name] = u.Agent.Message
			}
		}
	}
	return out
}

// Resolve clears a unit's hook error. With retry the failed hook runs
// again on the next Settle; without it the hook counts as done.
func (m *Model) Resolve(ctx context.Context, unit string, retry bool) error {
	a, u, err := m.st.unit(unit)
	if err != nil {
		return err
	}
	if u.Failed == nil {
		return fmt.Errorf("unit %q is not in an error state", unit)
	}
	if retry {
		u.Retry = true
	} else {
		h := *u.Failed
		u.Failed, u.Retry = nil, false
		m.commitHook(a, u, h)
		m.setAgent(u, "idle", "", nil)
	}
	m.logf(unit, "model", "INFO", "resolved (retry=%v)", retry)
	return m.save()
}

// Fire queues a hook on a unit: a plain hook name ("update-status",
// "config-changed", "upgrade-charm", ...) or a relation hook
// ("<endpoint>-relation-<kind>"; relID picks the relation when the
// endpoint has several, -1 for the only one; remoteUnit names the remote
// unit for unit-level relation hooks).
func (m *Model) Fire(ctx context.Context, unit, hook string, relID int, remoteUnit string) error {
	a, u, err := m.st.unit(unit)
	if err != nil {
		return err
	}
	if a.Kind != KindCharm {
		return fmt.Errorf("cannot fire %s on %s: it is a simulated unit", hook, unit)
	}
	if u.Failed != nil {
		return fmt.Errorf("cannot fire %s on %s: the unit is in error (%s); resolve it first", hook, unit, u.Agent.Message)
	}
	if u.Life != lifeAlive {
		return fmt.Errorf("cannot fire %s on %s: the unit is dying", hook, unit)
	}
	h := Hook{Fired: true}
	switch hook {
	case hookInstall, hookStart, hookStop, hookConfigChanged, hookUpgradeCharm, hookUpdateStatus,
		hookLeaderElected, hookLeaderSettingsChanged, "collect-metrics", "pre-series-upgrade", "post-series-upgrade":
		h.Kind = hook
	default:
		ep, kind, ok := strings.Cut(hook, "-relation-")
		if !ok {
			return fmt.Errorf("cannot fire %q on %s: not a hook name", hook, unit)
		}
		switch kind {
		case "created", "joined", "changed", "departed", "broken":
		default:
			return fmt.Errorf("cannot fire %q on %s: unknown relation hook kind %q", hook, unit, kind)
		}
		if _, ok := a.Endpoints[ep]; !ok {
			return fmt.Errorf("cannot fire %q on %s: application %q has no endpoint %q", hook, unit, a.Name, ep)
		}
		r, err := m.relationForFire(a, u, ep, relID)
		if err != nil {
			return fmt.Errorf("cannot fire %q on %s: %w", hook, unit, err)
		}
		h.Kind = "relation-" + kind
		h.RelationID = r.ID
		h.RemoteApp = r.otherEndpoint(a.Name).App
		h.RemoteUnit = remoteUnit
		if remoteUnit == "" && (kind == "joined" || kind == "departed") {
			return fmt.Errorf("cannot fire %q on %s: --remote-unit is required", hook, unit)
		}
		if kind == "departed" {
			h.DepartingUnit = remoteUnit
		}
	}
	u.Queue = append(u.Queue, h)
	m.logf(unit, "model", "INFO", "queued %s", hook)
	return m.save()
}

func (m *Model) relationForFire(a *Application, u *Unit, ep string, relID int) (*Relation, error) {
	var found []*Relation
	for _, r := range m.relationsOf(a.Name) {
		e, _ := r.endpointOf(a.Name)
		if e.Name != ep || u.Relations[r.ID] == nil {
			continue
		}
		if relID >= 0 && r.ID != relID {
			continue
		}
		found = append(found, r)
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no relation on endpoint %q", ep)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("endpoint %q has %d relations; choose one with -r", ep, len(found))
}

// Refresh upgrades a real-charm application to a new charm (archive or
// directory): every unit gets the new charm and runs upgrade-charm, then
// config-changed.
func (m *Model) Refresh(ctx context.Context, app, charmPath string) error {
	a, err := m.st.app(app)
	if err != nil {
		return err
	}
	if a.Kind != KindCharm {
		return fmt.Errorf("cannot refresh %s: it is a simulated application", app)
	}
	if err := checkAlive(a); err != nil {
		return fmt.Errorf("cannot refresh %s: %w", app, err)
	}
	archive, info, err := m.importCharm(charmPath, a.Name)
	if err != nil {
		return fmt.Errorf("refresh %s: %w", app, err)
	}
	if info.meta.Name != a.Charm {
		return fmt.Errorf("refresh %s: charm %q is not %q", app, info.meta.Name, a.Charm)
	}
	a.Archive = archive
	a.Revision++
	a.Endpoints = charmEndpoints(info.meta)
	a.ExtraBindings = extraBindings(info.meta)
	for _, u := range a.Units {
		if err := m.expandCharm(a, u.Name); err != nil {
			return err
		}
		if u.Installed && u.Life == lifeAlive {
			u.Queue = append(u.Queue, Hook{Kind: hookUpgradeCharm})
		}
	}
	m.logf("", "model", "INFO", "refreshed %s to %s", app, archive)
	return m.save()
}

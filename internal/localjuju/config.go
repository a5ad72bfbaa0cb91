package localjuju

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
)

// ConfigValue is one option as `juju config APP` shows it.
type ConfigValue struct {
	Type        string `json:"type,omitempty" yaml:"type,omitempty"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	Default     any    `json:"default,omitempty" yaml:"default,omitempty"`
	Source      string `json:"source" yaml:"source"`
	Value       any    `json:"value,omitempty" yaml:"value,omitempty"`
}

// Config sets (k=v) and resets options of an application. Changed values
// make every unit run config-changed on the next Settle.
func (m *Model) Config(ctx context.Context, app string, set map[string]string, reset []string) error {
	a, err := m.st.app(app)
	if err != nil {
		return err
	}
	if err := checkAlive(a); err != nil {
		return fmt.Errorf("config %s: %w", app, err)
	}
	next := copyBag(a.Config)
	for k, v := range set {
		next[k] = v
	}
	for _, k := range reset {
		delete(next, k)
	}
	switch a.Kind {
	case KindCharm:
		info, err := m.charmOf(a)
		if err != nil {
			return err
		}
		for _, k := range reset {
			if _, ok := info.config.Options[k]; !ok {
				return fmt.Errorf("config %s: unknown option %q", app, k)
			}
		}
		if _, err := info.config.ParseSettingsStrings(next); err != nil {
			return fmt.Errorf("config %s: %w", app, err)
		}
	case KindSim:
		probe := *a
		probe.Config = next
		s, err := m.simFor(ctx, &probe)
		if err != nil {
			return fmt.Errorf("config %s: %w", app, err)
		}
		if s.Subordinate() != a.Subordinate {
			return fmt.Errorf("config %s: this change would turn the application into a %s; deploy a new application instead", app, map[bool]string{true: "subordinate", false: "principal"}[s.Subordinate()])
		}
		m.markRelationsDirty(app)
	}
	a.Config = next
	m.logf("", "model", "INFO", "config of %s changed", app)
	return m.save()
}

// ConfigValues returns every option of an application with its value.
func (m *Model) ConfigValues(app string) (map[string]ConfigValue, error) {
	a, err := m.st.app(app)
	if err != nil {
		return nil, err
	}
	out := map[string]ConfigValue{}
	if a.Kind == KindSim {
		for k, v := range a.Config {
			out[k] = ConfigValue{Source: "user", Value: v}
		}
		return out, nil
	}
	info, err := m.charmOf(a)
	if err != nil {
		return nil, err
	}
	set, err := info.config.ParseSettingsStrings(a.Config)
	if err != nil {
		return nil, fmt.Errorf("config of %s: %w", app, err)
	}
	for name, opt := range info.config.Options {
		cv := ConfigValue{Type: opt.Type, Description: opt.Description, Default: opt.Default, Source: "default", Value: opt.Default}
		if v, ok := set[name]; ok {
			cv.Source, cv.Value = "user", v
		}
		out[name] = cv
	}
	return out, nil
}

// hookConfig returns the typed values set on the application; the unit
// agent lays them over the charm's defaults (agent.configSettings).
func (m *Model) hookConfig(a *Application) (map[string]any, error) {
	info, err := m.charmOf(a)
	if err != nil {
		return nil, err
	}
	set, err := info.config.ParseSettingsStrings(a.Config)
	if err != nil {
		return nil, fmt.Errorf("config of %s: %w", a.Name, err)
	}
	return set, nil
}

// configHash is what a unit's config-changed reacts to: the application
// config and the unit's addresses.
func (m *Model) configHash(a *Application, u *Unit) string {
	keys := make([]string, 0, len(a.Config))
	for k := range a.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([][2]string, 0, len(keys)+1)
	for _, k := range keys {
		pairs = append(pairs, [2]string{k, a.Config[k]})
	}
	pairs = append(pairs, [2]string{"\x00address", u.Address})
	data, _ := json.Marshal(pairs)
	return fmt.Sprintf("%x", sha256.Sum256(data))
}

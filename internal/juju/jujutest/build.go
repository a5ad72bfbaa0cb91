package jujutest

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/juju/charm/v12"
	"github.com/openstack-charmers/charm-panko/internal/juju"
)

func build(charmDir string, st State) (*Backend, error) {
	meta, err := readCharmFile(charmDir, "metadata.yaml", charm.ReadMeta)
	if err != nil {
		return nil, err
	}
	if meta == nil {
		return nil, fmt.Errorf("%s: no metadata.yaml", charmDir)
	}
	cfg, err := readCharmFile(charmDir, "config.yaml", charm.ReadConfig)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = charm.NewConfig()
	}
	actions, err := readCharmFile(charmDir, "actions.yaml", func(r io.Reader) (*charm.Actions, error) {
		return charm.ReadActionsYaml(meta.Name, r)
	})
	if err != nil {
		return nil, err
	}
	if actions == nil {
		actions = charm.NewActions()
	}

	b := &Backend{
		initial:    st,
		unit:       st.Unit,
		leader:     st.Leader,
		endpoints:  map[string]bool{},
		bindings:   map[string]bool{},
		leaderData: cloneStrings(st.LeaderData),
		networks:   map[string]juju.NetworkInfo{},
		charmState: cloneStrings(st.CharmState),
		resources:  cloneStrings(st.Resources),
		status:     StatusEntry{Status: "unknown"},
		version:    st.Version,
		calls:      map[string]int{},
	}
	if b.unit == "" {
		b.unit = meta.Name + "/0"
	}
	var ok bool
	if b.app, _, ok = strings.Cut(b.unit, "/"); !ok || b.app == "" {
		return nil, fmt.Errorf("unit %q is not <application>/<number>", b.unit)
	}
	for _, rels := range []map[string]charm.Relation{meta.Requires, meta.Provides, meta.Peers} {
		for name := range rels {
			b.endpoints[name], b.bindings[name] = true, true
		}
	}
	for name := range meta.ExtraBindings {
		b.bindings[name] = true
	}

	if b.config, err = configSettings(cfg, st.Config); err != nil {
		return nil, err
	}
	for _, r := range st.Relations {
		rel, err := b.newRelation(r, meta.Peers)
		if err != nil {
			return nil, err
		}
		b.rels = append(b.rels, rel)
	}
	sort.Slice(b.rels, func(i, j int) bool { return b.rels[i].num < b.rels[j].num })
	for binding, n := range st.Networks {
		if binding != "" && !b.bindings[binding] {
			return nil, fmt.Errorf("network binding %q is not an endpoint or extra-binding in metadata.yaml", binding)
		}
		b.networks[binding] = cloneNetwork(n)
	}
	for _, spec := range st.OpenedPorts {
		p, msg := parsePort(spec)
		if msg != "" {
			return nil, fmt.Errorf("opened port %q: %s", spec, msg)
		}
		b.ports = addPort(b.ports, p)
	}
	if err := b.setAction(actions, st.Action, st.ActionParams); err != nil {
		return nil, err
	}
	if st.Status != "" {
		switch st.Status {
		case "unknown", juju.StatusMaintenance, juju.StatusBlocked, juju.StatusWaiting, juju.StatusActive:
		default:
			return nil, fmt.Errorf("initial status %q is not a workload status", st.Status)
		}
		b.status = StatusEntry{Status: st.Status, Message: st.StatusMessage}
	}
	return b, nil
}

// readCharmFile parses dir/name with read; a missing file gives nil.
func readCharmFile[T any](dir, name string, read func(io.Reader) (*T, error)) (*T, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return v, nil
}

// configSettings returns what config-get shows: the defaults overlaid with
// the set values, typed as Juju types them, options without value left out.
func configSettings(cfg *charm.Config, set map[string]any) (map[string]any, error) {
	valid, err := cfg.ValidateSettings(charm.Settings(set))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	out := map[string]any{}
	for name, v := range cfg.DefaultSettings() {
		if nv := valid[name]; nv != nil {
			v = nv
		}
		if v != nil {
			out[name] = v
		}
	}
	return out, nil
}

func (b *Backend) newRelation(r Relation, peers map[string]charm.Relation) (*relation, error) {
	endpoint, numText, ok := cutLast(r.ID, ":")
	num, err := strconv.Atoi(numText)
	if !ok || err != nil || endpoint == "" {
		return nil, fmt.Errorf("relation id %q is not <endpoint>:<number>", r.ID)
	}
	if !b.endpoints[endpoint] {
		return nil, fmt.Errorf("relation %q: endpoint %q is not in metadata.yaml", r.ID, endpoint)
	}
	for _, other := range b.rels {
		if other.num == num {
			return nil, fmt.Errorf("relation %q: number %d already used by %q", r.ID, num, other.id)
		}
	}
	_, peer := peers[endpoint]
	remoteApp := r.RemoteApp
	if remoteApp == "" && peer {
		remoteApp = b.app
	}
	if remoteApp == "" {
		for u := range r.RemoteUnits {
			remoteApp, _, _ = strings.Cut(u, "/")
			break
		}
	}
	if remoteApp == "" {
		return nil, fmt.Errorf("relation %q: no RemoteApp and no remote units", r.ID)
	}
	if peer && remoteApp != b.app {
		return nil, fmt.Errorf("relation %q: peer relation with remote application %q", r.ID, remoteApp)
	}
	rel := &relation{
		id: r.ID, num: num, endpoint: endpoint, peer: peer, remoteApp: remoteApp,
		remoteUnits: map[string]map[string]string{},
		remoteData:  cloneStrings(r.RemoteAppData),
		localUnit:   cloneStrings(r.LocalUnit),
		localApp:    cloneStrings(r.LocalApp),
	}
	for u, bag := range r.RemoteUnits {
		app, n, _ := strings.Cut(u, "/")
		if _, err := strconv.Atoi(n); err != nil || app != remoteApp || u == b.unit {
			return nil, fmt.Errorf("relation %q: %q is not a remote unit of %q", r.ID, u, remoteApp)
		}
		rel.remoteUnits[u] = cloneStrings(bag)
	}
	if peer {
		switch {
		case len(r.RemoteAppData) > 0 && len(r.LocalApp) > 0 && !maps.Equal(r.RemoteAppData, r.LocalApp):
			return nil, fmt.Errorf("relation %q: a peer relation has one application bag, but RemoteAppData and LocalApp differ", r.ID)
		case len(r.LocalApp) == 0:
			rel.localApp = rel.remoteData
		}
		rel.remoteData = rel.localApp
	}
	return rel, nil
}

func (b *Backend) setAction(actions *charm.Actions, name string, params map[string]any) error {
	if name == "" {
		if params != nil {
			return errors.New("ActionParams given without Action")
		}
		return nil
	}
	spec, ok := actions.ActionSpecs[name]
	if !ok {
		return fmt.Errorf("action %q is not in actions.yaml", name)
	}
	p := map[string]any{}
	maps.Copy(p, params)
	if err := spec.ValidateParams(p); err != nil {
		return fmt.Errorf("action %q params: %w", name, err)
	}
	p, err := spec.InsertDefaults(p)
	if err != nil {
		return fmt.Errorf("action %q defaults: %w", name, err)
	}
	b.action, b.actionParams, b.actionResults = name, p, map[string]any{}
	return nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}

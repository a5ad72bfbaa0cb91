package localjuju

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/juju/charm/v12"
)

// charmInfo is a parsed real charm (from the model's copy of its archive).
type charmInfo struct {
	archive *charm.CharmArchive
	meta    *charm.Meta
	config  *charm.Config
	actions *charm.Actions
}

// seriesByChannel maps Ubuntu channels to series names.
func seriesByChannel() map[string]string {
	return map[string]string{
		"14.04": "trusty", "16.04": "xenial", "18.04": "bionic", "20.04": "focal",
		"22.04": "jammy", "24.04": "noble",
	}
}

// channelBySeries returns the Ubuntu channel of a series name.
func channelBySeries(series string) string {
	for ch, s := range seriesByChannel() {
		if s == series {
			return ch
		}
	}
	return ""
}

// importCharm copies a charm (archive or directory) into the model as an
// archive and parses it. Directories are packed with charm/v12's ArchiveTo,
// as `juju deploy ./dir` does.
func (m *Model) importCharm(src, app string) (string, *charmInfo, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return "", nil, fmt.Errorf("read charm %s: %w", src, err)
	}
	if err := os.MkdirAll(filepath.Join(m.dir, "charms"), 0o755); err != nil {
		return "", nil, fmt.Errorf("import charm: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Join(m.dir, "charms"), ".import-*.charm")
	if err != nil {
		return "", nil, fmt.Errorf("import charm: %w", err)
	}
	defer os.Remove(tmp.Name())
	if fi.IsDir() {
		dir, err := charm.ReadCharmDir(src)
		if err != nil {
			tmp.Close()
			return "", nil, fmt.Errorf("read charm directory %s: %w", src, err)
		}
		if err := dir.ArchiveTo(tmp); err != nil {
			tmp.Close()
			return "", nil, fmt.Errorf("pack charm directory %s: %w", src, err)
		}
	} else {
		in, err := os.Open(src)
		if err != nil {
			tmp.Close()
			return "", nil, fmt.Errorf("read charm %s: %w", src, err)
		}
		_, err = io.Copy(tmp, in)
		in.Close()
		if err != nil {
			tmp.Close()
			return "", nil, fmt.Errorf("copy charm %s: %w", src, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return "", nil, fmt.Errorf("import charm: %w", err)
	}
	if _, err := readCharmArchive(tmp.Name()); err != nil {
		return "", nil, fmt.Errorf("read charm %s: %w", src, err)
	}
	rev := 0
	name := filepath.Join(m.dir, "charms", fmt.Sprintf("%s-%d.charm", app, rev))
	for fileExists(name) {
		rev++
		name = filepath.Join(m.dir, "charms", fmt.Sprintf("%s-%d.charm", app, rev))
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return "", nil, fmt.Errorf("import charm: %w", err)
	}
	info, err := readCharmArchive(name)
	if err != nil {
		return "", nil, fmt.Errorf("read charm %s: %w", src, err)
	}
	m.charms[name] = info
	return name, info, nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func readCharmArchive(path string) (*charmInfo, error) {
	a, err := charm.ReadCharmArchive(path)
	if err != nil {
		return nil, err
	}
	if err := charm.CheckMeta(a); err != nil {
		return nil, err
	}
	if !archiveHasHandler(a) {
		return nil, fmt.Errorf("invalid charm %q: has no hooks nor dispatch file", a.Meta().Name)
	}
	cfg := a.Config()
	if cfg == nil {
		cfg = charm.NewConfig()
	}
	acts := a.Actions()
	if acts == nil {
		acts = charm.NewActions()
	}
	return &charmInfo{archive: a, meta: a.Meta(), config: cfg, actions: acts}, nil
}

func archiveHasHandler(a *charm.CharmArchive) bool {
	members, err := a.ArchiveMembers()
	if err != nil {
		return false
	}
	for _, name := range members.Values() {
		if strings.Contains(name, "dispatch") || strings.HasPrefix(name, "hooks/") && len(name) > len("hooks/") {
			return true
		}
	}
	return false
}

// charmOf returns the parsed charm of a real-charm application.
func (m *Model) charmOf(a *Application) (*charmInfo, error) {
	if a.Kind != KindCharm {
		return nil, fmt.Errorf("application %q is a simulator, not a charm", a.Name)
	}
	if info, ok := m.charms[a.Archive]; ok {
		return info, nil
	}
	info, err := readCharmArchive(a.Archive)
	if err != nil {
		return nil, fmt.Errorf("read charm of %s: %w", a.Name, err)
	}
	m.charms[a.Archive] = info
	return info, nil
}

// charmSeries lists the series a charm supports, in declaration order.
func charmSeries(info *charmInfo) []string {
	var out []string
	if man := info.archive.Manifest(); man != nil {
		for _, b := range man.Bases {
			if b.Name != "ubuntu" {
				continue
			}
			if s, ok := seriesByChannel()[b.Channel.Track]; ok {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, info.meta.Series...)
	}
	return out
}

// chooseSeries picks the deploy series like Juju 3.6 does: the requested one
// if the charm supports it, else ubuntu@24.04 when supported, else the first
// base Juju 3.6 still supports (20.04 or later).
func chooseSeries(info *charmInfo, requested string) (string, error) {
	supported := charmSeries(info)
	if requested != "" {
		for _, s := range supported {
			if s == requested {
				return s, nil
			}
		}
		return "", fmt.Errorf("series %q not supported by charm %q, supported series are: %s",
			requested, info.meta.Name, strings.Join(supported, ", "))
	}
	for _, s := range supported {
		if s == "noble" {
			return s, nil
		}
	}
	for _, s := range supported {
		if ch := channelBySeries(s); ch >= "20.04" {
			return s, nil
		}
	}
	if len(supported) == 0 {
		return "", fmt.Errorf("charm %q does not define any bases, not valid", info.meta.Name)
	}
	return "", fmt.Errorf("charm %q: none of its series (%s) is supported by Juju %s without --series",
		info.meta.Name, strings.Join(supported, ", "), JujuVersion)
}

// charmEndpoints converts metadata relations to endpoints.
func charmEndpoints(meta *charm.Meta) map[string]Endpoint {
	out := map[string]Endpoint{}
	add := func(rels map[string]charm.Relation, role string) {
		for name, r := range rels {
			scope := string(r.Scope)
			if scope == "" {
				scope = scopeGlobal
			}
			out[name] = Endpoint{Interface: r.Interface, Role: role, Scope: scope}
		}
	}
	add(meta.Provides, roleProvides)
	add(meta.Requires, roleRequires)
	add(meta.Peers, rolePeers)
	return out
}

func extraBindings(meta *charm.Meta) []string {
	out := make([]string, 0, len(meta.ExtraBindings))
	for name := range meta.ExtraBindings {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// expandCharm unpacks the application's charm into the unit's charm dir.
func (m *Model) expandCharm(a *Application, unit string) error {
	info, err := m.charmOf(a)
	if err != nil {
		return err
	}
	dir := m.unitCharmDir(unit)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("unpack charm for %s: %w", unit, err)
	}
	if err := info.archive.ExpandTo(dir); err != nil {
		return fmt.Errorf("unpack charm for %s: %w", unit, err)
	}
	return nil
}

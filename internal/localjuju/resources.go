package localjuju

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// AttachResource uploads the file at path as resource name of a real-charm
// application, as `juju attach-resource` does: every unit then runs
// upgrade-charm, and resource-get gives the new file.
func (m *Model) AttachResource(ctx context.Context, app, name, path string) error {
	a, err := m.st.app(app)
	if err != nil {
		return err
	}
	if a.Kind != KindCharm {
		return fmt.Errorf("cannot attach a resource to %s: it is a simulated application", app)
	}
	if err := m.storeResource(a, name, path); err != nil {
		return err
	}
	for _, u := range a.Units {
		if u.Installed && u.Life == lifeAlive {
			u.Queue = append(u.Queue, Hook{Kind: hookUpgradeCharm})
		}
	}
	m.logf("", "model", "INFO", "attached resource %s of %s", name, app)
	return m.save()
}

// storeResource keeps a copy of the file at path in the model.
func (m *Model) storeResource(a *Application, name, path string) error {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return fmt.Errorf("invalid resource name %q", name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("attach resource %s: %w", name, err)
	}
	stored := filepath.Join(m.dir, "resources", a.Name, name)
	if err := os.MkdirAll(filepath.Dir(stored), 0o700); err != nil {
		return fmt.Errorf("attach resource %s: %w", name, err)
	}
	if err := atomicfile.Write(stored, data, 0o600); err != nil {
		return fmt.Errorf("attach resource %s: %w", name, err)
	}
	if a.Resources == nil {
		a.Resources = map[string]string{}
	}
	a.Resources[name] = stored
	return nil
}

// unitResources places the application's resources where Juju's unit
// agent downloads them (/var/lib/juju/agents/unit-<app>-<n>/resources/
// <name>/<name>) in the unit's root and returns those paths as the unit
// sees them.
func (m *Model) unitResources(a *Application, u *Unit) (map[string]string, error) {
	if len(a.Resources) == 0 {
		return nil, nil
	}
	root := m.unitRoot(u.Name)
	out := map[string]string{}
	for name, stored := range a.Resources {
		data, err := os.ReadFile(stored)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", name, err)
		}
		view := filepath.Join("/var/lib/juju/agents", "unit-"+unitFileName(u.Name), "resources", name, name)
		dst := filepath.Join(root, view)
		if cur, err := os.ReadFile(dst); err != nil || !bytes.Equal(cur, data) {
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return nil, fmt.Errorf("resource %s: %w", name, err)
			}
			if err := atomicfile.Write(dst, data, 0o644); err != nil {
				return nil, fmt.Errorf("resource %s: %w", name, err)
			}
		}
		out[name] = view
	}
	return out, nil
}

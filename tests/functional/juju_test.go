//go:build functional

package functional

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/juju/charm/v12"
	"github.com/juju/names/v5"
	"github.com/juju/version/v2"
	"gopkg.in/yaml.v3"

	"github.com/juju/juju/api"
	"github.com/juju/juju/api/client/action"
	"github.com/juju/juju/api/client/application"
	"github.com/juju/juju/api/client/charms"
	"github.com/juju/juju/api/client/client"
	"github.com/juju/juju/api/client/modelconfig"
	apicharm "github.com/juju/juju/api/common/charm"
	"github.com/juju/juju/api/connector"
	corebase "github.com/juju/juju/core/base"
	"github.com/juju/juju/core/constraints"
	coremodel "github.com/juju/juju/core/model"
	"github.com/juju/juju/jujuclient"
	"github.com/juju/juju/rpc/params"
	"github.com/juju/juju/storage"
)

// pollInterval is how often status and action results are read.
const pollInterval = 10 * time.Second

// model is a connection to the model under test and the facades the suite
// uses.
type model struct {
	conn    api.Connection
	status  *client.Client
	apps    *application.Client
	actions *action.Client
	charms  *charms.LocalCharmClient
	config  *modelconfig.Client
}

// testLogger adapts testing.T to the logger the client facade wants.
type testLogger struct{ t *testing.T }

// Errorf logs a facade error without failing the test.
func (l testLogger) Errorf(format string, args ...interface{}) {
	l.t.Helper()
	l.t.Logf("juju api: "+format, args...)
}

// connect opens the model named by s with the account in the client store.
func connect(t *testing.T, s settings) *model {
	t.Helper()
	store := jujuclient.NewFileClientStore()
	modelName := s.Model
	if !jujuclient.IsQualifiedModelName(modelName) {
		account, err := store.AccountDetails(s.Controller)
		if err != nil {
			t.Fatalf("account for controller %s in the client store: %v", s.Controller, err)
		}
		modelName = jujuclient.JoinOwnerModelName(names.NewUserTag(account.User), modelName)
	}
	details, err := store.ModelByName(s.Controller, modelName)
	if err != nil {
		t.Fatalf("model %s on controller %s in the client store: %v", modelName, s.Controller, err)
	}
	c, err := connector.NewClientStore(connector.ClientStoreConfig{
		ControllerName: s.Controller,
		ModelUUID:      details.ModelUUID,
		ClientStore:    store,
	})
	if err != nil {
		t.Fatalf("connector for %s: %v", s.Controller, err)
	}
	conn, err := c.Connect()
	if err != nil {
		t.Fatalf("connect to model %s: %v", modelName, err)
	}
	local, err := charms.NewLocalCharmClient(conn)
	if err != nil {
		_ = conn.Close()
		t.Fatalf("charms facade: %v", err)
	}
	m := &model{
		conn:    conn,
		status:  client.NewClient(conn, testLogger{t}),
		apps:    application.NewClient(conn),
		actions: action.NewClient(conn),
		charms:  local,
		config:  modelconfig.NewClient(conn),
	}
	t.Cleanup(func() { _ = conn.Close() })
	return m
}

// fullStatus returns the model's status.
func (m *model) fullStatus() (*params.FullStatus, error) {
	st, err := m.status.Status(nil)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	return st, nil
}

// agentVersion is the model's agent version, which local charm uploads
// are checked against.
func (m *model) agentVersion() (version.Number, error) {
	attrs, err := m.config.ModelGet()
	if err != nil {
		return version.Zero, fmt.Errorf("model config: %w", err)
	}
	v, ok := attrs["agent-version"].(string)
	if !ok {
		return version.Zero, errors.New("model config has no agent-version")
	}
	n, err := version.Parse(v)
	if err != nil {
		return version.Zero, fmt.Errorf("agent-version %q: %w", v, err)
	}
	return n, nil
}

// bundleBase returns the base an application of the bundle is deployed on.
func bundleBase(bd *charm.BundleData, app *charm.ApplicationSpec) (corebase.Base, error) {
	switch {
	case app.Base != "":
		return corebase.ParseBaseFromString(app.Base)
	case app.Series != "":
		return corebase.GetBaseFromSeries(app.Series)
	case bd.DefaultBase != "":
		return corebase.ParseBaseFromString(bd.DefaultBase)
	case bd.Series != "":
		return corebase.GetBaseFromSeries(bd.Series)
	}
	return corebase.Base{}, errors.New("the bundle names no base or series")
}

// supportedByJuju3 reports whether Juju 3.6 deploys machines of base b
// (Ubuntu 20.04 and later).
func supportedByJuju3(b corebase.Base) bool {
	return b.OS == "ubuntu" && b.Channel.Track >= "20.04"
}

// applicationArgs are the deploy arguments shared by local and store charms.
type applicationArgs struct {
	configYAML string
	cons       constraints.Value
	storage    map[string]storage.Constraints
	base       corebase.Base
	arch       string
}

func deployArgs(bd *charm.BundleData, name string, app *charm.ApplicationSpec) (applicationArgs, error) {
	var a applicationArgs
	if len(app.Options) > 0 {
		out, err := yaml.Marshal(map[string]map[string]interface{}{name: app.Options})
		if err != nil {
			return a, fmt.Errorf("options of %s: %w", name, err)
		}
		a.configYAML = string(out)
	}
	cons, err := constraints.Parse(app.Constraints)
	if err != nil {
		return a, fmt.Errorf("constraints of %s: %w", name, err)
	}
	a.cons = cons
	a.arch = constraints.ArchOrDefault(cons, nil)
	if len(app.Storage) > 0 {
		a.storage = map[string]storage.Constraints{}
		for k, v := range app.Storage {
			sc, err := storage.ParseConstraints(v)
			if err != nil {
				return a, fmt.Errorf("storage %s of %s: %w", k, name, err)
			}
			a.storage[k] = sc
		}
	}
	b, err := bundleBase(bd, app)
	if err != nil {
		return a, fmt.Errorf("base of %s: %w", name, err)
	}
	a.base = b
	return a, nil
}

// deployBundle deploys every application of the bundle that the model does
// not have yet, then adds every relation that does not exist yet. Local
// charms (paths) are uploaded; store charms are deployed from Charmhub by
// the controller. Machines and placement directives are not supported.
func (m *model) deployBundle(t *testing.T, bd *charm.BundleData, bundleDir string) error {
	t.Helper()
	if len(bd.Machines) > 0 {
		return errors.New("bundles with machines are not supported by the functional deployer")
	}
	st, err := m.fullStatus()
	if err != nil {
		return err
	}
	var agent version.Number
	var haveAgent bool
	for _, name := range sortedApps(bd) {
		app := bd.Applications[name]
		if _, ok := st.Applications[name]; ok {
			t.Logf("deploy: %s exists, kept", name)
			continue
		}
		if len(app.To) > 0 {
			return fmt.Errorf("application %s: placement directives are not supported by the functional deployer", name)
		}
		args, err := deployArgs(bd, name, app)
		if err != nil {
			return err
		}
		if strings.HasPrefix(app.Charm, ".") || filepath.IsAbs(app.Charm) {
			if !haveAgent {
				if agent, err = m.agentVersion(); err != nil {
					return err
				}
				haveAgent = true
			}
			path := app.Charm
			if !filepath.IsAbs(path) {
				path = filepath.Join(bundleDir, path)
			}
			if err := m.deployLocal(name, path, app.NumUnits, args, agent); err != nil {
				return err
			}
			t.Logf("deploy: %s from %s", name, path)
			continue
		}
		if err := m.deployStore(name, app, args); err != nil {
			return err
		}
		t.Logf("deploy: %s from charm %s channel %q", name, app.Charm, app.Channel)
	}
	for _, rel := range bd.Relations {
		if _, err := m.apps.AddRelation(rel, nil); err != nil {
			if params.IsCodeAlreadyExists(err) {
				continue
			}
			return fmt.Errorf("relate %s: %w", strings.Join(rel, " "), err)
		}
		t.Logf("deploy: related %s", strings.Join(rel, " "))
	}
	return nil
}

// deployLocal uploads the charm at path and deploys it as name.
func (m *model) deployLocal(name, path string, units int, a applicationArgs, agent version.Number) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("charm of %s: %w (build it with `make charm`)", name, err)
	}
	ch, err := charm.ReadCharm(path)
	if err != nil {
		return fmt.Errorf("read charm %s: %w", path, err)
	}
	curl := &charm.URL{Schema: string(charm.Local), Name: ch.Meta().Name, Revision: ch.Revision()}
	added, err := m.charms.AddLocalCharm(curl, ch, false, agent)
	if err != nil {
		return fmt.Errorf("upload charm %s: %w", path, err)
	}
	origin := apicharm.Origin{
		Source:       apicharm.OriginLocal,
		Architecture: a.arch,
		Base:         a.base,
	}
	if added.Revision >= 0 {
		rev := added.Revision
		origin.Revision = &rev
	}
	err = m.apps.Deploy(application.DeployArgs{
		CharmID:         application.CharmID{URL: added.String(), Origin: origin},
		CharmOrigin:     origin,
		ApplicationName: name,
		NumUnits:        units,
		ConfigYAML:      a.configYAML,
		Cons:            a.cons,
		Storage:         a.storage,
	})
	if err != nil {
		return fmt.Errorf("deploy %s: %w", name, err)
	}
	return nil
}

// deployStore deploys a Charmhub charm as name; the controller resolves
// the charm, its resources and the channel.
func (m *model) deployStore(name string, app *charm.ApplicationSpec, a applicationArgs) error {
	curl, err := charm.ParseURL(app.Charm)
	if err != nil {
		return fmt.Errorf("charm of %s: %w", name, err)
	}
	units := app.NumUnits
	arg := application.DeployFromRepositoryArg{
		CharmName:       curl.Name,
		ApplicationName: name,
		Base:            &a.base,
		ConfigYAML:      a.configYAML,
		Cons:            a.cons,
		NumUnits:        &units,
		Storage:         a.storage,
	}
	if app.Channel != "" {
		channel := app.Channel
		arg.Channel = &channel
	}
	if app.Revision != nil {
		rev := *app.Revision
		arg.Revision = &rev
	}
	_, pending, errs := m.apps.DeployFromRepository(arg)
	if len(errs) > 0 {
		return fmt.Errorf("deploy %s: %w", name, errors.Join(errs...))
	}
	if len(pending) > 0 {
		return fmt.Errorf("deploy %s: %d local resources to upload, not supported", name, len(pending))
	}
	return nil
}

func sortedApps(bd *charm.BundleData) []string {
	var out []string
	for n := range bd.Applications {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// notReady lists the units of the bundle's applications that are not
// active and idle, and returns an error for any unit in error.
func notReady(st *params.FullStatus, bd *charm.BundleData) ([]string, error) {
	var waiting []string
	for _, name := range sortedApps(bd) {
		spec := bd.Applications[name]
		app, ok := st.Applications[name]
		if !ok {
			waiting = append(waiting, name+": not deployed")
			continue
		}
		if len(app.SubordinateTo) == 0 && len(app.Units) < spec.NumUnits {
			waiting = append(waiting, fmt.Sprintf("%s: %d of %d units", name, len(app.Units), spec.NumUnits))
		}
		for unit, us := range app.Units {
			w, err := unitReady(unit, us)
			if err != nil {
				return nil, err
			}
			waiting = append(waiting, w...)
			for sub, ss := range us.Subordinates {
				w, err := unitReady(sub, ss)
				if err != nil {
					return nil, err
				}
				waiting = append(waiting, w...)
			}
		}
	}
	sort.Strings(waiting)
	return waiting, nil
}

func unitReady(unit string, us params.UnitStatus) ([]string, error) {
	if us.WorkloadStatus.Status == "error" || us.AgentStatus.Status == "error" {
		return nil, fmt.Errorf("unit %s in error: %s %s", unit, us.WorkloadStatus.Info, us.AgentStatus.Info)
	}
	if us.WorkloadStatus.Status != "active" || us.AgentStatus.Status != "idle" {
		return []string{fmt.Sprintf("%s: %s/%s %q", unit, us.WorkloadStatus.Status, us.AgentStatus.Status, us.WorkloadStatus.Info)}, nil
	}
	return nil, nil
}

// waitActiveIdle polls status until every unit of the bundle is active
// and idle twice in a row (hooks may still be queued after the first).
func (m *model) waitActiveIdle(ctx context.Context, t *testing.T, bd *charm.BundleData) error {
	t.Helper()
	settled := 0
	var last []string
	for {
		st, err := m.fullStatus()
		if err != nil {
			return err
		}
		waiting, err := notReady(st, bd)
		if err != nil {
			return err
		}
		if len(waiting) == 0 {
			settled++
			if settled == 2 {
				return nil
			}
		} else {
			settled = 0
			if strings.Join(waiting, "\n") != strings.Join(last, "\n") {
				t.Logf("waiting for %d units/applications, e.g. %s", len(waiting), waiting[0])
			}
		}
		last = waiting
		select {
		case <-ctx.Done():
			return fmt.Errorf("model did not settle: %w; still waiting for: %s", ctx.Err(), strings.Join(last, "; "))
		case <-time.After(pollInterval):
		}
	}
}

// unitStatus returns the status of one unit.
func (m *model) unitStatus(unit string) (params.UnitStatus, error) {
	st, err := m.fullStatus()
	if err != nil {
		return params.UnitStatus{}, err
	}
	app, _, _ := strings.Cut(unit, "/")
	us, ok := st.Applications[app].Units[unit]
	if !ok {
		return params.UnitStatus{}, fmt.Errorf("unit %s not in status", unit)
	}
	return us, nil
}

// units returns the sorted unit names of an application.
func (m *model) units(app string) ([]string, error) {
	st, err := m.fullStatus()
	if err != nil {
		return nil, err
	}
	a, ok := st.Applications[app]
	if !ok {
		return nil, fmt.Errorf("application %s not in status", app)
	}
	var out []string
	for u := range a.Units {
		out = append(out, u)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("application %s has no units", app)
	}
	return out, nil
}

// leader returns the leader unit of an application.
func (m *model) leader(app string) (string, error) {
	l, err := m.apps.Leader(app)
	if err != nil {
		return "", fmt.Errorf("leader of %s: %w", app, err)
	}
	return l, nil
}

// hasRelation reports whether app has a relation on endpoint.
func (m *model) hasRelation(app, endpoint string) (bool, error) {
	st, err := m.fullStatus()
	if err != nil {
		return false, err
	}
	a, ok := st.Applications[app]
	if !ok {
		return false, fmt.Errorf("application %s not in status", app)
	}
	return len(a.Relations[endpoint]) > 0, nil
}

// configValue returns an application's charm config value as a string ("" when unset).
func (m *model) configValue(app, key string) (string, error) {
	res, err := m.apps.Get(coremodel.GenerationMaster, app)
	if err != nil {
		return "", fmt.Errorf("config of %s: %w", app, err)
	}
	entry, ok := res.CharmConfig[key].(map[string]interface{})
	if !ok {
		return "", fmt.Errorf("%s has no option %q", app, key)
	}
	v, ok := entry["value"]
	if !ok || v == nil {
		return "", nil
	}
	return fmt.Sprint(v), nil
}

// actionDone reports whether an action status is final.
func actionDone(status string) bool {
	switch status {
	case params.ActionCompleted, params.ActionFailed, params.ActionCancelled, params.ActionAborted, params.ActionError:
		return true
	}
	return false
}

// await polls an enqueued action until it is final.
func (m *model) await(ctx context.Context, enq action.EnqueuedActions) (action.ActionResult, error) {
	if len(enq.Actions) != 1 {
		return action.ActionResult{}, fmt.Errorf("enqueued %d actions, want 1", len(enq.Actions))
	}
	first := enq.Actions[0]
	if first.Error != nil {
		return action.ActionResult{}, fmt.Errorf("enqueue: %w", first.Error)
	}
	if first.Action == nil {
		return action.ActionResult{}, errors.New("enqueue returned no action")
	}
	id := first.Action.ID
	for {
		res, err := m.actions.Actions([]string{id})
		if err != nil {
			return action.ActionResult{}, fmt.Errorf("action %s: %w", id, err)
		}
		if len(res) == 1 && actionDone(res[0].Status) {
			return res[0], nil
		}
		select {
		case <-ctx.Done():
			return action.ActionResult{}, fmt.Errorf("action %s: %w", id, ctx.Err())
		case <-time.After(2 * time.Second):
		}
	}
}

// runAction runs a charm action on a unit and returns its output; a
// failed action is an error carrying the action's message.
func (m *model) runAction(ctx context.Context, unit, name string, args map[string]interface{}) (map[string]interface{}, error) {
	enq, err := m.actions.EnqueueOperation([]action.Action{{
		Receiver:   names.NewUnitTag(unit).String(),
		Name:       name,
		Parameters: args,
	}})
	if err != nil {
		return nil, fmt.Errorf("run %s on %s: %w", name, unit, err)
	}
	res, err := m.await(ctx, enq)
	if err != nil {
		return nil, fmt.Errorf("run %s on %s: %w", name, unit, err)
	}
	if res.Status != params.ActionCompleted {
		return res.Output, fmt.Errorf("run %s on %s: %s: %s", name, unit, res.Status, res.Message)
	}
	return res.Output, nil
}

// exec runs a shell command on a unit (juju exec) and returns its standard
// output. The command line and its output must not carry secrets the test
// would log; callers redact.
func (m *model) exec(ctx context.Context, unit, command string) (string, error) {
	enq, err := m.actions.Run(action.RunParams{
		Commands: command,
		Units:    []string{unit},
		Timeout:  5 * time.Minute,
	})
	if err != nil {
		return "", fmt.Errorf("exec on %s: %w", unit, err)
	}
	res, err := m.await(ctx, enq)
	if err != nil {
		return "", fmt.Errorf("exec on %s: %w", unit, err)
	}
	code := exitCode(res.Output["return-code"])
	if res.Status != params.ActionCompleted || code != 0 {
		return "", fmt.Errorf("exec on %s: %s, exit status %d", unit, res.Status, code)
	}
	out, _ := res.Output["stdout"].(string)
	return out, nil
}

func exitCode(v interface{}) int {
	switch c := v.(type) {
	case int:
		return c
	case float64:
		return int(c)
	case string:
		n, err := strconv.Atoi(c)
		if err == nil {
			return n
		}
	}
	return 0
}

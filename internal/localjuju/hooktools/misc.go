package hooktools

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// goalStateInput is the goal state as stored in State (Go field names).
type goalStateInput struct {
	Units     map[string]goalStateStatusInput
	Relations map[string]map[string]goalStateStatusInput
}

type goalStateStatusInput struct {
	Status string
	Since  *time.Time
}

// goalStateStatus and goalStateDisplay give goal-state's output layout.
type goalStateStatus struct {
	Status string `json:"status" yaml:"status"`
	Since  string `json:"since,omitempty" yaml:"since,omitempty"`
}

type goalStateDisplay struct {
	Units     map[string]goalStateStatus            `json:"units" yaml:"units"`
	Relations map[string]map[string]goalStateStatus `json:"relations" yaml:"relations"`
}

func goalStateUnits(in map[string]goalStateStatusInput) map[string]goalStateStatus {
	out := map[string]goalStateStatus{}
	for name, s := range in {
		since := ""
		if s.Since != nil {
			since = s.Since.UTC().Format("2006-01-02 15:04:05Z")
		}
		out[name] = goalStateStatus{Status: s.Status, Since: since}
	}
	return out
}

// goalState implements goal-state.
type goalState struct {
	c   *Context
	out output
}

func newGoalState(c *Context) tool { return &goalState{c: c} }

func (t *goalState) info() toolInfo {
	return toolInfo{
		name:    "goal-state",
		purpose: "Print the status of the charm's peers and related units.",
		doc: `
Prints the units of this application and the applications and units related
to each endpoint, with the status they are expected to reach.
`,
	}
}

func (t *goalState) setFlags(fs *flagSet) { t.out.addFlags(fs, "yaml", "yaml", "json") }

func (t *goalState) init(args []string) error { return checkEmpty(args) }

func (t *goalState) run(rc *runContext) error {
	var in goalStateInput
	if len(t.c.initial.GoalState) > 0 {
		if err := json.Unmarshal(t.c.initial.GoalState, &in); err != nil {
			return fmt.Errorf("read goal state: %w", err)
		}
	}
	out := goalStateDisplay{
		Units:     goalStateUnits(in.Units),
		Relations: map[string]map[string]goalStateStatus{},
	}
	for endpoint, units := range in.Relations {
		out.Relations[endpoint] = goalStateUnits(units)
	}
	return t.out.write(rc, out)
}

// cloudCredential and cloudSpec give credential-get's output layout.
type cloudCredential struct {
	AuthType   string            `json:"auth-type" yaml:"auth-type"`
	Attributes map[string]string `json:"attrs,omitempty" yaml:"attrs,omitempty"`
}

type cloudSpec struct {
	Type              string           `json:"type" yaml:"type"`
	Name              string           `json:"name" yaml:"name"`
	Region            string           `json:"region,omitempty" yaml:"region,omitempty"`
	Endpoint          string           `json:"endpoint,omitempty" yaml:"endpoint,omitempty"`
	IdentityEndpoint  string           `json:"identity-endpoint,omitempty" yaml:"identity-endpoint,omitempty"`
	StorageEndpoint   string           `json:"storage-endpoint,omitempty" yaml:"storage-endpoint,omitempty"`
	Credential        *cloudCredential `json:"credential,omitempty" yaml:"credential,omitempty"`
	CACertificates    []string         `json:"cacertificates,omitempty" yaml:"cacertificates,omitempty"`
	SkipTLSVerify     bool             `json:"skip-tls-verify,omitempty" yaml:"skip-tls-verify,omitempty"`
	IsControllerCloud bool             `json:"is-controller-cloud,omitempty" yaml:"is-controller-cloud,omitempty"`
}

// credentialGet implements credential-get. Without a cloud spec in the
// state (the application is not trusted) access is denied.
type credentialGet struct {
	c   *Context
	out output
}

func newCredentialGet(c *Context) tool { return &credentialGet{c: c} }

func (t *credentialGet) info() toolInfo {
	return toolInfo{
		name:    "credential-get",
		purpose: "Access cloud credentials.",
		doc: `
Prints the cloud specification, including credentials, of the unit's model.
The application must be trusted ("juju trust").
`,
	}
}

func (t *credentialGet) setFlags(fs *flagSet) { t.out.addFlags(fs, "smart") }

func (t *credentialGet) init(args []string) error { return checkEmpty(args) }

func (t *credentialGet) run(rc *runContext) error {
	if len(t.c.initial.CloudSpec) == 0 {
		return errors.New("cannot access cloud credentials: permission denied")
	}
	var spec cloudSpec
	if err := json.Unmarshal(t.c.initial.CloudSpec, &spec); err != nil {
		return fmt.Errorf("cannot access cloud credentials: %w", err)
	}
	return t.out.write(rc, spec)
}

// jujuReboot implements juju-reboot.
type jujuReboot struct {
	c   *Context
	now bool
}

func newJujuReboot(c *Context) tool { return &jujuReboot{c: c} }

func (t *jujuReboot) info() toolInfo {
	return toolInfo{
		name:    "juju-reboot",
		purpose: "Reboot the host machine.",
		doc: `
Asks for the machine to be rebooted once the hook has completed
successfully, or at once with --now (the hook then runs again after the
reboot). Not available in actions.
`,
	}
}

func (t *jujuReboot) setFlags(fs *flagSet) {
	fs.boolVar(&t.now, "reboot immediately, killing the invoking process", "now")
}

func (t *jujuReboot) init(args []string) error { return checkEmpty(args) }

func (t *jujuReboot) run(*runContext) error {
	if t.c.action != nil {
		//lint:ignore ST1005 this is Juju's exact message, full stop included
		return errors.New("juju-reboot is not supported when running an action.")
	}
	t.c.reboot = "after-hook"
	if t.now {
		t.c.reboot = "now"
	}
	return nil
}

package hooktools

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v2"
)

var (
	validApplication = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$`)
	validUnit        = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*/(?:0|[1-9][0-9]*)$`)
)

// errPermissionDenied is what the controller answers for data the unit may
// not read.
var errPermissionDenied = errors.New("permission denied")

// addRelationFlag registers -r/--relation. *id starts as the hook's
// relation (or -1) and is replaced by a valid id given on the command line.
func (c *Context) addRelationFlag(fs *flagSet, id *int, usage string) {
	*id = c.hookRel
	def := ""
	if r := c.relation(c.hookRel); r != nil {
		def = r.fakeID()
	}
	fs.funcVar(id, func(s string) error {
		trimmed := s
		if i := strings.LastIndex(trimmed, ":"); i >= 0 {
			trimmed = trimmed[i+1:]
		}
		n, err := strconv.Atoi(trimmed)
		if err != nil {
			return errors.New("invalid relation id")
		}
		if c.relation(n) == nil {
			return errors.New("relation not found")
		}
		*id = n
		return nil
	}, func() string { return def }, usage, "r", "relation")
}

// fileFlag is the --file option of relation-set and state-set; "-" means
// standard input.
type fileFlag struct{ path string }

func (f *fileFlag) read(rc *runContext) ([]byte, error) {
	if f.path == "-" {
		return rc.stdin, nil
	}
	p := f.path
	if !filepath.IsAbs(p) {
		p = filepath.Join(rc.dir, p)
	}
	return os.ReadFile(p)
}

// readSettings decodes a YAML map of strings the way Juju's hook tools do:
// yaml.v2 into map[string]string.
func readSettings(data []byte) (map[string]string, error) {
	out := map[string]string{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// relationGet implements relation-get.
type relationGet struct {
	c          *Context
	out        output
	relationID int
	app        bool
	key        string
	target     string
}

func newRelationGet(c *Context) tool { return &relationGet{c: c} }

func (t *relationGet) info() toolInfo {
	args := "<key> <unit id>"
	doc := `
Prints one setting (or, with no key or the key "-", every setting) of a unit
in a relation. Reading this unit's own settings includes changes made with
relation-set during this hook. With --app the application data bag is read
instead; the remote application's bag is readable by every unit, this
application's own bag only by its leader (or in a peer relation).

-r selects the relation; in a relation hook it defaults to the hook's
relation and the unit defaults to the remote unit of the hook.
`
	if t.c.remoteUnit != "" {
		args = "[<key> [<unit id>]]"
		doc += fmt.Sprintf("Current default unit id is %q.", t.c.remoteUnit)
	}
	return toolInfo{name: "relation-get", args: args, purpose: "Get relation settings.", doc: doc}
}

func (t *relationGet) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	t.c.addRelationFlag(fs, &t.relationID, "Specify a relation by id")
	fs.boolVar(&t.app, "Get the relation data for the overall application, not just a unit", "app")
}

func (t *relationGet) init(args []string) error {
	if t.relationID == -1 {
		return errors.New("no relation id specified")
	}
	if len(args) > 0 {
		if t.key = args[0]; t.key == "-" {
			t.key = ""
		}
		args = args[1:]
	}
	if len(args) > 0 {
		name := args[0]
		args = args[1:]
		switch {
		case t.app && validApplication.MatchString(name):
			t.target = name
		case t.app && validUnit.MatchString(name):
			t.target, _, _ = strings.Cut(name, "/")
		case t.app:
		case !validUnit.MatchString(name) && validApplication.MatchString(name):
			return fmt.Errorf("expected unit name, got application name %q", name)
		case !validUnit.MatchString(name):
			return fmt.Errorf("invalid unit name %q", name)
		default:
			t.target = name
		}
	} else {
		switch {
		case t.app && t.c.remoteApp == "":
			return errors.New("no unit or application specified")
		case t.app:
			t.target = t.c.remoteApp
		case t.c.remoteUnit != "":
			t.target = t.c.remoteUnit
		case t.c.remoteApp != "":
			t.target = t.c.remoteApp
			t.app = true
		default:
			return errors.New("no unit or application specified")
		}
	}
	return checkEmpty(args)
}

func (t *relationGet) run(rc *runContext) error {
	r := t.c.relation(t.relationID)
	if r == nil {
		return errors.New("relation not found")
	}
	var bag map[string]string
	switch {
	case t.target == t.c.unit:
		bag = r.unitData
		if t.app {
			bag = r.appData
		}
	case t.target == t.c.app && t.c.initial.Leader:
		bag = r.unitData
		if t.app {
			bag = r.appData
		}
	case !t.app:
		data, ok := r.RemoteUnits[t.target]
		if !ok {
			data, ok = r.DepartedUnits[t.target]
		}
		if !ok {
			return errPermissionDenied
		}
		bag = data
	case t.target == r.RemoteApp || (r.peer && t.target == t.c.app):
		bag = r.RemoteAppData
	default:
		return errPermissionDenied
	}
	settings := copyStrings(bag)
	if settings == nil {
		settings = map[string]string{}
	}
	if t.key == "" {
		return t.out.write(rc, settings)
	}
	if v, ok := settings[t.key]; ok {
		return t.out.write(rc, v)
	}
	return t.out.write(rc, nil)
}

// relationSet implements relation-set.
type relationSet struct {
	c          *Context
	relationID int
	app        bool
	file       fileFlag
	format     string
	settings   map[string]string
}

func newRelationSet(c *Context) tool { return &relationSet{c: c} }

func (t *relationSet) info() toolInfo {
	return toolInfo{
		name:    "relation-set",
		args:    "key=value [key=value ...]",
		purpose: "Set relation settings.",
		doc: `
Writes this unit's settings (or, with --app and only on the leader, the
application's settings) in a relation. Values are stored as strings; an
empty value removes the key. --file reads a YAML map of settings from a file
("-" for standard input); key=value arguments override keys from the file.
The changes are committed when the hook exits successfully.
`,
	}
}

func (t *relationSet) setFlags(fs *flagSet) {
	t.c.addRelationFlag(fs, &t.relationID, "specify a relation by id")
	fs.stringVar(&t.file.path, "file containing key-value pairs", "file")
	fs.boolVar(&t.app, `pick whether you are setting "application" settings or "unit" settings`, "app")
	fs.stringVar(&t.format, "deprecated format flag", "format")
}

func (t *relationSet) init(args []string) error {
	if t.relationID == -1 {
		return errors.New("no relation id specified")
	}
	settings, err := parseKeyValues(args)
	if err != nil {
		return err
	}
	t.settings = settings
	return nil
}

func (t *relationSet) run(rc *runContext) error {
	if t.format != "" {
		fmt.Fprintf(rc.stderr, "--format flag deprecated for command %q", "relation-set")
	}
	settings := t.settings
	if t.file.path != "" {
		data, err := t.file.read(rc)
		if err != nil {
			return err
		}
		fromFile, err := readSettings(data)
		if err != nil {
			return err
		}
		for k, v := range t.settings {
			fromFile[k] = v
		}
		settings = fromFile
	}
	r := t.c.relation(t.relationID)
	if r == nil {
		return errors.New("relation not found")
	}
	target := &r.unitData
	if t.app {
		if !t.c.initial.Leader {
			return errors.New("cannot write relation settings")
		}
		target = &r.appData
	}
	if *target == nil {
		*target = map[string]string{}
	}
	for k, v := range settings {
		if v == "" {
			delete(*target, k)
		} else {
			(*target)[k] = v
		}
	}
	return nil
}

// relationIDs implements relation-ids.
type relationIDs struct {
	c    *Context
	out  output
	name string
}

func newRelationIDs(c *Context) tool {
	t := &relationIDs{c: c}
	if r := c.relation(c.hookRel); r != nil {
		t.name = r.Endpoint
	}
	return t
}

func (t *relationIDs) info() toolInfo {
	args, doc := "<name>", ""
	if r := t.c.relation(t.c.hookRel); r != nil {
		args = "[<name>]"
		doc = fmt.Sprintf("Current default endpoint name is %q.", r.Endpoint)
	}
	doc += `
Lists the ids ("endpoint:id") of the relations established on an endpoint,
leaving out relations that are being broken.
`
	return toolInfo{name: "relation-ids", args: args, purpose: "List all relation IDs for the given endpoint.", doc: doc}
}

func (t *relationIDs) setFlags(fs *flagSet) { t.out.addFlags(fs, "smart") }

func (t *relationIDs) init(args []string) error {
	if len(args) > 0 {
		t.name = args[0]
		args = args[1:]
	} else if t.name == "" {
		return errors.New("no endpoint name specified")
	}
	return checkEmpty(args)
}

func (t *relationIDs) run(rc *runContext) error {
	result := []string{}
	for _, r := range t.c.rels {
		if r.Endpoint != t.name || r.broken() {
			continue
		}
		result = append(result, r.fakeID())
	}
	sort.Strings(result)
	return t.out.write(rc, result)
}

// broken reports whether the relation no longer shows up in relation-ids:
// it is dead, or it is a dying non-peer relation without members.
func (r *relState) broken() bool {
	switch r.Life {
	case "dead":
		return true
	case "dying":
		return !r.peer && len(r.RemoteUnits) == 0
	}
	return false
}

// relationList implements relation-list.
type relationList struct {
	c          *Context
	out        output
	relationID int
	app        bool
}

func newRelationList(c *Context) tool { return &relationList{c: c} }

func (t *relationList) info() toolInfo {
	doc := "-r must be specified when not in a relation hook"
	if t.c.hookRel >= 0 {
		doc = ""
	}
	return toolInfo{name: "relation-list", purpose: "List relation units.", doc: doc}
}

func (t *relationList) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	t.c.addRelationFlag(fs, &t.relationID, "Specify a relation by id")
	fs.boolVar(&t.app, "List remote application instead of participating units", "app")
}

func (t *relationList) init(args []string) error {
	if t.relationID == -1 {
		return errors.New("no relation id specified")
	}
	return checkEmpty(args)
}

func (t *relationList) run(rc *runContext) error {
	r := t.c.relation(t.relationID)
	if r == nil {
		return errors.New("relation not found")
	}
	if t.app {
		return t.out.write(rc, r.RemoteApp)
	}
	units := []string{}
	for u := range r.RemoteUnits {
		units = append(units, u)
	}
	sort.Strings(units)
	return t.out.write(rc, units)
}

// relationModelGet implements relation-model-get.
type relationModelGet struct {
	c          *Context
	out        output
	relationID int
}

func newRelationModelGet(c *Context) tool { return &relationModelGet{c: c} }

func (t *relationModelGet) info() toolInfo {
	doc := `
-r must be specified when not in a relation hook

Prints details (the UUID) of the model hosting the application on the other
end of a relation.
`
	if t.c.hookRel >= 0 {
		doc = ""
	}
	return toolInfo{name: "relation-model-get", purpose: "Get details about the model hosting a related application.", doc: doc}
}

func (t *relationModelGet) setFlags(fs *flagSet) {
	t.out.addFlags(fs, "smart")
	t.c.addRelationFlag(fs, &t.relationID, "Specify a relation by id")
}

func (t *relationModelGet) init(args []string) error {
	if t.relationID == -1 {
		return errors.New("no relation id specified")
	}
	return checkEmpty(args)
}

// modelDetails is the output of relation-model-get.
type modelDetails struct {
	UUID string `yaml:"uuid" json:"uuid"`
}

func (t *relationModelGet) run(rc *runContext) error {
	r := t.c.relation(t.relationID)
	if r == nil {
		return errors.New("relation not found")
	}
	uuid := r.RemoteModelUUID
	if uuid == "" {
		uuid = t.c.initial.ModelUUID
	}
	return t.out.write(rc, modelDetails{UUID: uuid})
}

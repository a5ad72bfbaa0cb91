package localjuju

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	yamlv2 "gopkg.in/yaml.v2"
)

const usage = `Usage: localjuju [--model DIR] [--mysql-dsn DSN] [--hook-timeout 5m] [-v] COMMAND [ARGS]

A local Juju model: runs the real built charm through Juju's hook lifecycle
and simulates its peer applications. Every command settles the model (runs
all pending hooks) before it returns.

Commands:
  deploy APP --charm PATH [-n N] [--config k=v]... [--series S]   deploy a real charm (archive or directory)
  deploy CHARM [APP] [-n N] [--config k=v]...    deploy a simulated application (mysql, keystone, ...)
  relate A[:endpoint] B[:endpoint]               relate two applications (alias: integrate)
  remove-relation A[:endpoint] B[:endpoint] | ID
  add-unit APP [-n N]
  remove-unit UNIT...
  config APP [k=v ...] [--reset k,...]           set options, or print the config
  run UNIT ACTION [k=v ...] [--string-args] [--format plain|yaml|json]
  fire UNIT HOOK [-r ID] [--remote-unit UNIT]    queue and run a hook (e.g. update-status)
  resolve UNIT [--no-retry]                      clear a hook error (retrying the hook by default)
  refresh APP --path PATH                        upgrade a real charm (upgrade-charm, config-changed; alias: upgrade-charm)
  remove-application APP...                      tear down every unit and relation, then remove the application
  renew APP                                      reissue every certificate of a vault simulator
  status [--format tabular|json]
  show-unit UNIT [--format yaml|json]
  root UNIT                                      print the unit's filesystem root
  log [UNIT|APP] [-n LINES]                      juju-log lines, charm output and hooks run
  catalog [--format tabular|json]                the keystone catalog recorded by keystone simulators
  settle                                         run pending hooks
  destroy                                        stop the model's MariaDB and remove the model directory
`

// errUsage marks command-line mistakes (exit 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usageErr(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// parseArgs parses flags that may come before, between or after positional
// arguments ("--" ends flags).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageErr("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// CLI runs the localjuju command line (args without the program name).
func CLI(args []string, stdout, stderr io.Writer) int {
	global := newFlagSet("localjuju")
	modelDir := global.String("model", envOr("LOCALJUJU_MODEL", DefaultDir), "model directory")
	global.StringVar(modelDir, "m", *modelDir, "model directory")
	dsn := global.String("mysql-dsn", "", "root DSN of an existing MySQL/MariaDB server")
	agentDir := global.String("agent-dir", envOr("LOCALJUJU_AGENT_DIR", ""), "directory of localjuju-agent and jujuc (default: beside this binary)")
	timeout := global.Duration("hook-timeout", defaultHookTimeout, "kill hooks running longer")
	verbose := global.Bool("v", false, "print every hook as it runs (on stderr)")
	help := global.Bool("h", false, "help")
	if err := global.Parse(args); err != nil {
		fmt.Fprintf(stderr, "ERROR %v\n%s", err, usage)
		return 2
	}
	rest := global.Args()
	if *help || len(rest) == 0 || rest[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := Options{MySQLDSN: *dsn, HookTimeout: *timeout, AgentDir: *agentDir}
	if *verbose {
		opts.Progress = stderr
	}
	c := &cli{dir: *modelDir, opts: opts, stdout: stdout, stderr: stderr}
	err := c.run(ctx, rest[0], rest[1:])
	var ue errUsage
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return int(ee)
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "ERROR %v\n", err)
		return 1
	}
}

// exitError ends the CLI with a code after output was already printed.
type exitError int

func (e exitError) Error() string { return "exit status " + strconv.Itoa(int(e)) }

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

type cli struct {
	dir            string
	opts           Options
	stdout, stderr io.Writer
}

func (c *cli) open() (*Model, error) { return OpenWith(c.dir, c.opts) }

// settle runs pending hooks and warns about units in error.
func (c *cli) settle(ctx context.Context, m *Model) error {
	if err := m.Settle(ctx); err != nil {
		return err
	}
	errs := m.ErroredUnits()
	for _, u := range sortedUnitNames(errs) {
		fmt.Fprintf(c.stderr, "WARNING %s is in error: %s (see `localjuju log %s`, then `localjuju resolve %s`)\n", u, errs[u], u, u)
	}
	return nil
}

func (c *cli) run(ctx context.Context, verb string, args []string) error {
	if verb == "destroy" {
		return c.destroy(ctx, args)
	}
	cmds := map[string]func(context.Context, *Model, []string) error{
		"deploy":             c.deploy,
		"relate":             c.relate,
		"integrate":          c.relate,
		"remove-relation":    c.removeRelation,
		"add-unit":           c.addUnit,
		"remove-unit":        c.removeUnit,
		"config":             c.config,
		"run":                c.runAction,
		"fire":               c.fire,
		"resolve":            c.resolve,
		"resolved":           c.resolve,
		"refresh":            c.refresh,
		"upgrade-charm":      c.refresh,
		"remove-application": c.removeApplication,
		"renew":              c.renew,
		"status":             c.status,
		"show-unit":          c.showUnit,
		"root":               c.root,
		"log":                c.log,
		"debug-log":          c.log,
		"catalog":            c.catalog,
		"settle":             c.settleCmd,
	}
	fn, ok := cmds[verb]
	if !ok {
		return usageErr("unrecognized command: localjuju %s (see localjuju help)", verb)
	}
	m, err := c.open()
	if err != nil {
		return err
	}
	defer m.Close()
	return fn(ctx, m, args)
}

func parseKV(items []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range items {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErr("expected key=value, got %q", kv)
		}
		out[k] = v
	}
	return out, nil
}

func (c *cli) deploy(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("deploy")
	charmPath := fs.String("charm", "", "charm archive or directory")
	n := fs.Int("n", 1, "number of units")
	series := fs.String("series", "", "series")
	var cfg stringList
	fs.Var(&cfg, "config", "k=v")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || len(pos) > 2 {
		return usageErr("usage: localjuju deploy APP --charm PATH | deploy CHARM [APP]")
	}
	values, err := parseKV(cfg)
	if err != nil {
		return err
	}
	d := DeployArgs{Units: *n, Config: values, Series: *series, CharmPath: *charmPath}
	switch {
	case d.CharmPath != "":
		if len(pos) != 1 {
			return usageErr("usage: localjuju deploy APP --charm PATH")
		}
		d.Name = pos[0]
	case strings.HasPrefix(pos[0], ".") || strings.HasPrefix(pos[0], "/"):
		d.CharmPath = pos[0]
		if len(pos) == 2 {
			d.Name = pos[1]
		}
	default:
		d.Charm = pos[0]
		if len(pos) == 2 {
			d.Name = pos[1]
		}
	}
	if err := m.Deploy(ctx, d); err != nil {
		return err
	}
	name := d.Name
	switch {
	case name == "" && d.CharmPath != "":
		name, _ = charmNameAt(d.CharmPath)
	case name == "":
		name = d.Charm
	}
	if a := m.st.Applications[name]; a != nil {
		what := "simulated charm " + strconv.Quote(a.Charm)
		if a.Kind == KindCharm {
			what = fmt.Sprintf("local charm %q, revision %d, series %s", a.Charm, a.Revision, a.Series)
		}
		fmt.Fprintf(c.stderr, "Deployed %q from %s\n", a.Name, what)
	}
	return c.settle(ctx, m)
}

func (c *cli) relate(ctx context.Context, m *Model, args []string) error {
	pos, err := parseArgs(newFlagSet("relate"), args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("usage: localjuju relate A[:endpoint] B[:endpoint]")
	}
	if _, err := m.Relate(ctx, pos[0], pos[1]); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) removeRelation(ctx context.Context, m *Model, args []string) error {
	pos, err := parseArgs(newFlagSet("remove-relation"), args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usageErr("usage: localjuju remove-relation A[:endpoint] B[:endpoint] | ID")
	}
	if err := m.RemoveRelation(ctx, pos...); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) addUnit(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("add-unit")
	n := fs.Int("n", 1, "number of units")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: localjuju add-unit APP [-n N]")
	}
	if _, err := m.AddUnit(ctx, pos[0], *n); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) removeUnit(ctx context.Context, m *Model, args []string) error {
	pos, err := parseArgs(newFlagSet("remove-unit"), args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("usage: localjuju remove-unit UNIT...")
	}
	if err := m.RemoveUnit(ctx, pos...); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) config(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("config")
	reset := fs.String("reset", "", "comma-separated options to reset")
	format := fs.String("format", "yaml", "yaml|json")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("usage: localjuju config APP [k=v ...] [--reset k,...]")
	}
	app := pos[0]
	var set []string
	var get []string
	for _, p := range pos[1:] {
		if strings.Contains(p, "=") {
			set = append(set, p)
		} else {
			get = append(get, p)
		}
	}
	if len(set) > 0 || *reset != "" {
		if len(get) > 0 {
			return usageErr("cannot mix getting and setting options")
		}
		values, err := parseKV(set)
		if err != nil {
			return err
		}
		var resets []string
		if *reset != "" {
			resets = strings.Split(*reset, ",")
		}
		if err := m.Config(ctx, app, values, resets); err != nil {
			return err
		}
		return c.settle(ctx, m)
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	values, err := m.ConfigValues(app)
	if err != nil {
		return err
	}
	if len(get) == 1 {
		v, ok := values[get[0]]
		if !ok {
			return fmt.Errorf("unknown option %q", get[0])
		}
		if v.Value != nil {
			fmt.Fprintln(c.stdout, v.Value)
		}
		return nil
	}
	a := m.st.Applications[app]
	doc := map[string]any{"application": app, "charm": a.Charm, "settings": values}
	return writeFormatted(c.stdout, *format, doc)
}

func writeFormatted(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case "yaml", "":
		return writeYAML(w, v)
	}
	return usageErr("invalid format %q", format)
}

// writeYAML prints v as YAML the way the juju client does (yaml.v2:
// two-space indentation, compact lists). v goes through JSON first so the
// json field names and struct field order are kept.
func writeYAML(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	ordered, err := orderedJSON(json.NewDecoder(bytes.NewReader(data)))
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	out, err := yamlv2.Marshal(ordered)
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// orderedJSON decodes one JSON value keeping object key order
// (yaml.MapSlice) and integers as int64.
func orderedJSON(dec *json.Decoder) (any, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			out := yamlv2.MapSlice{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				val, err := orderedJSON(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, yamlv2.MapItem{Key: key, Value: val})
			}
			_, err := dec.Token()
			return out, err
		case '[':
			out := []any{}
			for dec.More() {
				val, err := orderedJSON(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, val)
			}
			_, err := dec.Token()
			return out, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		return t.Float64()
	}
	return tok, nil
}

func (c *cli) runAction(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("run")
	stringArgs := fs.Bool("string-args", false, "do not parse values as YAML")
	format := fs.String("format", "plain", "plain|yaml|json")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageErr("usage: localjuju run UNIT ACTION [k=v ...]")
	}
	params, err := ParseActionParams(pos[2:], *stringArgs)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	unit := pos[0]
	if strings.HasSuffix(unit, "/leader") {
		a, err := m.st.app(strings.TrimSuffix(unit, "/leader"))
		if err != nil {
			return err
		}
		if a.Leader == "" {
			return fmt.Errorf("application %q has no leader", a.Name)
		}
		unit = a.Leader
	}
	if _, _, err := m.st.unit(unit); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "Running operation %d with 1 task\n  - task %d on unit-%s\n\nWaiting for task %d...\n",
		m.st.NextTask+1, m.st.NextTask+2, unitFileName(unit), m.st.NextTask+2)
	res, err := m.RunAction(ctx, unit, pos[1], params)
	if err != nil {
		return err
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	if err := printActionResult(c.stdout, c.stderr, *format, res); err != nil {
		return err
	}
	if res.ExitCode >= 1 {
		fmt.Fprintf(c.stderr, "ERROR the following task failed:\n - id %q with return code %d\n\nuse 'localjuju log %s' to inspect the failure\n", res.ID, res.ExitCode, res.Unit)
		return exitError(1)
	}
	return nil
}

// printActionResult prints a task like `juju run`: plain output is the
// results map (without Juju's own keys) as YAML, then the raw stdout, then
// the raw stderr (on stderr).
func printActionResult(stdout, stderr io.Writer, format string, res *ActionResult) error {
	if format == "yaml" || format == "json" {
		entry := map[string]any{
			"id": res.ID, "status": res.Status, "results": res.Results, "unit": res.Unit,
			"timing": map[string]string{
				"enqueued": res.Enqueued.Format(time.RFC3339), "started": res.Started.Format(time.RFC3339),
				"completed": res.Completed.Format(time.RFC3339),
			},
		}
		if res.Message != "" {
			entry["message"] = res.Message
		}
		if len(res.Logs) > 0 {
			entry["log"] = res.Logs
		}
		return writeFormatted(stdout, format, map[string]any{res.Unit: entry})
	}
	if res.Status == "failed" {
		fmt.Fprintf(stdout, "Action id %s failed: %s\n", res.ID, res.Message)
	}
	shown := map[string]any{}
	for k, v := range res.Results {
		switch k {
		case "return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding":
			continue
		}
		shown[k] = v
	}
	if len(shown) > 0 {
		if err := writeYAML(stdout, shown); err != nil {
			return err
		}
	}
	if res.Stdout != "" {
		fmt.Fprint(stdout, res.Stdout)
	}
	if res.Stderr != "" {
		fmt.Fprint(stderr, res.Stderr)
	}
	return nil
}

func (c *cli) fire(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("fire")
	rel := fs.Int("r", -1, "relation id")
	remote := fs.String("remote-unit", "", "remote unit")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr("usage: localjuju fire UNIT HOOK [-r ID] [--remote-unit UNIT]")
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	if err := m.Fire(ctx, pos[0], pos[1], *rel, *remote); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) resolve(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("resolve")
	noRetry := fs.Bool("no-retry", false, "mark the hook done without running it again")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: localjuju resolve UNIT [--no-retry]")
	}
	if err := m.Resolve(ctx, pos[0], !*noRetry); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) refresh(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("refresh")
	path := fs.String("path", "", "charm archive or directory")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *path == "" {
		return usageErr("usage: localjuju refresh|upgrade-charm APP --path PATH")
	}
	if err := m.Refresh(ctx, pos[0], *path); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) removeApplication(ctx context.Context, m *Model, args []string) error {
	pos, err := parseArgs(newFlagSet("remove-application"), args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("usage: localjuju remove-application APP...")
	}
	for _, app := range pos {
		if err := m.RemoveApplication(ctx, app); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "will remove application %s\n", app)
	}
	return c.settle(ctx, m)
}

func (c *cli) renew(ctx context.Context, m *Model, args []string) error {
	pos, err := parseArgs(newFlagSet("renew"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: localjuju renew APP")
	}
	if err := m.Renew(ctx, pos[0]); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) status(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("status")
	format := fs.String("format", "tabular", "tabular|json|yaml")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErr("usage: localjuju status [--format tabular|json|yaml]")
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	rep := m.Status()
	if *format == "tabular" {
		return WriteStatusTable(c.stdout, rep)
	}
	return writeFormatted(c.stdout, *format, rep)
}

func (c *cli) showUnit(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("show-unit")
	format := fs.String("format", "yaml", "yaml|json")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("usage: localjuju show-unit UNIT [--format yaml|json]")
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	out := map[string]UnitInfo{}
	for _, u := range pos {
		info, err := m.ShowUnit(u)
		if err != nil {
			return err
		}
		for k, v := range info {
			out[k] = v
		}
	}
	return writeFormatted(c.stdout, *format, out)
}

func (c *cli) root(ctx context.Context, m *Model, args []string) error {
	pos, err := parseArgs(newFlagSet("root"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("usage: localjuju root UNIT")
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	root, err := m.UnitRoot(pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, root)
	return nil
}

func (c *cli) log(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("log")
	n := fs.Int("n", 0, "only the last N lines")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErr("usage: localjuju log [UNIT|APP] [-n LINES]")
	}
	unit := ""
	if len(pos) == 1 {
		unit = pos[0]
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	lines, err := m.Logs(unit)
	if err != nil {
		return err
	}
	if *n > 0 && len(lines) > *n {
		lines = lines[len(lines)-*n:]
	}
	for _, l := range lines {
		fmt.Fprintln(c.stdout, l.String())
	}
	return nil
}

func (c *cli) catalog(ctx context.Context, m *Model, args []string) error {
	fs := newFlagSet("catalog")
	format := fs.String("format", "tabular", "tabular|json|yaml")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := c.settle(ctx, m); err != nil {
		return err
	}
	entries, err := m.Catalog()
	if err != nil {
		return err
	}
	if *format != "tabular" {
		return writeFormatted(c.stdout, *format, entries)
	}
	if len(entries) == 0 {
		fmt.Fprintln(c.stdout, "The catalog is empty (is keystone deployed and related?).")
		return nil
	}
	return writeCatalogTable(c.stdout, entries)
}

func (c *cli) settleCmd(ctx context.Context, m *Model, args []string) error {
	if len(args) != 0 {
		return usageErr("usage: localjuju settle")
	}
	return c.settle(ctx, m)
}

func (c *cli) destroy(ctx context.Context, args []string) error {
	if len(args) != 0 {
		return usageErr("usage: localjuju destroy")
	}
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(c.stdout, "no model at %s\n", c.dir)
		return nil
	}
	m, err := c.open()
	if err != nil {
		return err
	}
	dir := m.Dir()
	if err := m.Destroy(ctx); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "destroyed the model at %s\n", dir)
	return nil
}

// writeCatalogTable prints catalog entries as a table, one column per
// field of the entries' JSON form.
func writeCatalogTable(w io.Writer, entries any) error {
	data, err := json.Marshal(entries)
	if err != nil {
		return fmt.Errorf("encode catalog: %w", err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(data, &rows); err != nil {
		return fmt.Errorf("encode catalog: %w", err)
	}
	var cols []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, k := range sortedKeys(r) {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range rows {
		vals := make([]string, len(cols))
		for i, c := range cols {
			if v, ok := r[c]; ok && v != nil {
				vals[i] = fmt.Sprint(v)
			}
		}
		fmt.Fprintln(tw, strings.Join(vals, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeTrimmed(w, buf.Bytes())
}

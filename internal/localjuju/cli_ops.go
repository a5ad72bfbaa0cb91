package localjuju

import (
	"context"
	"fmt"
	"strings"
)

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

func (c *cli) renew(ctx context.Context, m *Model, args []string) error {
	pos, err := positional("renew", args, 1, 1, "usage: localjuju renew APP")
	if err != nil {
		return err
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
	pos, err := positional("root", args, 1, 1, "usage: localjuju root UNIT")
	if err != nil {
		return err
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

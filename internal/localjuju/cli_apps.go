package localjuju

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

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
	pos, err := positional("relate", args, 2, 2, "usage: localjuju relate A[:endpoint] B[:endpoint]")
	if err != nil {
		return err
	}
	if _, err := m.Relate(ctx, pos[0], pos[1]); err != nil {
		return err
	}
	return c.settle(ctx, m)
}

func (c *cli) removeRelation(ctx context.Context, m *Model, args []string) error {
	pos, err := positional("remove-relation", args, 1, 2, "usage: localjuju remove-relation A[:endpoint] B[:endpoint] | ID")
	if err != nil {
		return err
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
	pos, err := positional("remove-unit", args, 1, -1, "usage: localjuju remove-unit UNIT...")
	if err != nil {
		return err
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
	pos, err := positional("remove-application", args, 1, -1, "usage: localjuju remove-application APP...")
	if err != nil {
		return err
	}
	for _, app := range pos {
		if err := m.RemoveApplication(ctx, app); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "will remove application %s\n", app)
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

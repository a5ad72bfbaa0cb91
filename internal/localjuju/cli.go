package localjuju

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
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

// positional parses a command without flags: between lo and hi arguments
// (hi < 0: no upper bound), else the usage error.
func positional(name string, args []string, lo, hi int, usage string) ([]string, error) {
	pos, err := parseArgs(newFlagSet(name), args)
	if err == nil && (len(pos) < lo || hi >= 0 && len(pos) > hi) {
		err = usageErr("%s", usage)
	}
	return pos, err
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
	for _, u := range sim.SortedUnitKeys(errs) {
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

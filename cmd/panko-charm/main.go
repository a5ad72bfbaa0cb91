// Command panko-charm is the Panko charm: Juju runs it as dispatch (and as
// every hooks/* and actions/* symlink) for each hook and action.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/openstack-charmers/charm-panko/internal/charm"
	"github.com/openstack-charmers/charm-panko/internal/host"
	"github.com/openstack-charmers/charm-panko/internal/juju"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	// A hook Juju terminates cancels the hook-tool and host commands it runs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ev, err := juju.ResolveEvent(getenv, args[0])
	if err != nil && !errors.Is(err, juju.ErrNoEvent) {
		// Juju started us (JUJU_DISPATCH_PATH is set) but names no event we
		// can run: fail the hook with the reason rather than pretend success.
		fmt.Fprintf(stderr, "panko-charm: %v\n", err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stdout, "panko-charm %s: the Panko charm for Juju.\n", version)
		fmt.Fprintln(stdout, "Juju runs this program as the charm's dispatch; it is not meant to be run by hand.")
		return 0
	}
	root := getenv(charm.RootEnv)
	if root == "" {
		root = "/"
	}
	deps := charm.Deps{
		Tools:  juju.NewExecTools(),
		Host:   host.New(root),
		Env:    juju.EnvFrom(getenv),
		Stderr: stderr,
	}
	if root != "/" {
		deps = charm.Sandboxed(deps)
	}
	if err := charm.Run(ctx, ev, deps); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", ev.Name, err)
		return 1
	}
	return 0
}

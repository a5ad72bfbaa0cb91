// Command charmpack maintains the charm's hooks/ and actions/ symlinks and
// builds the panko.charm archive.
//
//	charmpack links                        rewrite hooks/ and actions/ from the metadata
//	charmpack check                        fail when the committed symlinks drift
//	charmpack docs                         regenerate docs/config.md and docs/actions.md
//	charmpack check-docs                   fail when the generated docs drift
//	charmpack archive BINARY STAGE OUT     stage the charm and write the archive
//
// Layer tooling (see internal/layers): it imports tooling and third-party
// modules only; only cmd/charmpack and tests import it, never the charm.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/openstack-charmers/charm-panko/internal/packaging"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "charmpack:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: charmpack links|check|archive BINARY STAGE OUT")
	}
	switch args[0] {
	case "links":
		return packaging.WriteLinks(".")
	case "check":
		problems, err := packaging.Drift(".")
		if err != nil {
			return err
		}
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("%d symlinks drift from the metadata: run make hooks", len(problems))
		}
		return nil
	case "docs":
		return packaging.WriteDocs(".")
	case "check-docs":
		drift, err := packaging.DocsDrift(".")
		if err != nil {
			return err
		}
		if len(drift) > 0 {
			return fmt.Errorf("%s drift from config.yaml/actions.yaml: run make docs", strings.Join(drift, ", "))
		}
		return nil
	case "archive":
		if len(args) != 4 {
			return fmt.Errorf("usage: charmpack archive BINARY STAGE OUT")
		}
		if err := packaging.Stage(".", args[1], args[2]); err != nil {
			return err
		}
		out, err := os.Create(args[3])
		if err != nil {
			return fmt.Errorf("create %s: %w", args[3], err)
		}
		if err := packaging.Archive(args[2], out); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	return fmt.Errorf("unknown command %q", args[0])
}

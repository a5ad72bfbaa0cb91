// Package agentbin builds the local model's unit agent and Juju's jujuc
// client (scripts/build-agent.sh) for the tests and the benchmark, and
// says where they are. It imports only the standard library; only tests
// and cmd/bench import it.
//
// Layer testsupport (see internal/layers): it imports no project package
// outside testsupport; only tests and cmd/bench import it, never code that
// ships or the local model.
package agentbin

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Build runs scripts/build-agent.sh of the module holding the working
// directory, which writes (or finds up to date) bin/localjuju-agent and
// bin/jujuc, and returns that bin directory.
func Build() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := exec.Command(filepath.Join(root, "scripts", "build-agent.sh")).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the unit agent: %w\n%s", err, out)
	}
	return filepath.Join(root, "bin"), nil
}

// Package tests holds the integration stories: the real built charm (and a
// scripted charm) driven through the local model with a real MariaDB.
//
// Layer stories (see internal/layers): it may import any layer; nothing
// imports it.
package tests

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/mariadb"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/agentbin"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/charmcopy"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/need"
)

// charmEnv names a prebuilt charm (archive or directory) the stories deploy.
// TestMain builds one for the whole run when it is not set.
const charmEnv = "PANKO_CHARM"

// agentEnv names the directory of the unit agent and Juju's jujuc the
// models run their hooks with; TestMain builds them when it is not set.
const agentEnv = "LOCALJUJU_AGENT_DIR"

// TestMain lets the test binary serve as the machine commands of the
// models the API stories open (they link to it). For the test run itself
// it builds the charm and the unit agent once and checks that no secret a story
// registered appears in the run's own output (see secrets_test.go).
func TestMain(m *testing.M) {
	if code, ok := localjuju.Multicall(os.Args, os.Stdin, os.Stdout, os.Stderr); ok {
		os.Exit(code)
	}
	os.Exit(runSuite(m))
}

// runSuite runs the tests with a charm built once and the output watched
// for secrets.
func runSuite(m *testing.M) int {
	work, err := os.MkdirTemp("", "panko-tests-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "create the suite's work directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(work)
	secretsDir := filepath.Join(work, "secrets")
	if err := os.Mkdir(secretsDir, 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "create the secrets directory: %v\n", err)
		return 1
	}
	if err := os.Setenv(secretsEnv, secretsDir); err != nil {
		fmt.Fprintf(os.Stderr, "set %s: %v\n", secretsEnv, err)
		return 1
	}
	if os.Getenv(charmEnv) == "" {
		stage := filepath.Join(work, "panko")
		if err := stageCharm(stage); err != nil {
			// The stories build again and fail with the error.
			fmt.Fprintf(os.Stderr, "build the charm once for the suite: %v\n", err)
		} else if err := os.Setenv(charmEnv, stage); err != nil {
			fmt.Fprintf(os.Stderr, "set %s: %v\n", charmEnv, err)
			return 1
		}
	}
	if os.Getenv(agentEnv) == "" {
		dir, err := agentbin.Build()
		if err != nil {
			fmt.Fprintf(os.Stderr, "build the unit agent for the suite: %v\n", err)
			return 1
		}
		if err := os.Setenv(agentEnv, dir); err != nil {
			fmt.Fprintf(os.Stderr, "set %s: %v\n", agentEnv, err)
			return 1
		}
	}
	out, err := captureOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "watch the test output: %v\n", err)
		return 1
	}
	code := m.Run()
	printed := out.stop()
	secrets, err := readRegisteredSecrets(secretsDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL read the registered secrets: %v\n", err)
		return 1
	}
	if leaks := findSecrets(printed, secrets); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL the test output holds %d registered secret(s): %s\n", len(leaks), strings.Join(leaks, "; "))
		return 1
	}
	if code == 0 {
		fmt.Fprintf(os.Stderr, "secrets: %d registered secret(s), none in %d bytes of test output\n", len(secrets), len(printed))
	}
	return code
}

// repoRoot is the module root (tests run in <root>/tests).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := moduleRoot()
	require.NoError(t, err)
	return root
}

// moduleRoot finds the module root from the working directory (<root>/tests).
func moduleRoot() (string, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("tests must run from <repo>/tests: %w", err)
	}
	return root, nil
}

// goTool finds the go command: on PATH, else the usual install location.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := "/usr/local/go/bin/go"; fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// goBuild builds a static binary of pkg (relative to the repo root).
func goBuild(t *testing.T, pkg, out string) {
	t.Helper()
	root := repoRoot(t)
	require.NoError(t, buildStatic(root, pkg, out))
}

// buildStatic builds a static binary of pkg (relative to root).
func buildStatic(root, pkg, out string) error {
	cmd := exec.Command(goTool(), "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, output)
	}
	return nil
}

// buildPankoCharm returns a charm to deploy: $PANKO_CHARM when set (the
// `make charm` archive, or the directory TestMain staged), else a charm
// directory assembled from the source tree.
func buildPankoCharm(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(charmEnv); p != "" {
		abs, err := filepath.Abs(p)
		require.NoError(t, err)
		return abs
	}
	stage := filepath.Join(t.TempDir(), "panko")
	require.NoError(t, stageCharm(stage))
	return stage
}

// stageCharm assembles a charm directory from the source tree:
// metadata/config/actions/manifest, templates, the static binary at
// bin/panko-charm and dispatch -> bin/panko-charm.
func stageCharm(stage string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(stage, "bin"), 0o755); err != nil {
		return fmt.Errorf("stage charm: %w", err)
	}
	if err := buildStatic(root, "./cmd/panko-charm", filepath.Join(stage, "bin", "panko-charm")); err != nil {
		return err
	}
	for _, name := range []string{"metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml"} {
		src := filepath.Join(root, name)
		if name != "metadata.yaml" && !fileExists(src) {
			continue
		}
		if err := charmcopy.File(src, filepath.Join(stage, name), 0o644); err != nil {
			return err
		}
	}
	if fileExists(filepath.Join(root, "templates")) {
		if err := charmcopy.Tree(filepath.Join(root, "templates"), filepath.Join(stage, "templates")); err != nil {
			return err
		}
	}
	if err := os.Symlink("bin/panko-charm", filepath.Join(stage, "dispatch")); err != nil {
		return fmt.Errorf("stage charm: %w", err)
	}
	return nil
}

// scriptedCharm returns the path of a scripted test charm in testdata.
func scriptedCharm(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	require.NoError(t, err)
	return p
}

// requireMariaDB skips the story when the MariaDB server is not installed.
func requireMariaDB(t *testing.T) {
	t.Helper()
	if _, _, err := mariadb.FindBinaries(); err != nil {
		need.Skip(t, "real MariaDB needed: %v", err)
	}
}

// newModel opens a fresh model whose machine commands are this test
// binary; the model (and its private MariaDB) is destroyed after the test.
func newModel(t *testing.T) *localjuju.Model {
	t.Helper()
	m, err := localjuju.OpenWith(filepath.Join(t.TempDir(), "model"), localjuju.Options{HookTimeout: 3 * time.Minute, Progress: progressWriter(), AgentDir: os.Getenv(agentEnv)})
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := m.Destroy(context.Background()); err != nil {
			t.Errorf("destroy model: %v", err)
		}
	})
	return m
}

// openDB connects to the model's database server as root.
func openDB(t *testing.T, m *localjuju.Model) *sql.DB {
	t.Helper()
	dsn, err := m.MySQLDSN(context.Background())
	require.NoError(t, err)
	db, err := sql.Open("mysql", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Ping())
	return db
}

func hasDatabase(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n))
	return n == 1
}

// grantsOf returns every GRANT line of every host of a database user.
func grantsOf(t *testing.T, db *sql.DB, user string) map[string][]string {
	t.Helper()
	rows, err := db.Query("SELECT Host FROM mysql.user WHERE User = ?", user)
	require.NoError(t, err)
	var hosts []string
	for rows.Next() {
		var h string
		require.NoError(t, rows.Scan(&h))
		hosts = append(hosts, h)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	out := map[string][]string{}
	for _, h := range hosts {
		grows, err := db.Query("SHOW GRANTS FOR " + quoteString(user) + "@" + quoteString(h))
		require.NoError(t, err)
		for grows.Next() {
			var g string
			require.NoError(t, grows.Scan(&g))
			out[h] = append(out[h], redactPassword(g))
		}
		require.NoError(t, grows.Err())
		grows.Close()
	}
	return out
}

// quoteString quotes a string literal for MariaDB (SHOW GRANTS takes no
// placeholders).
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// redactPassword removes the password hash from a GRANT line.
func redactPassword(g string) string {
	if i := strings.Index(g, " IDENTIFIED BY PASSWORD"); i >= 0 {
		return g[:i]
	}
	return g
}

// hooksRun lists the hooks a unit ran successfully, in order, from the
// model log.
func hooksRun(t *testing.T, m *localjuju.Model, unit string) []string {
	t.Helper()
	logs, err := m.Logs(unit)
	require.NoError(t, err)
	var out []string
	for _, l := range logs {
		if l.Unit == unit && l.Source == "hook" && l.Level == "INFO" && strings.HasPrefix(l.Message, "ran ") {
			out = append(out, l.Hook)
		}
	}
	return out
}

// relationData returns what `show-unit UNIT` shows for the relation on
// endpoint ep.
func relationData(t *testing.T, m *localjuju.Model, unit, ep string) localjuju.RelationInfo {
	t.Helper()
	info, err := m.ShowUnit(unit)
	require.NoError(t, err)
	for _, ri := range info[unit].RelationInfo {
		if ri.Endpoint == ep {
			return ri
		}
	}
	t.Fatalf("%s has no relation on %s", unit, ep)
	return localjuju.RelationInfo{}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// progressWriter returns where hook progress goes: stderr with timestamps
// when PANKO_TESTS_PROGRESS is set, else nowhere.
func progressWriter() io.Writer {
	if os.Getenv("PANKO_TESTS_PROGRESS") == "" {
		return nil
	}
	return stampWriter{os.Stderr}
}

// stampWriter prefixes every write with the time.
type stampWriter struct{ w io.Writer }

func (s stampWriter) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(s.w, "%s %s", time.Now().Format("15:04:05.000"), p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// story starts a story on the real MariaDB after the given requirements:
// it runs in parallel with the others, with the built charm and a fresh
// model.
func story(t *testing.T, needs ...func(*testing.T)) (context.Context, string, *localjuju.Model) {
	t.Helper()
	requireMariaDB(t)
	for _, r := range needs {
		r(t)
	}
	t.Parallel()
	return context.Background(), buildPankoCharm(t), newModel(t)
}

// deployRelated deploys panko as args say and each simulated application
// in apps related to it, then settles the model.
func deployRelated(t *testing.T, ctx context.Context, m *localjuju.Model, args localjuju.DeployArgs, apps ...string) {
	t.Helper()
	require.NoError(t, m.Deploy(ctx, args))
	for _, app := range apps {
		require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: app}))
		_, err := m.Relate(ctx, args.Name, app)
		require.NoError(t, err)
	}
	settle(t, m)
}

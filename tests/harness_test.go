// Package tests holds the integration stories: the real built charm (and a
// scripted charm) driven through the local model with a real MariaDB.
package tests

import (
	"context"
	"database/sql"
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
)

// TestMain lets the test binary serve as the hook tools and machine
// commands of the models the API stories open (they link to it).
func TestMain(m *testing.M) {
	if code, ok := localjuju.Multicall(os.Args, os.Stdin, os.Stdout, os.Stderr); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// repoRoot is the module root (tests run in <root>/tests).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "tests must run from <repo>/tests")
	return root
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
	cmd := exec.Command(goTool(), "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s:\n%s", pkg, output)
}

// buildPankoCharm returns a charm to deploy: $PANKO_CHARM when set (e.g.
// the `make charm` archive), else a charm directory assembled from the
// source tree: metadata/config/actions/manifest, templates, the static
// binary at bin/panko-charm and dispatch -> bin/panko-charm.
func buildPankoCharm(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PANKO_CHARM"); p != "" {
		abs, err := filepath.Abs(p)
		require.NoError(t, err)
		return abs
	}
	root := repoRoot(t)
	stage := filepath.Join(t.TempDir(), "panko")
	require.NoError(t, os.MkdirAll(filepath.Join(stage, "bin"), 0o755))
	goBuild(t, "./cmd/panko-charm", filepath.Join(stage, "bin", "panko-charm"))
	for _, name := range []string{"metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml"} {
		src := filepath.Join(root, name)
		if name != "metadata.yaml" && !fileExists(src) {
			continue
		}
		copyFile(t, src, filepath.Join(stage, name), 0o644)
	}
	if fileExists(filepath.Join(root, "templates")) {
		copyTree(t, filepath.Join(root, "templates"), filepath.Join(stage, "templates"))
	}
	require.NoError(t, os.Symlink("bin/panko-charm", filepath.Join(stage, "dispatch")))
	return stage
}

// scriptedCharm returns the path of a scripted test charm in testdata.
func scriptedCharm(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	require.NoError(t, err)
	return p
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		copyFile(t, p, target, fi.Mode().Perm())
		return nil
	})
	require.NoError(t, err)
}

// requireMariaDB skips the story when the MariaDB server is not installed.
func requireMariaDB(t *testing.T) {
	t.Helper()
	if _, _, err := mariadb.FindBinaries(); err != nil {
		t.Skipf("real MariaDB needed: %v", err)
	}
}

// newModel opens a fresh model whose hook tools are this test binary; the
// model (and its private MariaDB) is destroyed after the test.
func newModel(t *testing.T) *localjuju.Model {
	t.Helper()
	m, err := localjuju.OpenWith(filepath.Join(t.TempDir(), "model"), localjuju.Options{HookTimeout: 3 * time.Minute})
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

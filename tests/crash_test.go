package tests

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openstack-charmers/charm-panko/cmd/bench/benchwire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/charm"
	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
	"github.com/openstack-charmers/charm-panko/internal/testsupport/charmcopy"
)

// Environment of the crash-consistency test.
const (
	// crashTrialsEnv sets the number of kills (default crashDefaultTrials;
	// the full run is 200 or more).
	crashTrialsEnv     = "PANKO_CRASH_TRIALS"
	crashDefaultTrials = 20
	// crashSeedEnv replays a run: the test logs the seed it used.
	crashSeedEnv = "PANKO_CRASH_SEED"
)

// crashUnit is the unit the test kills.
const crashUnit = "panko/0"

// crashVariant is one configuration the unit moves to: options to set and
// options to reset to their defaults.
type crashVariant struct {
	name  string
	set   map[string]string
	reset []string
}

// crashVariants move the unit between plain and TLS configurations, each
// changing several managed files (panko.conf, the API site, haproxy.cfg,
// the TLS site, certificate, key and CA files, enabled sites).
func crashVariants(t *testing.T) []crashVariant {
	t.Helper()
	ca, err := vault.NewCA(t.TempDir())
	require.NoError(t, err)
	cert, key, err := ca.Issue("10.5.0.10", []string{"10.5.0.10"}, 90*24*time.Hour)
	require.NoError(t, err)
	b64 := func(b ...[]byte) string {
		var all []byte
		for _, p := range b {
			all = append(all, strings.TrimSpace(string(p))+"\n"...)
		}
		return base64.StdEncoding.EncodeToString(all)
	}
	sslKey := b64(key)
	registerSecrets(t, append(pemSecrets("crash test ssl_key", string(key)), secret{Label: "crash test ssl_key (base64)", Value: sslKey})...)
	ssl := map[string]string{"ssl_cert": b64(cert, ca.ChainPEM()), "ssl_key": sslKey, "ssl_ca": b64(ca.CertPEM())}
	all := []string{"debug", "worker-multiplier", "haproxy-server-timeout", "haproxy-client-timeout", "ssl_cert", "ssl_key", "ssl_ca"}
	variant := func(name string, set map[string]string, extra map[string]string) crashVariant {
		v := crashVariant{name: name, set: map[string]string{}}
		for k, val := range set {
			v.set[k] = val
		}
		for k, val := range extra {
			v.set[k] = val
		}
		for _, k := range all {
			if _, ok := v.set[k]; !ok {
				v.reset = append(v.reset, k)
			}
		}
		return v
	}
	return []crashVariant{
		variant("plain defaults", nil, nil),
		variant("plain tuned", map[string]string{"debug": "true", "worker-multiplier": "0.5", "haproxy-server-timeout": "60000"}, nil),
		variant("tls", map[string]string{"debug": "true"}, ssl),
		variant("tls tuned", map[string]string{"worker-multiplier": "2", "haproxy-client-timeout": "30000"}, ssl),
	}
}

// crashManaged lists the entries the charm manages under a unit root (in
// the unit's view): its configuration files, enabled sites and TLS files.
func crashManaged(root string) []string {
	paths := []string{charm.PankoConf, charm.DBCAFile, charm.APISiteFile, charm.APISiteLink, charm.HAProxyCfg,
		charm.MemcachedConf, charm.HTTPSSiteFile, "/etc/apache2/sites-enabled/" + charm.HTTPSSite + ".conf", charm.CACertFile}
	entries, _ := os.ReadDir(filepath.Join(root, charm.SSLDir))
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			paths = append(paths, filepath.Join(charm.SSLDir, e.Name()))
		}
	}
	return paths
}

// crashDirs are the directories of the managed files (unit view).
func crashDirs() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range crashManaged("/nonexistent") {
		if d := filepath.Dir(p); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	if !seen[charm.SSLDir] {
		out = append(out, charm.SSLDir)
	}
	return out
}

// crashState is what the test compares of one managed entry: "absent", a
// link target, or the content hash with mode and ownership.
type crashState = string

// crashSnapshot records every managed entry under root.
func crashSnapshot(root string) map[string]crashState {
	out := map[string]crashState{}
	for _, p := range crashManaged(root) {
		full := filepath.Join(root, p)
		fi, err := os.Lstat(full)
		switch {
		case err != nil:
			out[p] = "absent"
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(full)
			out[p] = "link " + target
		default:
			data, err := os.ReadFile(full)
			if err != nil {
				out[p] = "unreadable: " + err.Error()
				continue
			}
			sum := sha256.Sum256(data)
			st, _ := fi.Sys().(*syscall.Stat_t)
			owner := "?"
			if st != nil {
				owner = fmt.Sprintf("%d:%d", st.Uid, st.Gid)
			}
			out[p] = fmt.Sprintf("%s %o %s %d bytes", hex.EncodeToString(sum[:8]), fi.Mode().Perm(), owner, len(data))
		}
	}
	return out
}

// stateOf returns the state of p in s ("absent" when s does not list it).
func stateOf(s map[string]crashState, p string) crashState {
	if v, ok := s[p]; ok {
		return v
	}
	return "absent"
}

// crashLeftovers counts temporary files of interrupted writes next to the
// managed files.
func crashLeftovers(root string) []string {
	dirs := map[string]bool{}
	for _, p := range crashManaged(root) {
		dirs[filepath.Dir(p)] = true
	}
	var out []string
	for d := range dirs {
		entries, _ := os.ReadDir(filepath.Join(root, d))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp") {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	sort.Strings(out)
	return out
}

// crashStage copies the charm at src (archive or directory) to dst with
// hookwrap as its dispatch, reporting to control.
func crashStage(t *testing.T, src, dst, control string) {
	t.Helper()
	require.NoError(t, charmcopy.Charm(src, dst))
	dispatch := filepath.Join(dst, "dispatch")
	require.NoError(t, os.RemoveAll(dispatch))
	goBuild(t, "./cmd/bench/hookwrap", dispatch)
	cfg, err := json.Marshal(map[string]any{"control": control, "measure": false})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dst, "hookwrap.json"), cfg, 0o644))
}

func readHookRuns(t *testing.T, control string) []benchwire.Record {
	t.Helper()
	f, err := os.Open(filepath.Join(control, "records.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var out []benchwire.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r benchwire.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		out = append(out, r)
	}
	require.NoError(t, sc.Err())
	return out
}

func envInt(t *testing.T, name string, def int64) int64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	require.NoError(t, err, "%s", name)
	return n
}

// crashApply moves the application to variant v.
func crashApply(t *testing.T, m *localjuju.Model, v crashVariant) {
	t.Helper()
	require.NoError(t, m.Config(context.Background(), "panko", v.set, v.reset), "config %s", v.name)
}

// crashStatus is the unit's workload status as "status: message".
func crashStatus(m *localjuju.Model) string {
	u := m.Status().Applications["panko"].Units[crashUnit]
	return u.WorkloadStatus.Current + ": " + u.WorkloadStatus.Message
}

// TestCrashConsistency kills the real charm binary with SIGKILL at random
// moments of config-changed hooks that rewrite its files (moving between
// plain and TLS configurations): after each kill every managed file is the
// old or the new complete version, never partial or missing, and once the
// failed hook is resolved and retried the unit is exactly where an
// uninterrupted run puts it.
func TestCrashConsistency(t *testing.T) {
	requireMariaDB(t)
	ctx := context.Background()
	trials := int(envInt(t, crashTrialsEnv, crashDefaultTrials))
	seed := envInt(t, crashSeedEnv, time.Now().UnixNano())
	t.Logf("%d trials; replay with %s=%d", trials, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x70616e6b6f))

	control := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(control, "kill"), 0o755))
	stage := filepath.Join(t.TempDir(), "panko")
	crashStage(t, buildPankoCharm(t), stage, control)
	variants := crashVariants(t)

	m := newModel(t)
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Name: "panko", CharmPath: stage}))
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "mysql"}))
	require.NoError(t, m.Deploy(ctx, localjuju.DeployArgs{Charm: "keystone"}))
	_, err := m.Relate(ctx, "panko", "mysql")
	require.NoError(t, err)
	_, err = m.Relate(ctx, "panko:identity-service", "keystone")
	require.NoError(t, err)
	require.NoError(t, m.Settle(ctx))
	require.Empty(t, m.ErroredUnits())
	require.Equal(t, "active: Unit is ready", crashStatus(m))
	root, err := m.UnitRoot(crashUnit)
	require.NoError(t, err)

	// An uninterrupted run through every variant gives the reference state
	// of each. TLS is turned on once before, so that the references hold
	// what TLS leaves behind once it has been used (certificate files stay
	// when it is turned off).
	crashApply(t, m, variants[2])
	require.NoError(t, m.Settle(ctx))
	refs := make([]map[string]crashState, len(variants))
	statuses := make([]string, len(variants))
	for i, v := range variants {
		crashApply(t, m, v)
		require.NoError(t, m.Settle(ctx))
		require.Empty(t, m.ErroredUnits(), "uninterrupted %s", v.name)
		refs[i], statuses[i] = crashSnapshot(root), crashStatus(m)
		require.True(t, strings.HasPrefix(statuses[i], "active: "), "%s: %s", v.name, statuses[i])
	}
	var longest int64
	for _, r := range readHookRuns(t, control) {
		if r.Unit == crashUnit && r.Dispatch == "hooks/config-changed" && r.Exit == 0 {
			longest = max(longest, r.WallNS/1000)
		}
	}
	require.NotZero(t, longest, "no uninterrupted config-changed recorded")
	t.Logf("longest uninterrupted config-changed: %d ms", longest/1000)

	killFile := filepath.Join(control, "kill", strings.ReplaceAll(crashUnit, "/", "-"))
	cur, killed, partial, mixed := len(variants)-1, 0, 0, 0
	for trial := 1; trial <= trials; trial++ {
		next := (cur + 1 + rng.IntN(len(variants)-1)) % len(variants)
		// A third of the kills land anywhere in the hook, a third in its
		// second half, and a third within 60 ms of the charm's first change
		// in a directory of managed files, while it writes them.
		delay := 1 + rng.Int64N(longest)
		order := strconv.FormatInt(delay, 10)
		switch rng.IntN(3) {
		case 1:
			delay = longest/2 + rng.Int64N(longest-longest/2)
			order = strconv.FormatInt(delay, 10)
		case 2:
			delay = 1 + rng.Int64N(60_000)
			order = fmt.Sprintf("write:%d:%s", delay, strings.Join(crashDirs(), ","))
		}
		require.NoError(t, os.WriteFile(killFile, []byte(order), 0o644))
		crashApply(t, m, variants[next])
		require.NoError(t, m.Settle(ctx))
		_ = os.Remove(killFile)

		mid := crashSnapshot(root)
		sawOld, sawNew := false, false
		for _, p := range unionKeys(refs[cur], refs[next], mid) {
			got, old, now := stateOf(mid, p), stateOf(refs[cur], p), stateOf(refs[next], p)
			sawOld = sawOld || (old != now && got == old)
			sawNew = sawNew || (old != now && got == now)
			if got != old && got != now {
				partial++
				t.Errorf("trial %d (%s -> %s, kill order %s): %s is neither the old nor the new version: got %s, old %s, new %s",
					trial, variants[cur].name, variants[next].name, order, p, got, old, now)
			}
		}
		if sawOld && sawNew {
			mixed++
		}
		if _, failed := m.ErroredUnits()[crashUnit]; failed {
			killed++
			require.NoError(t, m.Resolve(ctx, crashUnit, true))
			require.NoError(t, m.Settle(ctx))
		}
		require.Empty(t, m.ErroredUnits(), "trial %d: the retried hook failed", trial)
		after := crashSnapshot(root)
		for _, p := range unionKeys(after, refs[next]) {
			assert.Equal(t, stateOf(refs[next], p), stateOf(after, p), "trial %d (%s -> %s, kill order %s): %s differs from an uninterrupted run",
				trial, variants[cur].name, variants[next].name, order, p)
		}
		assert.Equal(t, statuses[next], crashStatus(m), "trial %d: status", trial)
		cur = next
	}
	kills := 0
	for _, r := range readHookRuns(t, control) {
		if r.KillAfterUS > 0 && r.Signal != "" {
			kills++
		}
	}
	leftovers := crashLeftovers(root)
	t.Logf("%d trials: %d hooks killed mid-run (%d SIGKILL records), %d killed between two file writes, %d files neither old nor new, %d temporary files left behind %v",
		trials, killed, kills, mixed, partial, len(leftovers), leftovers)
	assert.GreaterOrEqual(t, killed, trials/4, "too few kills landed inside a hook for the test to mean anything")
}

// unionKeys returns the keys of every map, sorted.
func unionKeys(maps ...map[string]crashState) []string {
	seen := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

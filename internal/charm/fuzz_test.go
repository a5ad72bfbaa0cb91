package charm

import (
	"context"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/openstack-charmers/charm-panko/internal/host"
	"github.com/openstack-charmers/charm-panko/internal/host/hosttest"
	"github.com/openstack-charmers/charm-panko/internal/juju"
	"github.com/openstack-charmers/charm-panko/internal/juju/jujutest"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/vault"
)

// tbRun fires ev on w like world.run, for benchmarks and fuzz targets.
func (w *world) tbRun(tb testing.TB, ev juju.Event) (*jujutest.Backend, *hosttest.Fake, error) {
	tb.Helper()
	tools := jujutest.New(tb, charmDir, w.juju)
	h := hosttest.New(w.host)
	return tools, h, Run(context.Background(), ev, w.deps(tools, h))
}

// deps are the boundaries of a run of w on tools and h.
func (w *world) deps(tools *jujutest.Backend, h *hosttest.Fake) Deps {
	h.HandleCommand("panko-dbsync", func(argv []string) (host.Result, error) { return host.Result{}, nil })
	now := w.now
	if now.IsZero() {
		now = time.Now()
	}
	return Deps{
		Tools:      tools,
		Host:       h,
		Env:        juju.Env{Unit: w.juju.Unit, App: "panko"},
		DB:         &fakeDB{schema: true},
		Random:     func(n int) []byte { return make([]byte, n) },
		Now:        func() time.Time { return now },
		LookupAddr: func(context.Context, string) ([]string, error) { return nil, errors.New("no reverse DNS in tests") },
		HTTP:       w.http,
	}
}

// clone copies w deeply enough that a run on the copy, and changes to its
// relation data and config, leave w alone.
func (w *world) clone() *world {
	c := *w
	c.juju.Config = maps.Clone(w.juju.Config)
	c.juju.LeaderData = maps.Clone(w.juju.LeaderData)
	c.juju.Relations = make([]jujutest.Relation, len(w.juju.Relations))
	for i, r := range w.juju.Relations {
		r.RemoteUnits = map[string]map[string]string{}
		for u, bag := range w.juju.Relations[i].RemoteUnits {
			r.RemoteUnits[u] = maps.Clone(bag)
		}
		r.LocalUnit, r.LocalApp, r.RemoteAppData = maps.Clone(r.LocalUnit), maps.Clone(r.LocalApp), maps.Clone(r.RemoteAppData)
		c.juju.Relations[i] = r
	}
	return &c
}

// fullUnit is an active leader related on every endpoint: database,
// keystone, a peer, ceilometer, a clustered hacluster behind vip
// 10.5.0.100, and vault, whose certificates it serves.
func fullUnit(tb testing.TB) *world {
	tb.Helper()
	w := newWorld(true, sharedDBReady(), keystoneReady(),
		robustPeers(map[string]map[string]string{"panko/1": {"private-address": "10.5.0.11", "private_address": "10.5.0.11"}}),
		robustEventService(), haRelation(true), amqpReady(tb),
		jujutest.Relation{ID: "certificates:7", RemoteUnits: map[string]map[string]string{"vault/0": {}}})
	w.juju.Config = map[string]any{"vip": "10.5.0.100"}
	tools, h, err := w.tbRun(tb, hook("certificates-relation-joined"))
	if err != nil {
		tb.Fatalf("certificates-relation-joined: %v", err)
	}
	w.robustCarry(tools, h)
	req, _ := tools.RelationData("certificates:7")
	ca, err := vault.NewCA(tb.TempDir())
	if err != nil {
		tb.Fatalf("vault CA: %v", err)
	}
	answer, err := ca.Answer(vault.RequestBag{Unit: "panko/0", Data: req})
	if err != nil {
		tb.Fatalf("vault answer: %v", err)
	}
	w.juju.Relations[w.robustRelIndexTB(tb, Certificates)].RemoteUnits["vault/0"] = answer
	tools, h, err = w.tbRun(tb, hook("certificates-relation-changed"))
	if err != nil {
		tb.Fatalf("certificates-relation-changed: %v", err)
	}
	if st, msg := tools.Status(); st != "active" {
		tb.Fatalf("full unit not active: %s: %s", st, msg)
	}
	w.robustCarry(tools, h)
	return w
}

func (w *world) robustRelIndexTB(tb testing.TB, endpoint string) int {
	tb.Helper()
	for i, r := range w.juju.Relations {
		if strings.HasPrefix(r.ID, endpoint+":") {
			return i
		}
	}
	tb.Fatalf("no %s relation", endpoint)
	return -1
}

// configTypes maps every option of config.yaml to its type.
func configTypes(tb testing.TB) map[string]string {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(charmDir, "config.yaml"))
	if err != nil {
		tb.Fatalf("read config.yaml: %v", err)
	}
	var doc struct {
		Options map[string]struct {
			Type string `yaml:"type"`
		} `yaml:"options"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		tb.Fatalf("parse config.yaml: %v", err)
	}
	out := map[string]string{}
	for name, o := range doc.Options {
		out[name] = o.Type
	}
	return out
}

// fuzzValue turns raw into a value of the option's type, as Juju would
// hold it.
func fuzzValue(typ, raw string) any {
	switch typ {
	case "int":
		if n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64); err == nil {
			return n
		}
		return int64(len(raw)) - 2
	case "float":
		if x, err := strconv.ParseFloat(strings.TrimSpace(raw), 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x
		}
		return float64(len(raw)) - 1.5
	case "boolean":
		return len(raw)%2 == 1
	}
	return raw
}

// fuzzEndpoints are the relations a fuzz input changes, with the remote
// unit whose bag it edits.
func fuzzEndpoints() [][2]string {
	return [][2]string{
		{SharedDB, "mysql/0"}, {IdentityService, "keystone/0"}, {Cluster, "panko/1"},
		{EventService, "ceilometer/0"}, {HA, "hacluster/0"}, {Certificates, "vault/0"},
		{AMQP, "rabbitmq-server/0"},
	}
}

// validStatus reports whether st is a workload status a charm may set.
func validStatus(st string) bool {
	switch st {
	case "active", "blocked", "waiting", "maintenance":
		return true
	}
	return false
}

// FuzzCharmRun feeds random option values and relation data to a unit
// related on every endpoint and fires a hook: the charm must not panic nor
// fail the hook, and must leave a valid status that holds no secret.
func FuzzCharmRun(f *testing.F) {
	f.Add(uint8(0), "10.0.0.300", uint8(1), "-1", uint8(0), "db_port", "abc", uint8(0))
	f.Add(uint8(3), "cloud:focal-wallaby", uint8(9), "", uint8(1), "service_port", "", uint8(2))
	f.Add(uint8(7), "0", uint8(12), "eth0", uint8(2), "private-address", "not an address", uint8(2))
	f.Add(uint8(20), "x", uint8(21), "%%%", uint8(5), "ca", "-----BEGIN CERTIFICATE-----", uint8(2))
	f.Add(uint8(5), "true", uint8(6), "192.168.1.1 192.168.1.1", uint8(4), "clustered", "no", uint8(1))
	f.Add(uint8(2), "", uint8(2), "", uint8(3), "publisher", "{", uint8(3))
	f.Add(uint8(11), "RegionTwo", uint8(11), "", uint8(5), "panko_0.processed_requests", `{"x": 1}`, uint8(4))
	var once sync.Once
	var base *world
	var names []string
	var types map[string]string
	f.Fuzz(func(t *testing.T, o1 uint8, v1 string, o2 uint8, v2 string, rel uint8, key, value string, ev uint8) {
		once.Do(func() {
			types = configTypes(t)
			for n := range types {
				names = append(names, n)
			}
			sort.Strings(names)
			base = fullUnit(t)
		})
		if base == nil {
			t.Skip("the base unit could not be built")
		}
		w := base.clone()
		for _, o := range []struct {
			idx uint8
			v   string
		}{{o1, v1}, {o2, v2}} {
			name := names[int(o.idx)%len(names)]
			w.juju.Config[name] = fuzzValue(types[name], o.v)
		}
		eps := fuzzEndpoints()
		ep := eps[int(rel)%len(eps)]
		bag := w.juju.Relations[w.robustRelIndexTB(t, ep[0])].RemoteUnits[ep[1]]
		if key == "" {
			clear(bag)
		} else {
			bag[key] = value
		}
		hooks := []string{"config-changed", "update-status", ep[0] + "-relation-changed", "leader-settings-changed", "upgrade-charm"}
		name := hooks[int(ev)%len(hooks)]
		tools, _, err := w.tbRun(t, hook(name))
		if err != nil {
			t.Fatalf("%s failed: %v", name, err)
		}
		st, msg := tools.Status()
		if !validStatus(st) {
			t.Fatalf("%s left status %q", name, st)
		}
		if msg == "" || len(msg) > 4096 {
			t.Fatalf("%s left a %d-byte %s message", name, len(msg), st)
		}
		for _, secret := range []string{dbPassword, ksPassword} {
			if strings.Contains(msg, secret) {
				t.Fatalf("%s: the status message holds a secret", name)
			}
		}
	})
}

// BenchmarkPlan measures plan alone on the inputs of the full unit.
func BenchmarkPlan(b *testing.B) {
	w := fullUnit(b)
	tools := jujutest.New(b, charmDir, w.juju)
	h := hosttest.New(w.host)
	in, err := readInputs(context.Background(), hook("config-changed"), w.deps(tools, h))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if p := plan(in); p.Err != nil || p.Halt {
			b.Fatalf("plan: %v %v", p.Err, p.Status)
		}
	}
}

// BenchmarkRun measures whole hooks on the full unit with in-memory hook
// tools and machine: the charm's own work without process start-up.
func BenchmarkRun(b *testing.B) {
	w := fullUnit(b)
	for _, name := range []string{"config-changed", "update-status", "certificates-relation-changed"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				tools := jujutest.New(b, charmDir, w.juju)
				h := hosttest.New(w.host)
				d := w.deps(tools, h)
				b.StartTimer()
				if err := Run(context.Background(), hook(name), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

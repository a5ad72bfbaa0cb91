package sim

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingBroker stands in for the model's RabbitMQ node (tested on its
// own in internal/localjuju/rabbitmq) and records the users it is asked for.
type recordingBroker struct{ calls []string }

func (b *recordingBroker) EnsureUser(_ context.Context, vhost, user, password string) error {
	b.calls = append(b.calls, vhost+"/"+user+"/"+password)
	return nil
}

func rabbitAddrs() map[string]string {
	return map[string]string{"rabbitmq-server/0": "10.5.0.10", "rabbitmq-server/1": "10.5.0.11", "rabbitmq-server/2": "10.5.0.12"}
}

func rabbitUnits() []string {
	return []string{"rabbitmq-server/0", "rabbitmq-server/1", "rabbitmq-server/2"}
}

func newRabbitSim(t *testing.T, dir string, b Broker) App {
	t.Helper()
	app, err := New("rabbitmq-server", nil, Env{StateDir: dir, UnitAddress: addressOf(rabbitAddrs()), Broker: b})
	require.NoError(t, err)
	return app
}

func amqpRelation(remote bags) Relation {
	return Relation{ID: 42, Endpoint: "amqp", RemoteApp: "panko", RemoteUnits: remote, Units: ownBags(rabbitAddrs())}
}

func TestRabbitMQAnswersAsTheRecordedCharm(t *testing.T) {
	f := loadFixture(t, "rabbitmq-server-amqp")
	b := &recordingBroker{}
	app := newRabbitSim(t, t.TempDir(), b)

	resp, err := app.Respond(context.Background(), rabbitUnits(), "rabbitmq-server/0", amqpRelation(copyBags(f.Local.Units)))

	require.NoError(t, err)
	require.Len(t, resp.Units, 3)
	password := resp.Units["rabbitmq-server/0"]["password"]
	assert.Len(t, password, 64, "pwgen(length=64)")
	assert.Equal(t, -1, strings.IndexFunc(password, func(r rune) bool { return !strings.ContainsRune(pwgenAlphabet(), r) }), "pwgen's alphabet")
	for _, u := range rabbitUnits() {
		got := resp.Units[u]
		assert.Equal(t, rabbitAddrs()[u], got["hostname"], "own address")
		assert.Equal(t, rabbitAddrs()[u], got["private-address"])
		assert.Equal(t, password, got["password"], "one password for every unit")
		assert.Equal(t, keysOf(withoutJujuKeys(f.Remote.Units[u])), keysOf(withoutJujuKeys(got)), "the recorded keys")
	}
	assert.Equal(t, []string{"openstack/panko/" + password}, b.calls)
}

func TestRabbitMQKeepsThePasswordAndCreatesTheUserOnce(t *testing.T) {
	f := loadFixture(t, "rabbitmq-server-amqp")
	b := &recordingBroker{}
	dir := t.TempDir()
	first, err := newRabbitSim(t, dir, b).Respond(context.Background(), rabbitUnits(), "rabbitmq-server/0", amqpRelation(copyBags(f.Local.Units)))
	require.NoError(t, err)

	again, err := newRabbitSim(t, dir, b).Respond(context.Background(), rabbitUnits(), "rabbitmq-server/1", amqpRelation(copyBags(f.Local.Units)))

	require.NoError(t, err)
	assert.True(t, first.Units["rabbitmq-server/2"]["password"] == again.Units["rabbitmq-server/2"]["password"], "password kept")
	assert.Len(t, b.calls, 1, "the user exists: no second rabbitmqctl round")
}

func TestRabbitMQWaits(t *testing.T) {
	cases := []struct {
		name   string
		leader string
		remote bags
		want   map[string]string // rabbitmq-server/0's answer; nil: none
	}{
		{"no leader", "", bags{"panko/0": {"username": "panko", "vhost": "openstack"}}, nil},
		{"no request yet: addresses only", "rabbitmq-server/0", bags{"panko/0": {}}, map[string]string{"hostname": "10.5.0.10"}},
		{"username without vhost", "rabbitmq-server/0", bags{"panko/0": {"username": "panko"}}, map[string]string{"hostname": "10.5.0.10"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &recordingBroker{}

			resp, err := newRabbitSim(t, t.TempDir(), b).Respond(context.Background(), rabbitUnits(), tc.leader, amqpRelation(tc.remote))

			require.NoError(t, err)
			assert.Empty(t, b.calls)
			if tc.want == nil {
				assert.Empty(t, resp.Units)
				return
			}
			assert.Equal(t, tc.want, withoutJujuKeys(resp.Units["rabbitmq-server/0"]), "nothing but the address")
			assert.Equal(t, "10.5.0.10", resp.Units["rabbitmq-server/0"]["private-address"])
		})
	}
}

package render

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/testsupport/live"
)

// TestHAProxyLiveHealthCheckPerRelease renders haproxy.cfg for a release,
// runs the real haproxy in front of a stand-in of that release's Panko API
// and checks that the health check marks the backend UP, with HTTP/1.1
// requests that carry a Host header.
func TestHAProxyLiveHealthCheckPerRelease(t *testing.T) {
	bin := needBinary(t, "haproxy", "haproxy")
	for _, release := range []string{"ocata", "queens", "ussuri", "wallaby"} {
		t.Run(release, func(t *testing.T) {
			p, err := live.NewPankoStandIn(release)
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.2:0")
			if err != nil {
				t.Fatal(err)
			}
			live.ServeHTTP(t, l, p)
			host, port, err := net.SplitHostPort(l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			pn, _ := strconv.Atoi(port)

			d := newScenario(release, false, false, false).data
			d.HAProxy.Backends = []Backend{{Name: "panko-0", Addr: host, Port: pn}}
			d.HAProxy.FrontendPort = freePort(t)
			d.HAProxy.StatsPort = freePort(t)
			for d.HAProxy.StatsPort == d.HAProxy.FrontendPort {
				d.HAProxy.StatsPort = freePort(t)
			}
			h := startLiveHAProxy(t, bin, d)
			h.waitStatus(t, map[string]string{"panko-0": "UP"}, 20*time.Second)
			// haproxy may show a server UP before its checks have failed
			// "fall" (3) times: wait for three checks, then look again.
			deadline := time.Now().Add(20 * time.Second)
			for n, _ := p.Counts(); n < 3 && time.Now().Before(deadline); n, _ = p.Counts() {
				time.Sleep(100 * time.Millisecond)
			}
			st, err := h.serverStatus()
			if err != nil {
				t.Fatal(err)
			}
			if st["panko-0"] != "UP" {
				t.Errorf("after three health checks panko-0 is %q, want UP", st["panko-0"])
			}

			n, good := p.Counts()
			if n == 0 || good != n {
				t.Errorf("%d of %d health checks were HTTP/1.1 with a Host header, want all", good, n)
			}
		})
	}
}

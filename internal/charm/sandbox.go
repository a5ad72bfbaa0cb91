package charm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Sandboxed returns deps for a unit whose machine is emulated under a root
// directory other than "/" (the local model): reverse DNS reads only the
// unit's own /etc/hosts and HTTP probes reach only loopback addresses, so
// nothing leaves the machine for addresses that exist only in the model.
func Sandboxed(d Deps) Deps {
	d.LookupAddr = func(_ context.Context, addr string) ([]string, error) {
		data, err := d.Host.ReadFile("/etc/hosts")
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			f := strings.Fields(strings.SplitN(sc.Text(), "#", 2)[0])
			if len(f) > 1 && f[0] == addr {
				return f[1:], nil
			}
		}
		return nil, fmt.Errorf("no /etc/hosts entry for %s", addr)
	}
	inner := d.HTTP
	if inner == nil {
		inner = httpProbe{}
	}
	d.HTTP = loopbackProbe{inner}
	return d
}

// loopbackProbe refuses URLs whose host is not a loopback address.
type loopbackProbe struct{ inner HTTPProbe }

// Get implements HTTPProbe.
func (p loopbackProbe) Get(ctx context.Context, raw string) (int, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return 0, err
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return 0, fmt.Errorf("not probed: %s is outside this emulated unit", u.Hostname())
	}
	return p.inner.Get(ctx, raw)
}

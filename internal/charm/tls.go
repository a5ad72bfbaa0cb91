package charm

import (
	"context"
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
	"github.com/openstack-charmers/charm-panko/internal/relation/tlscerts"
	"github.com/openstack-charmers/charm-panko/internal/render"
	"github.com/openstack-charmers/charm-panko/internal/status"
)

// TLS files on the unit.
const (
	SSLDir        = "/etc/apache2/ssl/panko"
	CACertFile    = "/usr/local/share/ca-certificates/panko.crt"
	HTTPSSiteFile = "/etc/apache2/sites-available/openstack_https_frontend.conf"
	HTTPSSite     = "openstack_https_frontend"
	expiryWarning = 30 // days
)

// tlsModules returns the Apache modules the TLS frontend needs.
func tlsModules() []string {
	return []string{"ssl", "proxy", "proxy_http", "headers"}
}

// certRequests chooses the certificates this unit asks for.
func certRequests(in Inputs) (tlscerts.CertRequest, []tlscerts.CertRequest) {
	var eps []tlscerts.Endpoint
	for _, b := range openstack.Bindings() {
		eps = append(eps, tlscerts.Endpoint{
			Binding:  b,
			Hostname: in.Config.Hostname(b, "panko"),
			Resolved: endpointAddress(in, b),
			Address:  unitAddress(in, b),
			CIDRs:    in.CIDRs[string(b)],
		})
	}
	return tlscerts.Plan(tlscerts.RequestInput{
		Hostname:  in.Hostname,
		Address:   in.Addresses[Cluster],
		CIDRs:     in.CIDRs[Cluster],
		VIPs:      in.Config.VIPs(),
		Endpoints: eps,
	})
}

// planTLS requests certificates, picks the material to serve (ssl_* config
// first, then the certificates relation, else what is already installed
// when the new material is not usable) and fills data.TLS.
func planTLS(in Inputs, p *Plan, st *status.Collector, data *render.Data) *certSet {
	main, extra := certRequests(in)
	want := append([]tlscerts.CertRequest{main}, extra...)
	for _, rel := range in.Relations[Certificates] {
		bag := tlscerts.Request(in.Unit, main, extra)
		for _, k := range tlscerts.RequestKeys() {
			if _, ok := bag[k]; !ok && rel.Local[k] != "" {
				bag[k] = "" // a key the new request no longer sets
			}
		}
		publish(p, rel, bag)
	}
	var set *certSet
	switch {
	case in.SSLConfig != nil:
		set = servedForAll(*in.SSLConfig, want)
	case len(in.Relations[Certificates]) > 0:
		rel := in.Relations[Certificates][0]
		s, problem, pending := relationCerts(in, rel, want)
		switch {
		case problem != "":
			st.Add(status.Waiting, fmt.Sprintf("Certificates from %s are invalid: %s", rel.RemoteApp, problem))
			set = in.InstalledTLS.onlyFor(want)
		case pending:
			st.Incomplete(Certificates)
			set = in.InstalledTLS.onlyFor(want)
		default:
			set = s
		}
	}
	if set == nil {
		return nil
	}
	data.TLS = &render.TLS{ListenPort: openstack.TLSFrontendPort}
	data.WSGI.Addr = "127.0.0.1"
	data.WSGI.Port = openstack.WSGIListenPort(true)
	data.HAProxy.BackendTLS = true
	// Virtual hosts per local address: first the certificate whose SANs hold
	// that address (the default for clients without SNI, e.g. by IP), then
	// the other names for SNI.
	var addrs []string
	for _, a := range in.Addresses {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	addrs = uniq(addrs)
	cns := sortedCNs(set.Pairs, main.CN)
	for _, addr := range addrs {
		for _, cn := range cnsFor(addr, cns, want) {
			data.TLS.Endpoints = append(data.TLS.Endpoints, render.TLSEndpoint{
				Addr: addr, ServerName: cn, CertFile: certPath(cn), KeyFile: keyPath(cn),
			})
		}
	}
	p.RemoveFiles = append(p.RemoveFiles, servedRemovals(staleTLSFiles(in, cns)...)...)
	for _, cn := range cns {
		kp := set.Pairs[cn]
		certChain := pemJoin(kp.Cert, set.Chain)
		p.Files = append(p.Files,
			File{Path: certPath(cn), Data: certChain, Mode: 0o640, Owner: "root", Group: "panko", Reloads: []string{"apache2"}},
			File{Path: keyPath(cn), Data: pemJoin(kp.Key), Mode: 0o640, Owner: "root", Group: "root", Reloads: []string{"apache2"}, Secret: true},
		)
	}
	if len(set.CA) > 0 {
		p.Files = append(p.Files, File{Path: CACertFile, Data: pemJoin(set.CA), Mode: 0o644, Owner: "root", Group: "root", OnChange: []string{"update-ca-certificates"}})
	}
	return set
}

// servedForAll gives the one key pair of set (the ssl_* config's) to every
// requested name.
func servedForAll(set certSet, want []tlscerts.CertRequest) *certSet {
	kp := set.Pairs[""]
	set.Pairs = map[string]tlscerts.KeyPair{}
	for _, r := range want {
		set.Pairs[r.CN] = kp
	}
	return &set
}

// relationCerts checks the certificates relation's answer for every
// requested CN: a problem makes it unusable, pending means not all answered.
func relationCerts(in Inputs, rel Relation, want []tlscerts.CertRequest) (*certSet, string, bool) {
	reply, err := tlscerts.Parse(in.Unit, rel.UnitBags())
	if err != nil {
		return nil, err.Error(), false
	}
	var cns []string
	for _, r := range want {
		cns = append(cns, r.CN)
	}
	if len(reply.Missing(cns)) > 0 || len(reply.CA) == 0 {
		return nil, "", true
	}
	set := &certSet{Source: rel.RemoteApp, CA: reply.CA, Chain: reply.Chain, Pairs: map[string]tlscerts.KeyPair{}}
	for _, cn := range cns {
		kp := reply.Certs[cn]
		info, err := tlscerts.Verify(kp, reply.CA, reply.Chain, in.Now)
		if err != nil {
			return nil, fmt.Sprintf("%s: %v", cn, err), false
		}
		set.Pairs[cn] = kp
		if set.Expires.IsZero() || info.NotAfter.Before(set.Expires) {
			set.Expires = info.NotAfter
		}
	}
	return set, "", false
}

// cnsFor orders cns for the virtual hosts on addr: first the CN that is
// addr itself, then those whose requested SANs contain addr, then the rest.
// Apache (>= 2.4.64) gives a client without SNI (an IP URL) the first
// virtual host's handshake and answers 421 Misdirected Request when the Host
// header then selects another one by its ServerName, so the virtual host
// named by the address must be the first.
func cnsFor(addr string, cns []string, want []tlscerts.CertRequest) []string {
	covers := map[string]bool{}
	for _, r := range want {
		for _, san := range r.SANs {
			if san == addr {
				covers[r.CN] = true
			}
		}
		if r.CN == addr {
			covers[r.CN] = true
		}
	}
	rank := func(cn string) int {
		switch {
		case cn == addr:
			return 0
		case covers[cn]:
			return 1
		}
		return 2
	}
	out := append([]string(nil), cns...)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// sortedCNs orders the CNs: first, then the rest by name.
func sortedCNs(pairs map[string]tlscerts.KeyPair, first string) []string {
	var rest []string
	for cn := range pairs {
		if cn != first {
			rest = append(rest, cn)
		}
	}
	sort.Strings(rest)
	if _, ok := pairs[first]; ok {
		return append([]string{first}, rest...)
	}
	return rest
}

// expiryNote notes the certificate expiry when near ("" otherwise).
func expiryNote(set *certSet, now time.Time) string {
	if set == nil || set.Expires.IsZero() {
		return ""
	}
	days := int(set.Expires.Sub(now).Hours() / 24)
	if days < expiryWarning {
		return fmt.Sprintf("TLS certificate expires in %d days", days)
	}
	return ""
}

func uniq(sorted []string) []string {
	var out []string
	for i, s := range sorted {
		if s != "" && (i == 0 || s != sorted[i-1]) {
			out = append(out, s)
		}
	}
	return out
}

// chooseHostname keeps the name of the request already published while it
// gives the same request, else takes the name read (looked up or recorded).
func chooseHostname(in Inputs) string {
	if cn, ok := previousHostname(in); ok {
		return cn
	}
	return in.Hostname
}

// previousHostname returns the host name of the request this unit already
// published on the certificates relation when, with that name, the request
// it would publish now is the same (same names, same addresses): the CN
// then stays as it was and no reverse lookup is needed, so a lookup that
// fails or times out once does not change the request and tear TLS down.
func previousHostname(in Inputs) (string, bool) {
	for _, rel := range in.Relations[Certificates] {
		if rel.Local[tlscerts.KeyCommonName] == "" {
			continue
		}
		_, prev, err := tlscerts.ParseRequest(rel.Local)
		if err != nil {
			continue
		}
		for _, r := range prev {
			try := in
			try.Hostname = r.CN
			main, extra := certRequests(try)
			bag := tlscerts.Request(in.Unit, main, extra)
			same := true
			for _, k := range []string{tlscerts.KeyCommonName, tlscerts.KeySANs, tlscerts.KeyCertRequests} {
				if bag[k] != rel.Local[k] {
					same = false
				}
			}
			if same {
				return r.CN, true
			}
		}
	}
	return "", false
}

// lookupHostname returns the reverse-DNS name of addr, or "".
func lookupHostname(ctx context.Context, lookup func(context.Context, string) ([]string, error), addr string) string {
	if lookup == nil || net.ParseIP(addr) == nil {
		return ""
	}
	names, err := lookup(ctx, addr)
	if err != nil || len(names) == 0 {
		return ""
	}
	return names[0]
}

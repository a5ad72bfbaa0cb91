package live

import (
	"fmt"
	"io"
	"net/http"
	"sync"
)

// pankoFacts is what the real Panko API of a release answers without a
// token, from openstack/panko's tags (see the design's panko-service.md):
// the /healthcheck route exists from 10.0.0 (Wallaby); on 2.0.0 (Ocata)
// the keystone middleware wraps every path, / included.
type pankoFacts struct {
	version     string
	healthcheck bool
	authOnRoot  bool
}

// pankoReleases holds the facts of the releases the stand-in knows.
func pankoReleases() map[string]pankoFacts {
	return map[string]pankoFacts{
		"ocata":    {version: "2.0.0", authOnRoot: true},
		"pike":     {version: "3.0.0"},
		"queens":   {version: "4.0.0"},
		"rocky":    {version: "5.0.0"},
		"stein":    {version: "6.0.0"},
		"train":    {version: "7.0.0"},
		"ussuri":   {version: "8.0.0"},
		"victoria": {version: "9.0.0"},
		"wallaby":  {version: "10.0.0", healthcheck: true},
	}
}

// PankoStandIn answers as the Panko API of one release does without a
// token, for releases that cannot be installed on these machines. It
// counts the requests it gets.
type PankoStandIn struct {
	release string
	facts   pankoFacts

	mu         sync.Mutex
	requests   int
	http11Host int
}

// NewPankoStandIn returns the stand-in of release.
func NewPankoStandIn(release string) (*PankoStandIn, error) {
	f, ok := pankoReleases()[release]
	if !ok {
		return nil, fmt.Errorf("no Panko facts for release %q", release)
	}
	return &PankoStandIn{release: release, facts: f}, nil
}

// ServeHTTP answers: 401 on every path without X-Auth-Token on Ocata;
// /healthcheck 200 from Wallaby and 404 before; / the versions document;
// anything else 401 (it needs a token).
func (p *PankoStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests++
	if r.ProtoAtLeast(1, 1) && r.Host != "" {
		p.http11Host++
	}
	p.mu.Unlock()
	if p.facts.authOnRoot && r.Header.Get("X-Auth-Token") == "" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/healthcheck":
		if !p.facts.healthcheck {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "OK")
	case "/":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"versions": {"values": [{"id": "v2", "status": "stable"}]}}`)
	default:
		w.WriteHeader(http.StatusUnauthorized)
	}
}

// Counts returns how many requests came, and how many of them were
// HTTP/1.1 with a Host header.
func (p *PankoStandIn) Counts() (requests, http11Host int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.http11Host
}

package charm

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// publishedKey is the charm-state key of the record of what this unit has
// published: its own bag on every relation and the ports it opened. Juju
// commits charm state together with the relation data and ports of the same
// hook, and only when the hook succeeds, so the record always equals what
// Juju holds. Reading it is one state-get instead of a relation-get per
// relation and an opened-ports.
const publishedKey = "published"

// maxRecord keeps the record well inside Juju's 64 KiB charm-state value
// quota; a larger one is not kept, and the next hook reads the bags.
const maxRecord = 60 << 10

// published is the record kept under publishedKey.
type published struct {
	// Bags is this unit's own bag per relation id.
	Bags map[string]map[string]string `json:"bags"`
	// Ports are the ports this unit opened ("8977/tcp").
	Ports []string `json:"ports"`
	// Peer is the id of the peer relation: Juju creates it with the
	// application and removes it only with the application, so once known
	// it needs no relation-ids.
	Peer string `json:"peer,omitempty"`
	// Hostname is the name the certificate request was made with, the
	// reverse-DNS name of HostnameOf, so it is not looked up every hook.
	Hostname   string `json:"hostname,omitempty"`
	HostnameOf string `json:"hostname-of,omitempty"`
}

// jujuKeys are the keys Juju itself writes in a unit's bags (and rewrites
// after config-changed); the record keeps only what the charm publishes,
// which on the peer relation includes private-address.
func jujuKeys(peer bool) []string {
	if peer {
		return []string{"ingress-address", "egress-subnets"}
	}
	return []string{"ingress-address", "egress-subnets", "private-address"}
}

// readPublished returns the record in charm state, or nil when there is
// none to trust: never written, unreadable, or after upgrade-charm (the
// charm before may have published without keeping it).
func readPublished(ctx context.Context, d Deps, hook string) (*published, string, error) {
	st, err := d.Tools.StateGet(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("read charm state: %w", err)
	}
	raw := st[publishedKey]
	var rec published
	if raw == "" || hook == "upgrade-charm" || json.Unmarshal([]byte(raw), &rec) != nil || rec.Bags == nil {
		return nil, raw, nil
	}
	return &rec, raw, nil
}

// planRecord sets p.Record to the record after p's relation data and ports
// are applied, when it differs from the one read.
func planRecord(in Inputs, p *Plan) {
	rec := published{Bags: map[string]map[string]string{}, Ports: slices.Clone(in.OpenedPorts)}
	for _, rels := range in.Relations {
		for _, r := range rels {
			rec.Bags[r.ID] = maps.Clone(r.Local)
		}
	}
	if peers := in.Relations[Cluster]; len(peers) == 1 {
		rec.Peer = peers[0].ID
	}
	if len(in.Relations[Certificates]) > 0 && in.Hostname != "" {
		rec.Hostname, rec.HostnameOf = in.Hostname, in.Addresses[Cluster]
	}
	for _, rs := range p.Relations {
		bag := rec.Bags[rs.ID]
		if bag == nil {
			bag = map[string]string{}
			rec.Bags[rs.ID] = bag
		}
		for k, v := range rs.Data {
			if v == "" {
				delete(bag, k)
			} else {
				bag[k] = v
			}
		}
	}
	for _, port := range p.Open {
		if !slices.Contains(rec.Ports, port) {
			rec.Ports = append(rec.Ports, port)
		}
	}
	slices.Sort(rec.Ports)
	for id, bag := range rec.Bags {
		if bag == nil {
			bag = map[string]string{}
		}
		for _, k := range jujuKeys(id == rec.Peer) {
			delete(bag, k)
		}
		rec.Bags[id] = bag
	}
	out, err := json.Marshal(rec)
	if err != nil || len(out) > maxRecord {
		out = nil
	}
	if next := string(out); next != in.PublishedRecord {
		p.Record = &next
	}
}

package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/atomicfile"
)

// Answer returns the bag every vault unit publishes for the requesting units
// (all units of all related applications, each once): ca, chain, the global
// client certificate, and each unit's certificates. A request is issued
// when its CN and sorted SAN set have no certificate yet; as in charm-vault,
// answers to CNs a unit no longer requests stay published until the unit
// departs (is no longer among requests). Nothing is renewed on expiry: see
// Renew.
func (c *CA) Answer(requests ...RequestBag) (map[string]string, error) {
	return c.answer(false, requests)
}

// Renew reissues every certificate the requests ask for, as charm-vault's
// reissue-certificates action does, and returns the new bag.
func (c *CA) Renew(requests ...RequestBag) (map[string]string, error) {
	return c.answer(true, requests)
}

// issued is the record of what was published, kept in IssuedFile.
type issued struct {
	Client *entry                `json:"client,omitempty"`
	Units  map[string]*unitState `json:"units"`
}

type unitState struct {
	Server    *entry            `json:"server,omitempty"`
	Processed map[string]*entry `json:"processed,omitempty"`
}

type entry struct {
	CN   string   `json:"cn"`
	SANs []string `json:"sans"`
	Cert string   `json:"cert"`
	Key  string   `json:"key"`
}

func (e *entry) handles(cn string, sans []string) bool {
	return e != nil && e.CN == cn && slices.Equal(e.SANs, sans)
}

func (e *entry) pair() Pair { return Pair{Cert: e.Cert, Key: e.Key} }

func (c *CA) answer(renew bool, requests []RequestBag) (map[string]string, error) {
	st, err := c.loadIssued()
	if err != nil {
		return nil, err
	}
	if st.Client == nil {
		cert, key, err := c.issue(ClientCN, nil, c.TTL, true)
		if err != nil {
			return nil, err
		}
		st.Client = &entry{CN: ClientCN, SANs: []string{}, Cert: string(cert), Key: string(key)}
	}
	units := map[string]*unitState{}
	for _, rb := range requests {
		reqs, err := ParseRequests(rb.Data)
		if err != nil {
			return nil, fmt.Errorf("certificate request of %s: %w", rb.Unit, err)
		}
		name := RequesterName(rb.Unit, rb.Data)
		if name == "" {
			return nil, errors.New("certificate request without a unit name")
		}
		us := units[name]
		if us == nil {
			if us = st.Units[name]; us == nil {
				us = &unitState{}
			}
			units[name] = us
		}
		for _, r := range reqs {
			sans := sortedUnique(r.SANs)
			old := us.Processed[r.CN]
			if r.TopLevel {
				old = us.Server
			}
			if !renew && old.handles(r.CN, sans) {
				continue
			}
			cert, key, err := c.Issue(r.CN, sans, c.TTL)
			if err != nil {
				return nil, fmt.Errorf("certificate for %s: %w", name, err)
			}
			e := &entry{CN: r.CN, SANs: sans, Cert: string(cert), Key: string(key)}
			if r.TopLevel {
				us.Server = e
				continue
			}
			if us.Processed == nil {
				us.Processed = map[string]*entry{}
			}
			us.Processed[r.CN] = e
		}
	}
	st.Units = units
	if err := c.saveIssued(st); err != nil {
		return nil, err
	}
	bag := map[string]string{
		pubCA:         string(c.rootPEM),
		pubChain:      string(c.interPEM),
		pubClientCert: st.Client.Cert,
		pubClientKey:  st.Client.Key,
	}
	for name, us := range units {
		var server *Pair
		if us.Server != nil {
			p := us.Server.pair()
			server = &p
		}
		processed := map[string]Pair{}
		for cn, e := range us.Processed {
			processed[cn] = e.pair()
		}
		publishUnit(bag, name, server, processed)
	}
	return bag, nil
}

func sortedUnique(s []string) []string {
	out := []string{}
	for _, v := range s {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func (c *CA) loadIssued() (*issued, error) {
	raw, err := os.ReadFile(filepath.Join(c.dir, IssuedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &issued{Units: map[string]*unitState{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read issued certificates: %w", err)
	}
	st := &issued{}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, fmt.Errorf("read issued certificates: %s is not valid JSON", IssuedFile)
	}
	if st.Units == nil {
		st.Units = map[string]*unitState{}
	}
	return st, nil
}

func (c *CA) saveIssued(st *issued) error {
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("save issued certificates: %w", err)
	}
	return atomicfile.Write(filepath.Join(c.dir, IssuedFile), raw, 0o600)
}

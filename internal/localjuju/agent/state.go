package main

import (
	"github.com/juju/errors"
	"github.com/juju/juju/core/quota"
)

// IsLeader reports leadership.
func (c *hookContext) IsLeader() (bool, error) { return c.st.Leader, nil }

// LeaderSettings returns the application's leader settings.
func (c *hookContext) LeaderSettings() (map[string]string, error) {
	return copyMap(c.st.LeaderSettings), nil
}

// WriteLeaderSettings merges settings at once; an empty value deletes.
func (c *hookContext) WriteLeaderSettings(s map[string]string) error {
	if !c.st.Leader {
		return errors.Annotate(errors.New("not the leader"), "cannot write settings")
	}
	if c.st.LeaderSettings == nil {
		c.st.LeaderSettings = map[string]string{}
	}
	for k, v := range s {
		if v == "" {
			delete(c.st.LeaderSettings, k)
		} else {
			c.st.LeaderSettings[k] = v
		}
	}
	return nil
}

// DownloadResource returns the path of an attached resource; without one
// it fails as the controller's resource download does.
func (c *hookContext) DownloadResource(name string) (string, error) {
	if p, ok := c.st.Resources[name]; ok {
		return p, nil
	}
	return "", errors.Errorf("HTTP request failed: resource#%s/%s not found", c.app, name)
}

// GetCharmState returns the unit's charm state.
func (c *hookContext) GetCharmState() (map[string]string, error) {
	if len(c.charmState) == 0 {
		return nil, nil
	}
	return copyMap(c.charmState), nil
}

// GetCharmStateValue returns one charm state value.
func (c *hookContext) GetCharmStateValue(k string) (string, error) {
	v, ok := c.charmState[k]
	if !ok {
		return "", errors.NotFoundf("%q", k)
	}
	return v, nil
}

// SetCharmStateValue sets one charm state value, within Juju's quota.
func (c *hookContext) SetCharmStateValue(k, v string) error {
	if err := quota.CheckTupleSize(k, v, quota.MaxCharmStateKeySize, quota.MaxCharmStateValueSize); err != nil {
		return errors.Trace(err)
	}
	c.charmState[k] = v
	return nil
}

// DeleteCharmStateValue deletes one charm state value.
func (c *hookContext) DeleteCharmStateValue(k string) error {
	delete(c.charmState, k)
	return nil
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return copyMap(m)
}

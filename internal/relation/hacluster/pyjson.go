package hacluster

import "github.com/openstack-charmers/charm-panko/internal/relation/pyjson"

// The json_* values are written the way the reactive hacluster interface
// writes them (see package pyjson).

// pyObject encodes m as a JSON object with sorted keys.
func pyObject(m map[string]string) string { return pyjson.Encode(m) }

// pyList encodes l as a JSON array, in the given order.
func pyList(l []string) string { return pyjson.Encode(l) }

package localjuju

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/localjuju/sim"
	yamlv2 "gopkg.in/yaml.v2"
)

func writeFormatted(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case "yaml", "":
		return writeYAML(w, v)
	}
	return usageErr("invalid format %q", format)
}

// writeYAML prints v as YAML the way the juju client does (yaml.v2:
// two-space indentation, compact lists). v goes through JSON first so the
// json field names and struct field order are kept: yaml.v2 decodes JSON
// (a subset of YAML) into a MapSlice in document order.
func writeYAML(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	var doc yamlv2.MapSlice
	if err := yamlv2.Unmarshal(append(append([]byte(`{"v":`), data...), '}'), &doc); err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	out, err := yamlv2.Marshal(doc[0].Value)
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// printActionResult prints a task like `juju run`: plain output is the
// results map (without Juju's own keys) as YAML, then the raw stdout, then
// the raw stderr (on stderr).
func printActionResult(stdout, stderr io.Writer, format string, res *ActionResult) error {
	if format == "yaml" || format == "json" {
		entry := map[string]any{
			"id": res.ID, "status": res.Status, "results": res.Results, "unit": res.Unit,
			"timing": map[string]string{
				"enqueued": res.Enqueued.Format(time.RFC3339), "started": res.Started.Format(time.RFC3339),
				"completed": res.Completed.Format(time.RFC3339),
			},
		}
		if res.Message != "" {
			entry["message"] = res.Message
		}
		if len(res.Logs) > 0 {
			entry["log"] = res.Logs
		}
		return writeFormatted(stdout, format, map[string]any{res.Unit: entry})
	}
	if res.Status == "failed" {
		fmt.Fprintf(stdout, "Action id %s failed: %s\n", res.ID, res.Message)
	}
	shown := map[string]any{}
	for k, v := range res.Results {
		switch k {
		case "return-code", "stdout", "stderr", "stdout-encoding", "stderr-encoding":
			continue
		}
		shown[k] = v
	}
	if len(shown) > 0 {
		if err := writeYAML(stdout, shown); err != nil {
			return err
		}
	}
	if res.Stdout != "" {
		fmt.Fprint(stdout, res.Stdout)
	}
	if res.Stderr != "" {
		fmt.Fprint(stderr, res.Stderr)
	}
	return nil
}

// writeCatalogTable prints catalog entries as a table, the columns in the
// alphabetical order of their JSON names.
func writeCatalogTable(w io.Writer, entries []sim.CatalogEntry) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "admin_url\tinternal_url\tpublic_url\tregion\tregistered_by\trelation_id\tservice\ttype")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n",
			e.AdminURL, e.InternalURL, e.PublicURL, e.Region, e.RegisteredBy, e.RelationID, e.Service, e.Type)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeTrimmed(w, buf.Bytes())
}

package fisco

import gojson "github.com/goccy/go-json"

// unmarshal decodes the node's JSON. It is the hot path of verification
// (more than half of it with encoding/json), so it uses goccy/go-json, a
// drop-in, well-kept decoder that honours the same json.Unmarshaler
// methods and RawMessage fields; the fuzz targets exercise it.
func unmarshal(data []byte, v any) error { return gojson.Unmarshal(data, v) }

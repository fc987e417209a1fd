package fabnet

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

const sampleCore = `vm:
    # unix:///var/run/docker.sock
    endpoint: unix:///var/run/docker.sock
chaincode:
    externalBuilders:
       - name: ccaas_builder
         path: /opt/hyperledger/ccaas_builder
         propagateEnvironment:
           - CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG
`

func TestCoreYAML(t *testing.T) {
	got, err := coreYAML([]byte(sampleCore), "/x/builder")
	if err != nil {
		t.Fatalf("coreYAML() = %v", err)
	}
	for _, want := range []string{"    endpoint: \"\"\n", "       - name: lianjian_ccaas\n         path: /x/builder\n", "    # unix:///var/run/docker.sock\n"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("coreYAML() = %s\nwant it to contain %q", got, want)
		}
	}
	if strings.Contains(string(got), "/opt/hyperledger") {
		t.Errorf("coreYAML() kept the sample builder:\n%s", got)
	}
	if _, err := coreYAML([]byte("vm: {}\n"), "/x"); !errors.Is(err, ErrCommand) {
		t.Errorf("coreYAML(unexpected layout) = %v, want ErrCommand", err)
	}
}

func TestEditBatchTimeout(t *testing.T) {
	block := `{"data":{"data":[{"payload":{"data":{"config":{"sequence":"3","channel_group":{"groups":{"Orderer":{"values":{"BatchTimeout":{"mod_policy":"Admins","value":{"timeout":"1s"}},"BatchSize":{"value":{"max_message_count":10}}}}}}}}}}]}}`
	orig, upd, err := editBatchTimeout([]byte(block), 2500*time.Millisecond)
	if err != nil {
		t.Fatalf("editBatchTimeout() = %v", err)
	}
	if !strings.Contains(string(orig), `"timeout":"1s"`) {
		t.Errorf("original = %s, want the 1s timeout", orig)
	}
	var cfg map[string]any
	if err := json.Unmarshal(upd, &cfg); err != nil {
		t.Fatalf("updated config is not JSON: %v", err)
	}
	v, _ := dig(cfg, "channel_group", "groups", "Orderer", "values", "BatchTimeout", "value")
	if v["timeout"] != "2.5s" {
		t.Errorf("updated timeout = %v, want 2.5s", v["timeout"])
	}
	if !strings.Contains(string(upd), `"max_message_count":10`) || !strings.Contains(string(upd), `"sequence":"3"`) {
		t.Errorf("updated config lost other fields: %s", upd)
	}
	for _, bad := range []string{`{}`, `{"data":{"data":[{"payload":{"data":{"config":{}}}}]}}`, `not json`} {
		if _, _, err := editBatchTimeout([]byte(bad), time.Second); !errors.Is(err, ErrCommand) {
			t.Errorf("editBatchTimeout(%s) = %v, want ErrCommand", bad, err)
		}
	}
}

// untar reads a gzipped tar into a name → content map.
func untar(t *testing.T, b []byte) map[string]string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		c, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		out[h.Name] = string(c)
	}
}

func TestCCaaSPackage(t *testing.T) {
	pkg, err := ccaasPackage("kvcc_1.0", "127.0.0.1:9999")
	if err != nil {
		t.Fatalf("ccaasPackage() = %v", err)
	}
	outer := untar(t, pkg)
	var meta map[string]string
	if err := json.Unmarshal([]byte(outer["metadata.json"]), &meta); err != nil || meta["type"] != "ccaas" || meta["label"] != "kvcc_1.0" {
		t.Errorf("metadata.json = %q (%v), want type ccaas, label kvcc_1.0", outer["metadata.json"], err)
	}
	code := untar(t, []byte(outer["code.tar.gz"]))
	var conn struct {
		Address     string `json:"address"`
		TLSRequired bool   `json:"tls_required"`
	}
	if err := json.Unmarshal([]byte(code["connection.json"]), &conn); err != nil || conn.Address != "127.0.0.1:9999" || conn.TLSRequired {
		t.Errorf("connection.json = %q (%v), want address 127.0.0.1:9999 without TLS", code["connection.json"], err)
	}
}

func TestCommittedRE(t *testing.T) {
	tests := []struct {
		in, id, code string
	}{
		{"2026-11-24 INFO [chaincodeCmd] ClientWait -> txid [ab12] committed with status (VALID) at 127.0.0.1:7051", "ab12", "VALID"},
		{"txid [ff] committed with status (MVCC_READ_CONFLICT) at x\nError: transaction invalidated", "ff", "MVCC_READ_CONFLICT"},
		{"Chaincode invoke successful. result: status:200", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			m := committedRE.FindStringSubmatch(tt.in)
			var id, code string
			if m != nil {
				id, code = m[1], m[2]
			}
			if id != tt.id || code != tt.code {
				t.Errorf("match(%q) = %q, %q, want %q, %q", tt.in, id, code, tt.id, tt.code)
			}
		})
	}
}

func TestLastConfigRE(t *testing.T) {
	// "peer channel fetch config" reads the newest block (9) for its
	// LastConfig index, then fetches that block (7).
	in := "2026-12-07 INFO [channelCmd] InitCmdFactory -> Endorser and orderer connections initialized\n" +
		"2026-12-07 INFO [cli.common] readBlock -> Received block: 9\n" +
		"2026-12-07 INFO [channelCmd] fetch -> Retrieving last config block: 7\n" +
		"2026-12-07 INFO [cli.common] readBlock -> Received block: 7\n"
	if m := lastConfigRE.FindAllStringSubmatch(in, -1); len(m) != 1 || m[0][1] != "7" {
		t.Errorf("lastConfigRE matches %q, want only block 7", m)
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{2 << 20, "2 MB"},
		{10 << 20, "10 MB"},
		{512 << 10, "512 KB"},
		{2000000, "2000000"},
		{1, "1"},
	}
	for _, tt := range tests {
		if got := byteSize(tt.in); got != tt.want {
			t.Errorf("byteSize(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConfigtxBatchSize(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"defaults", Options{}, "    MaxMessageCount: 10\n    AbsoluteMaxBytes: 10 MB\n    PreferredMaxBytes: 2 MB\n"},
		{"production", Options{MaxMessageCount: 500, PreferredMaxBytes: 2 << 20}, "    MaxMessageCount: 500\n    AbsoluteMaxBytes: 10 MB\n    PreferredMaxBytes: 2 MB\n"},
		{"big blocks", Options{MaxMessageCount: 500, PreferredMaxBytes: 32 << 20, AbsoluteMaxBytes: 64 << 20},
			"    MaxMessageCount: 500\n    AbsoluteMaxBytes: 64 MB\n    PreferredMaxBytes: 32 MB\n"},
		{"odd sizes", Options{PreferredMaxBytes: 1500000, AbsoluteMaxBytes: 3000 << 10}, "    AbsoluteMaxBytes: 3000 KB\n    PreferredMaxBytes: 1500000\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tx := laidOut(t, tt.opts).configtx(); !strings.Contains(tx, tt.want) {
				t.Errorf("configtx() lacks %q:\n%s", tt.want, tx)
			}
		})
	}
}

func TestSizedValue(t *testing.T) {
	for _, size := range []int{1, 63, 64, 65, 4000, 120 << 10} {
		v := sizedValue("k1", size)
		if len(v) != size || strings.Trim(v, "0123456789abcdef") != "" {
			t.Errorf("sizedValue(k1, %d) has %d bytes, not all hex", size, len(v))
		}
		if v != sizedValue("k1", size) || size >= 8 && v == sizedValue("k2", size) {
			t.Errorf("sizedValue(_, %d) is not a function of the key alone", size)
		}
	}
	// A long value must not repeat with a short period: it is a chain of hashes.
	if v := sizedValue("k", 4096); strings.Count(v, v[:64]) != 1 {
		t.Errorf("sizedValue(k, 4096) repeats its first 64 bytes")
	}
}

func TestBulkPutSizedRejects(t *testing.T) {
	n := &Network{opts: Options{Dir: t.TempDir()}.withDefaults()}
	for _, size := range []int{0, -1, 5<<20 + 1} {
		if _, err := n.BulkPutSized(context.Background(), "k", 1, size, 1); !errors.Is(err, ErrBadOptions) {
			t.Errorf("BulkPutSized(value size %d) = %v, want ErrBadOptions", size, err)
		}
	}
}

package fabric

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// configUpdateSeed returns the 2.5.9 fixture's config update envelope and
// the config in force before it.
func configUpdateSeed(t testing.TB) (env, prev []byte) {
	t.Helper()
	b := decodeFixture(t, "fabric-2.5.9/peer/mychannel_11.block")
	g := decodeFixture(t, "fabric-2.5.9/peer/mychannel_0.block")
	return b.Txs[0].Raw, g.Config.Raw
}

func TestConfigUpdateChanges(t *testing.T) {
	env, prev := configUpdateSeed(t)
	changes, stale, err := ConfigUpdateChanges(env, prev)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 0 || len(changes) != 1 {
		t.Fatalf("ConfigUpdateChanges = %+v, stale %v; want one change", changes, stale)
	}
	want := ConfigChange{Kind: ElementValue, Path: "/Channel/Orderer/BatchTimeout", Version: 1, Policy: "/Channel/Orderer/Admins"}
	if changes[0] != want {
		t.Errorf("change = %+v, want %+v", changes[0], want)
	}
	// Against the config after the update, the read set is still current
	// but the written version no longer follows it.
	after := decodeFixture(t, "fabric-2.5.9/peer/mychannel_11.block")
	changes, _, err = ConfigUpdateChanges(env, after.Config.Raw)
	if err != nil || len(changes) != 1 || !strings.Contains(changes[0].Problem, "does not follow") {
		t.Errorf("replayed update = %+v, %v; want a version problem", changes, err)
	}
	genesis := decodeFixture(t, "fabric-2.5.9/peer/mychannel_0.block")
	if _, _, err := ConfigUpdateChanges(genesis.Txs[0].Raw, prev); !errors.Is(err, ErrNoConfigUpdate) {
		t.Errorf("genesis config: error = %v, want ErrNoConfigUpdate", err)
	}
	if _, _, err := ConfigUpdateChanges(env, []byte{0xff}); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad previous config: error = %v, want ErrMalformed", err)
	}
}

func TestResolveModPolicy(t *testing.T) {
	tests := []struct {
		e    configElement
		want string
	}{
		{configElement{kind: ElementGroup, path: "/Channel/Application/Org1MSP", parent: "/Channel/Application", modPolicy: "Admins"}, "/Channel/Application/Org1MSP/Admins"},
		{configElement{kind: ElementValue, path: "/Channel/Application/Org1MSP/MSP", parent: "/Channel/Application/Org1MSP", modPolicy: "Admins"}, "/Channel/Application/Org1MSP/Admins"},
		{configElement{kind: ElementPolicy, path: "/Channel/Readers", parent: "/Channel", modPolicy: "/Channel/Orderer/Admins"}, "/Channel/Orderer/Admins"},
		{configElement{kind: ElementGroup, path: "/Channel", modPolicy: "Admins"}, "/Channel/Admins"},
	}
	for _, tt := range tests {
		t.Run(tt.e.path, func(t *testing.T) {
			if got := resolveModPolicy(tt.e); got != tt.want {
				t.Errorf("resolveModPolicy = %s, want %s", got, tt.want)
			}
		})
	}
}

// FuzzConfigUpdateChanges decodes arbitrary envelopes against the
// fixture's config: errors match ErrMalformed or ErrNoConfigUpdate, and
// every change names a path under /Channel.
func FuzzConfigUpdateChanges(f *testing.F) {
	_, prev := configUpdateSeed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		changes, _, err := ConfigUpdateChanges(data, prev)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoConfigUpdate) {
				t.Fatalf("error %v matches neither ErrMalformed nor ErrNoConfigUpdate", err)
			}
			return
		}
		for _, c := range changes {
			if !strings.HasPrefix(c.Path, "/Channel") || (c.Policy != "" && c.Problem != "") {
				t.Fatalf("change %+v", c)
			}
		}
	})
}

// TestWriteConfigUpdateSeeds rewrites the FuzzConfigUpdateChanges seed
// corpus with -update.
func TestWriteConfigUpdateSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	env, _ := configUpdateSeed(t)
	genesis := decodeFixture(t, "fabric-2.5.9/peer/mychannel_0.block")
	for name, data := range map[string][]byte{"fixture-update": env, "fixture-genesis": genesis.Txs[0].Raw} {
		path := filepath.Join("testdata", "fuzz", "FuzzConfigUpdateChanges", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

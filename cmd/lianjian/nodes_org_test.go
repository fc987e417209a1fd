package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

// Two orgs each register peer0; show, retire and check name one with
// --org, and say so (in the chosen language) when it is left out.
func TestNodesCommandTwoOrgs(t *testing.T) {
	dir := t.TempDir()
	db, err := index.Open(dir, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutChain(context.Background(), ledger.Chain{ID: "fab", Kind: ledger.KindFabric, Channel: "mychannel"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	d := []string{"--data-dir", dir}
	run := func(args ...string) (string, error) {
		out, _, err := runCmd(t, append(args, d...)...)
		return out, err
	}
	for _, org := range []string{"Org1MSP", "Org2MSP"} {
		if _, err := run("nodes", "register", "--id", "peer0", "--chain", "fab", "--org", org, "--kind", "fabric-peer", "--endpoint", "127.0.0.1:7051"); err != nil {
			t.Fatalf("register peer0 of %s: %v", org, err)
		}
	}
	if out, err := run("nodes", "list", "--json"); err != nil || strings.Count(out, `"id":"peer0"`) != 2 {
		t.Fatalf("list = %s, %v; want both peer0", out, err)
	}
	for _, tc := range []struct{ lang, want string }{
		{"zh-CN", "节点编号 peer0 由多个组织登记（Org1MSP, Org2MSP）：请用 --org 指明组织"},
		{"en", "node id peer0 is registered by several orgs (Org1MSP, Org2MSP): name one with --org"},
	} {
		for _, sub := range []string{"show", "retire", "check"} {
			_, err := run("nodes", sub, "--id", "peer0", "--lang", tc.lang)
			if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("nodes %s --id peer0 --lang %s = %v, want a usage error %q", sub, tc.lang, err, tc.want)
			}
		}
	}
	if _, err := run("nodes", "register", "--update", "--id", "peer0", "--chain", "fab", "--org", "Org2MSP", "--kind", "fabric-peer", "--endpoint", "127.0.0.1:8051"); err != nil {
		t.Fatalf("update peer0 of Org2MSP: %v", err)
	}
	if _, err := run("nodes", "retire", "--id", "peer0", "--org", "Org1MSP", "--reason", "gone"); err != nil {
		t.Fatalf("retire peer0 of Org1MSP: %v", err)
	}
	out, err := run("nodes", "show", "--id", "peer0", "--org", "Org2MSP", "--json")
	if err != nil || strings.Count(out, `"rev":`) != 2 || !strings.Contains(out, "127.0.0.1:8051") || strings.Contains(out, `"retired":true`) {
		t.Errorf("show peer0 of Org2MSP = %s, %v; want its register and update, not retired", out, err)
	}
	out, err = run("nodes", "show", "--id", "peer0", "--org", "Org1MSP", "--json")
	if err != nil || strings.Count(out, `"rev":`) != 2 || !strings.Contains(out, `"retired":true`) {
		t.Errorf("show peer0 of Org1MSP = %s, %v; want its register and retire", out, err)
	}
	// Only Org2MSP's peer0 is active now: the bare id is no longer ambiguous.
	if out, err := run("nodes", "check", "--id", "peer0", "--lang", "en"); err != nil || !strings.Contains(out, "probe peer0 of Org2MSP") {
		t.Errorf("check peer0 = %s, %v; want Org2MSP's probed", out, err)
	}
	if _, err := run("nodes", "show", "--id", "peer0", "--org", "Org3MSP"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("show peer0 of Org3MSP = %v, want not found", err)
	}
	for _, tc := range []struct{ lang, want string }{{"zh-CN", "须用 --org 指明组织"}, {"en", "name the org with --org"}} {
		out, _, err := runCmd(t, "nodes", "show", "-h", "--lang", tc.lang)
		if err != nil || !strings.Contains(out, tc.want) || !strings.Contains(out, "-org") {
			t.Errorf("nodes show -h --lang %s = %q, %v; want the --org note", tc.lang, out, err)
		}
	}
}

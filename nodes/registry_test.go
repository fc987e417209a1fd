package nodes

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
)

func memIndex(t *testing.T) *index.DB {
	t.Helper()
	db, err := index.OpenMemory(index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for _, c := range []ledger.Chain{
		{ID: "fab", Kind: ledger.KindFabric, Channel: "mychannel"},
		{ID: "evm", Kind: ledger.KindEVM},
	} {
		if err := db.PutChain(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func peer(id string) Node {
	return Node{ID: id, Chain: "fab", Org: "Org1MSP", Kind: FabricPeer, Endpoint: "127.0.0.1:7051", Operations: "127.0.0.1:9443", Version: "2.5.9"}
}

func TestRegistryValidation(t *testing.T) {
	db := memIndex(t)
	reg := NewRegistry(db, db)
	cases := []struct {
		name  string
		edit  func(n *Node)
		field string
	}{
		{"bad id", func(n *Node) { n.ID = "Peer 0" }, "id"},
		{"unknown chain", func(n *Node) { n.Chain = "nope" }, "chain"},
		{"no org", func(n *Node) { n.Org = "" }, "org"},
		{"bad kind", func(n *Node) { n.Kind = "miner" }, "kind"},
		{"kind of other chain", func(n *Node) { n.Kind, n.Endpoint, n.Operations = EVMRPC, "http://127.0.0.1:8545", "" }, "kind"},
		{"no port", func(n *Node) { n.Endpoint = "peer0.org1" }, "endpoint"},
		{"port 0", func(n *Node) { n.Endpoint = "peer0.org1:0" }, "endpoint"},
		{"bad host", func(n *Node) { n.Endpoint = "peer_0!:7051" }, "endpoint"},
		{"ops scheme", func(n *Node) { n.Operations = "ftp://x:1" }, "operations"},
		{"peer admin", func(n *Node) { n.Admin = "127.0.0.1:7053" }, "admin"},
		{"tls ca", func(n *Node) { n.TLSCA = "not pem" }, "tlsCA"},
		{"channel mismatch", func(n *Node) { n.Channel = "other" }, "channel"},
		{"control chars", func(n *Node) { n.Contact = "a\x00b" }, "contact"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := peer("p0")
			c.edit(&n)
			_, err := reg.Register(context.Background(), n, "t")
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("Register(%s) = %v, want a FieldError on %s", c.name, err, c.field)
			}
		})
	}
	evm := []Node{
		{ID: "rpc", Chain: "evm", Org: "Ops", Kind: EVMRPC, Endpoint: "ws://127.0.0.1:8546"},
		{ID: "rpc", Chain: "evm", Org: "Ops", Kind: EVMRPC, Endpoint: "http://user:pw@127.0.0.1:8545"},
		{ID: "val", Chain: "evm", Org: "Ops", Kind: EVMValidator, Endpoint: "http://127.0.0.1:8545"},
		{ID: "val", Chain: "evm", Org: "Ops", Kind: EVMValidator, Endpoint: "http://127.0.0.1:8545", Address: "0x12"},
	}
	for _, n := range evm {
		if _, err := reg.Register(context.Background(), n, "t"); err == nil {
			t.Errorf("Register(%+v) = nil, want an error", n)
		}
	}
}

func TestRegistryHistory(t *testing.T) {
	db := memIndex(t)
	reg := NewRegistry(db, db)
	ctx := context.Background()
	if _, err := reg.Register(ctx, peer("p0"), "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Register(ctx, peer("p0"), "alice"); !errors.Is(err, ErrExists) {
		t.Errorf("second Register = %v, want ErrExists", err)
	}
	var ee *ExistsError
	if _, err := reg.Register(ctx, peer("p0"), "alice"); !errors.As(err, &ee) || ee.ID != "p0" || ee.Org != "Org1MSP" {
		t.Errorf("Register(p0 again) = %v, want an ExistsError naming Org1MSP", err)
	}
	// Ids are unique within an org only: Org2MSP registers its own p0.
	other := peer("p0")
	other.Org, other.Endpoint = "Org2MSP", "127.0.0.1:8051"
	if _, err := reg.Register(ctx, other, "dave"); err != nil {
		t.Fatalf("Register(p0 for Org2MSP) = %v, want its own node", err)
	}
	n := peer("p0")
	n.Version = "2.5.10"
	if _, err := reg.Update(ctx, n, "bob"); err != nil {
		t.Fatal(err)
	}
	// The org is part of the identity: an org that has no p0 has nothing
	// to update, whatever other orgs hold.
	n.Org = "Org3MSP"
	if _, err := reg.Update(ctx, n, "bob"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Update(p0 of Org3MSP) = %v, want ErrNotFound", err)
	}
	if _, err := reg.Update(ctx, peer("p9"), "bob"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Update(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := reg.Retire(ctx, Key{Org: "Org1MSP", ID: "p0"}, "carol", "decommissioned"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Update(ctx, peer("p0"), "bob"); !errors.Is(err, ErrRetired) {
		t.Errorf("Update(retired) = %v, want ErrRetired", err)
	}
	if r, err := reg.Get(ctx, Key{Org: "Org2MSP", ID: "p0"}); err != nil || r.Retired || r.Rev != 1 || r.Endpoint != "127.0.0.1:8051" {
		t.Errorf("Get(Org2MSP/p0) = %+v, %v; want Org2MSP's untouched node", r, err)
	}
	var ae *AmbiguousError
	if _, err := reg.Resolve(ctx, "", "p0"); !errors.As(err, &ae) || !errors.Is(err, ErrAmbiguous) || fmt.Sprint(ae.Orgs) != "[Org1MSP Org2MSP]" {
		t.Errorf("Resolve(p0) = %v, want an AmbiguousError naming both orgs", err)
	}
	if r, err := reg.Resolve(ctx, "Org2MSP", "p0"); err != nil || r.Org != "Org2MSP" {
		t.Errorf("Resolve(Org2MSP, p0) = %+v, %v", r, err)
	}
	if _, err := reg.Resolve(ctx, "", "p9"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("Resolve(p9) = %v, want ErrNotFound", err)
	}
	hist, err := reg.History(ctx, Key{Org: "Org1MSP", ID: "p0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		change, actor, version string
		retired                bool
	}{{ChangeRegister, "alice", "2.5.9", false}, {ChangeUpdate, "bob", "2.5.10", false}, {ChangeRetire, "carol", "2.5.10", true}}
	if len(hist) != len(want) {
		t.Fatalf("History = %d revisions, want %d", len(hist), len(want))
	}
	for i, w := range want {
		h := hist[i]
		if h.Rev != uint64(i+1) || h.Change != w.change || h.Actor != w.actor || h.Version != w.version || h.Retired != w.retired {
			t.Errorf("History[%d] = rev %d %s by %s version %s retired %v, want %+v", i, h.Rev, h.Change, h.Actor, h.Version, h.Retired, w)
		}
	}
	if got, _ := reg.List(ctx, Filter{}); len(got) != 1 || got[0].Org != "Org2MSP" {
		t.Errorf("List() without retired = %+v, want Org2MSP's p0", got)
	}
	if got, _ := reg.List(ctx, Filter{Retired: true}); len(got) != 2 || got[0].Org != "Org1MSP" || got[1].Org != "Org2MSP" {
		t.Errorf("List(retired) = %+v, want p0 of Org1MSP, then of Org2MSP", got)
	}
	if got, _ := reg.List(ctx, Filter{Retired: true, Org: "Org1MSP"}); len(got) != 1 {
		t.Errorf("List(retired, Org1MSP) = %d nodes, want 1", len(got))
	}
}

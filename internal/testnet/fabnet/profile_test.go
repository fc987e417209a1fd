package fabnet

import (
	"testing"

	"github.com/hyperledger/fabric-protos-go/peer"
	"github.com/hyperledger/fabric-sdk-go/pkg/client/channel"
	"github.com/hyperledger/fabric-sdk-go/pkg/client/ledger"
	"github.com/hyperledger/fabric-sdk-go/pkg/core/config"
	"github.com/hyperledger/fabric-sdk-go/pkg/fabsdk"
)

// TestConnectionProfile checks that fabric-sdk-go can use the generated
// connection profile: ledger queries and a two-org invoke.
func TestConnectionProfile(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"2.5.9", Options{Version: V2_5_9}},
		{"3.1.1 BFT", Options{Version: V3_1_1, Consensus: BFT}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkProfile(t, tt.opts) })
	}
}

func checkProfile(t *testing.T, opts Options) {
	ctx, n := startNet(t, opts)
	if _, err := n.Put(ctx, "k", "v"); err != nil {
		t.Fatalf("Put(k) = %v", err)
	}
	prof, err := n.ConnectionProfile("Org1")
	if err != nil {
		t.Fatalf("ConnectionProfile(Org1) = %v", err)
	}
	sdk, err := fabsdk.New(config.FromFile(prof))
	if err != nil {
		t.Fatalf("fabsdk.New(%s) = %v", prof, err)
	}
	defer sdk.Close()
	chCtx := sdk.ChannelContext(n.Channel(), fabsdk.WithUser("User1"), fabsdk.WithOrg("Org1"))
	lc, err := ledger.New(chCtx)
	if err != nil {
		t.Fatalf("ledger.New() = %v", err)
	}
	info, err := lc.QueryInfo()
	if err != nil {
		t.Fatalf("QueryInfo() = %v", err)
	}
	height, err := n.Height(ctx)
	if err != nil {
		t.Fatalf("Height() = %v", err)
	}
	if info.BCI.Height != height {
		t.Errorf("QueryInfo().Height = %d, want %d", info.BCI.Height, height)
	}
	cc, err := channel.New(chCtx)
	if err != nil {
		t.Fatalf("channel.New() = %v", err)
	}
	// fabric-sdk-go's TLS cert pool swaps in newly added CAs lazily and racily
	// (pkg/core/config/comm/tls/certpool.go): two first connections made at
	// once can see a pool without the other org's CA. Reach each peer once,
	// one at a time, before the parallel endorsement.
	for _, p := range n.Peers() {
		_, err := cc.Query(channel.Request{ChaincodeID: n.Chaincode(), Fcn: "get", Args: [][]byte{[]byte("k")}},
			channel.WithTargetEndpoints(p.Name))
		if err != nil {
			t.Fatalf("Query(get k) on %s = %v", p.Name, err)
		}
	}
	resp, err := cc.Execute(channel.Request{ChaincodeID: n.Chaincode(), Fcn: "put", Args: [][]byte{[]byte("sdk"), []byte("1")}})
	if err != nil {
		t.Fatalf("Execute(put) = %v", err)
	}
	if resp.TxValidationCode != peer.TxValidationCode_VALID || len(resp.Responses) != 2 {
		t.Errorf("Execute(put) = code %v with %d endorsements, want VALID with 2", resp.TxValidationCode, len(resp.Responses))
	}
}

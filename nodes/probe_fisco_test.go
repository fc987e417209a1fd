package nodes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Node ids from the FISCO BCOS docs' examples (FISCO-BCOS-DOC master,
// 3.x/zh_CN/docs/develop/api.md getSealerList/getObserverList).
const (
	fiscoID0 = "0055dcaf073a332aa1ad90ff53ef028680d24f9bf2fcbc07ec4bbd4879413f75118a570bcf8001c4526fdb8c1319e51ae63444431ec8ab839465c05e178e7c49"
	fiscoID1 = "2a7aecf4acf010b0c13697e84ffd4f18544835662845621f936166d88cf073f16b1daa6883de457e6129377d21412b4c77099e8a50e8ea521752adcddeb8b331"
	fiscoID2 = "535439908979b89171283dca78520763e0a32c64631d7f34ee1d3f74c408a31aaa8565c50924ba6817cd33c13fe9dc928e36b8a1df022fc825d3687c2b273258"
	fiscoID3 = "dd99ab883677a8aef2c2a3847b9671e501bd6930792700398627eb0a1ba04fe81015745b6287be5f36786c0cc8ff12e9dd3215dc5a4210b012d77330a739a2c3"
)

// fakeFisco is a FISCO BCOS JSON-RPC node that answers with the response
// shapes of the FISCO-BCOS-DOC examples (master branch):
//   - 2.x: 2.x/en/docs/api.md (getClientVersion, getSyncStatus,
//     getSealerList, getObserverList, getPbftView, getBlockNumber,
//     getPendingTxSize): object results, hex-string numbers, node id
//     lists as strings, params [groupId];
//   - 3.x: 3.x/zh_CN/docs/develop/api.md (getGroupInfo, getSyncStatus as
//     a JSON string, getSealerList as {nodeID, weight}, numbers as JSON
//     numbers, params [group, node]); 3.x has no getClientVersion
//     (FISCO-BCOS master bcos-rpc/jsonrpc/JsonRpcInterface.cpp), which
//     answers -32601 "The method does not exist/is not available.".
type fakeFisco struct {
	mu        sync.Mutex
	line      int
	version   string
	nodeID    string // the node the endpoint answers for
	sealers   []string
	observers []string
	block     uint64
	known     uint64
	view      uint64
	viewStep  uint64 // added to the view after each getPbftView
	pending   uint64
	badParams []string
}

func (f *fakeFisco) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var in struct {
		ID     int               `json:"id"`
		Method string            `json:"method"`
		Params []json.RawMessage `json:"params"`
	}
	body, _ := io.ReadAll(req.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	reply := func(result any) {
		_ = json.NewEncoder(w).Encode(map[string]any{"id": in.ID, "jsonrpc": "2.0", "result": result})
	}
	fail := func(code int, msg string) {
		_ = json.NewEncoder(w).Encode(map[string]any{"id": in.ID, "jsonrpc": "2.0", "error": map[string]any{"code": code, "message": msg}})
	}
	if in.Method == "getClientVersion" {
		if f.line == 3 {
			fail(-32601, "The method does not exist/is not available.")
			return
		}
		reply(map[string]string{
			"Build Time": "20190106 20:49:10", "Build Type": "Linux/g++/RelWithDebInfo", "Chain Id": "1",
			"FISCO-BCOS Version": f.version, "Git Branch": "master",
			"Git Commit Hash": "693a709ddab39965d9c39da0104836cfb4a72054", "Supported Version": "2.0.0-rc3",
		})
		return
	}
	// Group parameter: a number in 2.x, a group name then a node name in 3.x.
	var g2 int
	var g3 string
	if f.line == 2 && (len(in.Params) < 1 || json.Unmarshal(in.Params[0], &g2) != nil || g2 != 1) ||
		f.line == 3 && (len(in.Params) < 1 || json.Unmarshal(in.Params[0], &g3) != nil || g3 != "group0") {
		f.badParams = append(f.badParams, in.Method+" "+string(body))
		fail(-32602, "INVALID_PARAMS")
		return
	}
	num := func(n uint64) any {
		if f.line == 2 {
			return "0x" + strconv.FormatUint(n, 16)
		}
		return n
	}
	switch in.Method {
	case "getGroupInfo":
		ini, _ := json.Marshal(map[string]any{
			"binaryInfo": map[string]string{"buildTime": "20230403 11:55:56", "gitCommitHash": "114364de7db1ba3c0461b3813621ce7caedc4f2f", "platform": "Darwin/appleclang", "version": f.version},
			"chainID":    "chain0", "gatewayServiceName": "", "groupID": "group0", "isAuthCheck": true, "isSerialExecute": true, "isWasm": false,
			"nodeID": f.nodeID, "nodeName": f.nodeID, "rpcServiceName": "", "smCryptoType": true,
		})
		reply(map[string]any{"chainID": "chain0", "genesisConfig": "{}\n", "groupID": "group0", "iniConfig": "",
			"nodeList": []map[string]any{{"iniConfig": string(ini) + "\n", "microService": false, "name": f.nodeID, "nodeID": f.nodeID,
				"protocol": map[string]int{"compatibilityVersion": 50528256, "maxSupportedVersion": 1, "minSupportedVersion": 0}, "type": 1}}})
	case "getSyncStatus":
		peers := []map[string]any{}
		for _, id := range append(slices.Clone(f.sealers), f.observers...) {
			if id != f.nodeID {
				peers = append(peers, map[string]any{"blockNumber": f.known, "genesisHash": "47c6d9493171f62bf7201faa2e4766bbf058d95c0d76d605f965ff4b212e01f5",
					"latestHash": "ef49fef70085ec4ae736c1e82ba74e98a860a53763f2484b8254b0d08a2c6865", "nodeID": id, "nodeId": id})
			}
		}
		st := map[string]any{"blockNumber": f.block, "genesisHash": "47c6d9493171f62bf7201faa2e4766bbf058d95c0d76d605f965ff4b212e01f5",
			"isSyncing": f.known > f.block, "knownHighestNumber": f.known, "knownLatestHash": "ef49fef70085ec4ae736c1e82ba74e98a860a53763f2484b8254b0d08a2c6865",
			"latestHash": "ef49fef70085ec4ae736c1e82ba74e98a860a53763f2484b8254b0d08a2c6865", "peers": peers}
		if f.line == 2 {
			st["nodeId"], st["protocolId"], st["txPoolSize"] = f.nodeID, 265, "0"
			reply(st)
			return
		}
		st["nodeID"], st["archivedBlockNumber"] = f.nodeID, 0
		b, _ := json.Marshal(st)
		reply(string(b) + "\n")
	case "getSealerList":
		if f.line == 2 {
			reply(f.sealers)
			return
		}
		out := []map[string]any{}
		for _, id := range f.sealers {
			out = append(out, map[string]any{"nodeID": id, "weight": 1})
		}
		reply(out)
	case "getObserverList":
		reply(append([]string{}, f.observers...))
	case "getPbftView":
		reply(num(f.view))
		f.view += f.viewStep
	case "getBlockNumber":
		reply(num(f.block))
	case "getPendingTxSize":
		reply(num(f.pending))
	default:
		fail(-32601, "The method does not exist/is not available.")
	}
}

// healthy3 is a 3.x group of four sealers and one observer, at block 7
// with its view moving, answering as fiscoID0.
func healthy3() *fakeFisco {
	return &fakeFisco{line: 3, version: "3.6.0", nodeID: fiscoID0, sealers: []string{fiscoID0, fiscoID1, fiscoID2}, observers: []string{fiscoID3},
		block: 7, known: 7, view: 3, viewStep: 1}
}

func healthy2() *fakeFisco {
	f := healthy3()
	f.line, f.version = 2, "2.9.1"
	return f
}

func fiscoProber(t *testing.T) *Prober {
	t.Helper()
	p, err := NewProber(Config{Timeout: 2 * time.Second, NodeTimeout: 10 * time.Second, ViewInterval: 20 * time.Millisecond, Jitter: time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestProbeFiscoRPC probes fake 2.x and 3.x nodes, healthy and with each
// JSON-RPC finding.
func TestProbeFiscoRPC(t *testing.T) {
	cases := []struct {
		name    string
		kind    Kind
		id      string
		fake    func() *fakeFisco
		want    []string // exactly these rules
		version string
	}{
		{"3.x healthy sealer", FiscoSealer, fiscoID0, healthy3, nil, "3.6.0"},
		{"2.x healthy sealer", FiscoSealer, fiscoID0, healthy2, nil, "2.9.1"},
		{"3.x healthy observer", FiscoObserver, fiscoID3, func() *fakeFisco { f := healthy3(); f.nodeID = fiscoID3; return f }, nil, "3.6.0"},
		{"3.x rpc without node id", FiscoRPC, "", healthy3, nil, "3.6.0"},
		{"3.x sealer demoted", FiscoSealer, fiscoID0, func() *fakeFisco {
			f := healthy3()
			f.sealers, f.observers = []string{fiscoID1, fiscoID2, fiscoID3}, []string{fiscoID0}
			return f
		}, []string{"NODE-FISCO-NOT-SEALER"}, "3.6.0"},
		{"2.x sealer removed", FiscoSealer, fiscoID0, func() *fakeFisco {
			f := healthy2()
			f.sealers = []string{fiscoID1, fiscoID2}
			return f
		}, []string{"NODE-FISCO-NOT-SEALER"}, "2.9.1"},
		{"3.x observer promoted", FiscoObserver, fiscoID3, func() *fakeFisco {
			f := healthy3()
			f.nodeID, f.sealers, f.observers = fiscoID3, []string{fiscoID0, fiscoID1, fiscoID2, fiscoID3}, nil
			return f
		}, []string{"NODE-FISCO-NOT-OBSERVER"}, "3.6.0"},
		{"3.x lagging", FiscoSealer, fiscoID0, func() *fakeFisco { f := healthy3(); f.known = 100; return f }, []string{"NODE-FISCO-SYNC-LAG"}, "3.6.0"},
		{"2.x lagging", FiscoSealer, fiscoID0, func() *fakeFisco { f := healthy2(); f.known = 100; return f }, []string{"NODE-FISCO-SYNC-LAG"}, "2.9.1"},
		{"3.x other node", FiscoSealer, fiscoID1, healthy3, []string{"NODE-FISCO-NODE-ID", "NODE-FISCO-NODE-ID"}, "3.6.0"},
		{"2.x other node", FiscoSealer, fiscoID1, healthy2, []string{"NODE-FISCO-NODE-ID"}, "2.9.1"},
		{"3.x stalled with pending txs", FiscoSealer, fiscoID0, func() *fakeFisco { f := healthy3(); f.viewStep, f.pending = 0, 5; return f }, []string{"NODE-FISCO-VIEW-STALL"}, "3.6.0"},
		{"3.x idle, view still", FiscoSealer, fiscoID0, func() *fakeFisco { f := healthy3(); f.viewStep = 0; return f }, nil, "3.6.0"},
		{"2.x stalled", FiscoSealer, fiscoID0, func() *fakeFisco { f := healthy2(); f.viewStep = 0; return f }, []string{"NODE-FISCO-VIEW-STALL"}, "2.9.1"},
		{"3.0.0-rc2 advisories", FiscoSealer, fiscoID0, func() *fakeFisco { f := healthy3(); f.version = "3.0.0-rc2"; return f },
			[]string{"NODE-VERSION-ADVISORY", "NODE-VERSION-ADVISORY", "NODE-VERSION-ADVISORY"}, "3.0.0-rc2"},
	}
	p := fiscoProber(t)
	chain := ledger.Chain{ID: "fisco", Kind: ledger.KindFisco}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := c.fake()
			srv := httptest.NewServer(fake)
			defer srv.Close()
			n := Node{ID: "n0", Chain: "fisco", Org: "Org1", Kind: c.kind, Endpoint: srv.URL, NodeID: c.id}
			if err := n.Validate(); err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			res := p.Probe(context.Background(), Target{Node: n, Chain: chain})
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Rule)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("Probe(%s) rules = %v, want %v\nfindings %+v", c.name, got, c.want, res.Findings)
			}
			if !res.Reachable || res.Version != c.version {
				t.Errorf("Probe(%s) reachable=%v version=%q, want reachable, %q", c.name, res.Reachable, res.Version, c.version)
			}
			if len(fake.badParams) > 0 {
				t.Errorf("Probe(%s) sent bad params: %v", c.name, fake.badParams)
			}
		})
	}
}

// TestProbeFiscoExposure serves JSON-RPC on a non-loopback address of
// this host: plain HTTP off the host is NODE-FISCO-RPC-PLAINTEXT.
func TestProbeFiscoExposure(t *testing.T) {
	var ip net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			ip = n.IP
			break
		}
	}
	if ip == nil {
		t.Skip("no non-loopback IPv4 address")
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		t.Skip(err)
	}
	srv := httptest.NewUnstartedServer(healthy3())
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	res := fiscoProber(t).Probe(context.Background(), Target{
		Node:  Node{ID: "n0", Chain: "fisco", Org: "Org1", Kind: FiscoSealer, Endpoint: srv.URL, NodeID: fiscoID0},
		Chain: ledger.Chain{ID: "fisco", Kind: ledger.KindFisco},
	})
	got := rulesOf(res.Findings)
	if got["NODE-FISCO-RPC-PLAINTEXT"] != 1 || (got["NODE-FISCO-RPC-PUBLIC"] == 1) != isPublic(ip) {
		t.Errorf("Probe(http://%s) rules = %v, want NODE-FISCO-RPC-PLAINTEXT (and RPC-PUBLIC iff %s is public)", ip, got, ip)
	}
}

func TestIsPublic(t *testing.T) {
	for ip, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true, "127.0.0.1": false, "10.1.2.3": false, "172.20.0.1": false,
		"192.168.1.1": false, "100.64.0.1": false, "169.254.1.1": false, "192.0.2.2": false, "::1": false, "fd00::1": false,
	} {
		if got := isPublic(net.ParseIP(ip)); got != want {
			t.Errorf("isPublic(%s) = %v, want %v", ip, got, want)
		}
	}
}

func TestProbeFiscoUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	res := fiscoProber(t).Probe(context.Background(), Target{
		Node:  Node{ID: "n0", Chain: "fisco", Org: "Org1", Kind: FiscoSealer, Endpoint: "http://" + addr, NodeID: fiscoID0, P2P: addr},
		Chain: ledger.Chain{ID: "fisco", Kind: ledger.KindFisco},
	})
	if res.Reachable || rulesOf(res.Findings)[RuleUnreachable.ID] != 2 {
		t.Errorf("Probe(dead) reachable=%v rules=%v, want NODE-UNREACHABLE for RPC and P2P", res.Reachable, rulesOf(res.Findings))
	}
}

func TestFiscoValidate(t *testing.T) {
	ok := Node{ID: "s0", Chain: "fisco", Org: "Org1", Kind: FiscoSealer, Endpoint: "http://127.0.0.1:20200", NodeID: "0x" + fiscoID0,
		Group: "group0", P2P: "10.0.0.1:30300", SDKChannel: "10.0.0.1:20200"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	for _, c := range []struct {
		name, field string
		edit        func(n *Node)
	}{
		{"no node id", "nodeId", func(n *Node) { n.NodeID = "" }},
		{"short node id", "nodeId", func(n *Node) { n.NodeID = fiscoID0[:126] }},
		{"node id with 04", "nodeId", func(n *Node) { n.NodeID = "04" + fiscoID0 }},
		{"bad group", "group", func(n *Node) { n.Group = "group 0" }},
		{"bad p2p", "p2p", func(n *Node) { n.P2P = "10.0.0.1" }},
		{"bad sdk", "sdkChannel", func(n *Node) { n.SDKChannel = "10.0.0.1:0" }},
		{"bad endpoint", "endpoint", func(n *Node) { n.Endpoint = "10.0.0.1:8545" }},
		{"address", "address", func(n *Node) { n.Address = "0x1234567890123456789012345678901234567890" }},
		{"fisco field on fabric", "nodeId", func(n *Node) { n.Kind, n.Endpoint = FabricPeer, "127.0.0.1:7051" }},
	} {
		n := ok
		c.edit(&n)
		err := n.Validate()
		fe, isFE := err.(*FieldError)
		if !isFE || fe.Field != c.field {
			t.Errorf("Validate(%s) = %v, want a FieldError on %s", c.name, err, c.field)
		}
	}
	rpc := Node{ID: "r0", Chain: "fisco", Org: "Org1", Kind: FiscoRPC, Endpoint: "https://10.0.0.1:20200", Group: "1"}
	if err := rpc.Validate(); err != nil {
		t.Errorf("Validate(fisco-rpc without node id) = %v", err)
	}
	if FiscoObserver.ChainKind() != ledger.KindFisco || err(ok.CheckChain(ledger.Chain{ID: "e", Kind: ledger.KindEVM})) == "" {
		t.Error("FISCO kinds must belong to fisco chains only")
	}
}

func err(e error) string {
	if e == nil {
		return ""
	}
	return e.Error()
}

func TestFiscoAdvisories(t *testing.T) {
	adv := DefaultAdvisories()
	for v, want := range map[string][]string{
		"3.0.0-rc1": nil,
		"3.0.0-rc2": {"CVE-2022-26534", "CVE-2022-28937", "FISCO-BCOS-2448"},
		"3.0.0-rc3": {"FISCO-BCOS-2448"},
		"3.0.0-rc4": nil,
		"3.0.0":     nil,
		"2.9.1":     nil,
		"3.16.2":    nil,
	} {
		var got []string
		for _, a := range adv.Match(ProductFisco, v) {
			got = append(got, a.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Match(fisco-bcos, %s) = %v, want %v", v, got, want)
		}
	}
	for _, c := range []struct{ a, b string }{{"3.0.0-rc2", "3.0.0"}, {"3.0.0-rc9", "3.0.0-rc10"}, {"3.0.0-beta1", "3.0.0-rc1"}, {"2.9.1", "3.0.0-rc1"}} {
		a, _ := parseVersion(c.a)
		b, _ := parseVersion(c.b)
		if compareVersion(a, b) >= 0 {
			t.Errorf("version %s sorts after %s", c.a, c.b)
		}
	}
}

func TestFiscoNumber(t *testing.T) {
	for in, want := range map[string]uint64{`416`: 416, `"0x1a0"`: 416, `"0X1A0"`: 416, `"416"`: 416} {
		if got, ok := fiscoNumber(json.RawMessage(in)); !ok || got != want {
			t.Errorf("fiscoNumber(%s) = %d, %v; want %d", in, got, ok, want)
		}
	}
	if _, ok := fiscoNumber(json.RawMessage(`"x"`)); ok {
		t.Error(`fiscoNumber("x") ok`)
	}
}

// rulesList is the sorted rule ids of fs, for messages.
func rulesList(fs []ledger.Finding) string {
	return fmt.Sprint(slices.Sorted(maps.Keys(rulesOf(fs))))
}

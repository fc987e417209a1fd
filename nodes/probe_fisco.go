package nodes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// FISCO BCOS release lines, told apart by getClientVersion: 2.x answers
// with "FISCO-BCOS Version"; 3.x has no such method and reports its
// version in getGroupInfo (nodeList[].iniConfig.binaryInfo.version).
const (
	fiscoLine2 = 2
	fiscoLine3 = 3
)

// fiscoRPC is a probe's JSON-RPC session with a FISCO BCOS node: the
// release line decides the parameters (2.x [groupId, ...], 3.x [group,
// node, ...]).
type fiscoRPC struct {
	r     *probeRun
	c     *http.Client
	line  int
	group string // as registered, defaulted for the line
	node  string // 3.x node name ("" lets the RPC choose)
}

// call runs method with the line's leading parameters.
func (f *fiscoRPC) call(ctx context.Context, check, method string, extra ...any) (json.RawMessage, error) {
	var params []any
	switch f.line {
	case fiscoLine2:
		g, _ := strconv.Atoi(f.group)
		params = append([]any{g}, extra...)
	case fiscoLine3:
		params = append([]any{f.group, f.node}, extra...)
	}
	rep, err := f.r.rpc(ctx, f.c, check, method, params, nil)
	switch {
	case err != nil:
		return nil, err
	case rep.status != http.StatusOK:
		return nil, fmt.Errorf("HTTP %d", rep.status)
	case rep.Error != nil:
		return nil, fmt.Errorf("%s: error %d: %s", method, rep.Error.Code, rep.Error.Message)
	}
	return rep.Result, nil
}

// fisco runs the FISCO BCOS checks: JSON-RPC exposure, version, sync,
// consensus role and view, and the SSL certificates of the RPC, P2P and
// SDK channel ports.
func (r *probeRun) fisco(ctx context.Context) {
	n := r.t.Node
	u, err := url.Parse(n.Endpoint)
	if err != nil {
		return // Validate rejects such endpoints
	}
	rpcAddr := u.Host
	if u.Port() == "" {
		rpcAddr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	c := r.httpClient()
	// The SSL certificate of an https RPC is judged by fiscoSSL (FISCO
	// BCOS certificates use secp256k1 or SM2, which crypto/tls cannot
	// verify); the JSON-RPC client only reads.
	c.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true
	f := &fiscoRPC{r: r, c: c}
	if r.fiscoVersion(ctx, f, u) {
		r.fiscoExposure(ctx, u)
		r.fiscoStatus(ctx, f)
	}
	if u.Scheme == "https" {
		r.fiscoSSL(ctx, "rpc", rpcAddr, f.line)
	}
	if n.P2P != "" {
		r.fiscoSSL(ctx, "p2p", n.P2P, f.line)
	}
	if n.SDKChannel != "" {
		r.fiscoSSL(ctx, "sdk", n.SDKChannel, f.line)
	}
}

// fiscoVersion asks the node for its version and so learns the release
// line. It reports whether JSON-RPC answered; an unanswered plain-HTTP
// endpoint is NODE-UNREACHABLE.
func (r *probeRun) fiscoVersion(ctx context.Context, f *fiscoRPC, u *url.URL) bool {
	rep, err := r.rpc(ctx, f.c, "version", "getClientVersion", nil, nil)
	if err != nil || rep.status != http.StatusOK {
		msg := "no JSON-RPC answer"
		if err != nil {
			msg = err.Error()
		} else {
			msg = fmt.Sprintf("HTTP %d", rep.status)
		}
		if u.Scheme == "https" {
			// A 3.x RPC with SSL on wants the SDK's client certificate,
			// which the probe does not hold; its certificate is checked
			// below, and only an unreachable port is a finding.
			r.evidence(Evidence{Check: "rpc-ssl", Target: r.t.Node.Endpoint, Error: msg,
				Response: "JSON-RPC over SSL did not answer a client without the SDK certificate; status checks skipped"})
			return false
		}
		r.finding(RuleUnreachable, "", "FISCO BCOS JSON-RPC endpoint does not answer getClientVersion: "+msg, map[string]string{"error": msg})
		return false
	}
	r.res.Reachable = true
	if rep.Error == nil {
		// 2.x: {"FISCO-BCOS Version": "2.9.1", "Supported Version": ...}.
		// A "version" field is read too, for RPC front ends that answer
		// 3.x style.
		var v map[string]any
		if json.Unmarshal(rep.Result, &v) == nil {
			if s, ok := v["FISCO-BCOS Version"].(string); ok {
				f.line, r.res.Version = fiscoLine2, s
			} else if s, ok := v["version"].(string); ok {
				f.line, r.res.Version = fiscoLine3, s
			}
		}
	}
	switch f.line {
	case fiscoLine2:
		f.group = cmpOr(r.t.Node.Group, "1")
		if _, err := strconv.Atoi(f.group); err != nil {
			r.evidence(Evidence{Check: "group", Target: r.t.Node.Endpoint, Error: "2.x node, but group " + f.group + " is not a group number; status checks skipped"})
			return false
		}
		return true
	default:
		f.line, f.group = fiscoLine3, cmpOr(r.t.Node.Group, "group0")
		return r.fiscoGroupInfo(ctx, f)
	}
}

// fiscoGroupInfo reads a 3.x node's version and node name from
// getGroupInfo, and checks that the RPC serves the registered node.
func (r *probeRun) fiscoGroupInfo(ctx context.Context, f *fiscoRPC) bool {
	rep, err := r.rpc(ctx, f.c, "group-info", "getGroupInfo", []any{f.group}, nil)
	if err != nil || rep.status != http.StatusOK || rep.Error != nil {
		return false // recorded as evidence: neither a 2.x nor a 3.x answer
	}
	var gi struct {
		NodeList []struct {
			Name      string `json:"name"`
			NodeID    string `json:"nodeID"`
			IniConfig string `json:"iniConfig"`
		} `json:"nodeList"`
	}
	if json.Unmarshal(rep.Result, &gi) != nil {
		return false
	}
	want := normNodeID(r.t.Node.NodeID)
	var served []string
	for i, nd := range gi.NodeList {
		var ini struct {
			BinaryInfo struct {
				Version string `json:"version"`
			} `json:"binaryInfo"`
		}
		_ = json.Unmarshal([]byte(nd.IniConfig), &ini)
		served = append(served, normNodeID(nd.NodeID))
		if i == 0 || normNodeID(nd.NodeID) == want {
			if r.res.Version == "" || normNodeID(nd.NodeID) == want {
				r.res.Version = ini.BinaryInfo.Version
			}
			if normNodeID(nd.NodeID) == want {
				f.node = nd.Name
			}
		}
	}
	if want != "" && len(served) > 0 && !slices.Contains(served, want) {
		r.finding(RuleFiscoNodeID, "group-info", fmt.Sprintf("the 3.x RPC serves %d node(s) of %s, not the registered node %s", len(served), f.group, short(want)),
			map[string]string{"registered": want, "served": strings.Join(served, ","), "group": f.group})
	}
	return true
}

// fiscoExposure raises plaintext and public-address findings for the
// JSON-RPC endpoint that just answered.
func (r *probeRun) fiscoExposure(ctx context.Context, u *url.URL) {
	ips, err := resolve(ctx, u.Hostname())
	if err != nil {
		return
	}
	ev := map[string]string{"host": u.Hostname(), "addresses": joinIPs(ips), "scheme": u.Scheme}
	loopback := true
	var public []string
	for _, ip := range ips {
		loopback = loopback && ip.IsLoopback()
		if isPublic(ip) {
			public = append(public, ip.String())
		}
	}
	if u.Scheme == "http" && !loopback {
		r.finding(RuleFiscoRPCPlain, "", "JSON-RPC answers over plain HTTP at "+u.Host, ev)
	}
	if len(public) > 0 {
		pev := maps.Clone(ev)
		pev["publicAddresses"] = strings.Join(public, ",")
		r.finding(RuleFiscoRPCPublic, "", "JSON-RPC answers on public address "+strings.Join(public, ", "), pev)
	}
}

func resolve(ctx context.Context, host string) ([]net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []net.IP{ip}, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	out := make([]net.IP, len(addrs))
	for i, a := range addrs {
		out[i] = a.IP
	}
	return out, nil
}

// unrouted are unicast ranges that are not routed on the internet:
// shared address space (RFC 6598), benchmarking (RFC 2544) and
// documentation (RFC 5737, RFC 3849).
var unrouted = func() []*net.IPNet {
	var out []*net.IPNet
	for _, s := range []string{"100.64.0.0/10", "198.18.0.0/15", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"} {
		_, n, _ := net.ParseCIDR(s)
		out = append(out, n)
	}
	return out
}()

// isPublic reports whether ip is a globally routable unicast address.
func isPublic(ip net.IP) bool {
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false
	}
	return !slices.ContainsFunc(unrouted, func(n *net.IPNet) bool { return n.Contains(ip) })
}

// fiscoStatus runs the checks that need JSON-RPC: sync lag and node id,
// the consensus role and the PBFT view.
func (r *probeRun) fiscoStatus(ctx context.Context, f *fiscoRPC) {
	r.fiscoSync(ctx, f)
	if r.t.Node.NodeID != "" && (r.t.Node.Kind == FiscoSealer || r.t.Node.Kind == FiscoObserver) {
		r.fiscoRole(ctx, f)
	}
	if r.t.Node.Kind != FiscoObserver {
		r.fiscoView(ctx, f)
	}
}

// syncStatus is getSyncStatus: an object in 2.x, a string holding the
// JSON object in 3.x; the node id is nodeId in 2.x and nodeID in 3.x.
type syncStatus struct {
	BlockNumber        json.RawMessage `json:"blockNumber"`
	KnownHighestNumber json.RawMessage `json:"knownHighestNumber"`
	NodeID2            string          `json:"nodeId"`
	NodeID3            string          `json:"nodeID"`
	Peers              []struct {
		BlockNumber json.RawMessage `json:"blockNumber"`
	} `json:"peers"`
}

func (r *probeRun) fiscoSync(ctx context.Context, f *fiscoRPC) {
	res, err := f.call(ctx, "sync", "getSyncStatus")
	if err != nil {
		return
	}
	var st syncStatus
	if err := unmarshalMaybeString(res, &st); err != nil {
		return
	}
	head, ok := fiscoNumber(st.BlockNumber)
	if !ok {
		return
	}
	r.res.Head = head
	known, _ := fiscoNumber(st.KnownHighestNumber)
	highest := known
	for _, p := range st.Peers {
		if n, ok := fiscoNumber(p.BlockNumber); ok && n > highest {
			highest = n
		}
	}
	if highest > head && highest-head > r.p.cfg.MaxLag {
		r.finding(RuleFiscoSyncLag, "", fmt.Sprintf("node is at block %d, %d behind the highest known block %d", head, highest-head, highest),
			map[string]string{"blockNumber": strconv.FormatUint(head, 10), "knownHighestNumber": strconv.FormatUint(known, 10),
				"highest": strconv.FormatUint(highest, 10), "peers": strconv.Itoa(len(st.Peers)), "lag": strconv.FormatUint(highest-head, 10)})
	}
	got, want := normNodeID(cmpOr(st.NodeID3, st.NodeID2)), normNodeID(r.t.Node.NodeID)
	if got != "" && want != "" && got != want {
		r.finding(RuleFiscoNodeID, "sync", fmt.Sprintf("getSyncStatus answers for node %s, not the registered %s", short(got), short(want)),
			map[string]string{"registered": want, "reported": got})
	}
	r.lag(ctx)
}

// fiscoRole checks the registered role against getSealerList and
// getObserverList.
func (r *probeRun) fiscoRole(ctx context.Context, f *fiscoRPC) {
	sealers, err1 := r.fiscoNodeList(ctx, f, "sealers", "getSealerList")
	observers, err2 := r.fiscoNodeList(ctx, f, "observers", "getObserverList")
	id := normNodeID(r.t.Node.NodeID)
	inS, inO := slices.Contains(sealers, id), slices.Contains(observers, id)
	where, foundIn := "in neither list: not a member of the group", "neither"
	if inO {
		where, foundIn = "in the observer list", "observers"
	} else if inS {
		where, foundIn = "in the sealer list", "sealers"
	}
	ev := map[string]string{"nodeId": id, "group": f.group, "sealers": strconv.Itoa(len(sealers)), "observers": strconv.Itoa(len(observers)),
		"foundIn": foundIn}
	switch {
	case r.t.Node.Kind == FiscoSealer && err1 == nil && !inS && (err2 == nil || inO):
		r.finding(RuleFiscoNotSealer, "", "registered sealer is "+where, ev)
	case r.t.Node.Kind == FiscoObserver && err2 == nil && !inO && (err1 == nil || inS):
		r.finding(RuleFiscoNotObserver, "", "registered observer is "+where, ev)
	}
}

// fiscoNodeList reads a node list: 2.x and getObserverList return node
// ids, 3.x getSealerList returns {nodeID, weight} objects.
func (r *probeRun) fiscoNodeList(ctx context.Context, f *fiscoRPC, check, method string) ([]string, error) {
	res, err := f.call(ctx, check, method)
	if err != nil {
		return nil, err
	}
	var ids []string
	if json.Unmarshal(res, &ids) != nil {
		var objs []struct {
			NodeID string `json:"nodeID"`
		}
		if err := json.Unmarshal(res, &objs); err != nil {
			return nil, fmt.Errorf("decode %s: %w", method, err)
		}
		for _, o := range objs {
			ids = append(ids, o.NodeID)
		}
	}
	for i := range ids {
		ids[i] = normNodeID(ids[i])
	}
	return ids, nil
}

// fiscoView samples the PBFT view and the height twice, ViewInterval
// apart.
func (r *probeRun) fiscoView(ctx context.Context, f *fiscoRPC) {
	sample := func() (view, height uint64, ok bool) {
		v, err := f.call(ctx, "pbft-view", "getPbftView")
		if err != nil {
			return 0, 0, false
		}
		h, err := f.call(ctx, "pbft-view", "getBlockNumber")
		if err != nil {
			return 0, 0, false
		}
		view, ok1 := fiscoNumber(v)
		height, ok2 := fiscoNumber(h)
		return view, height, ok1 && ok2
	}
	v1, h1, ok := sample()
	if !ok {
		return // not PBFT (2.x raft answers an error), or no answer
	}
	pending := uint64(0)
	if p, err := f.call(ctx, "pbft-view", "getPendingTxSize"); err == nil {
		pending, _ = fiscoNumber(p)
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(r.p.cfg.ViewInterval):
	}
	v2, h2, ok := sample()
	if !ok || v2 != v1 || h2 != h1 {
		return
	}
	if pending > 0 || f.line == fiscoLine2 {
		r.finding(RuleFiscoViewStall, "", fmt.Sprintf("PBFT view %d and block %d unchanged over %v with %d pending transaction(s)", v1, h1, r.p.cfg.ViewInterval, pending),
			map[string]string{"view": strconv.FormatUint(v1, 10), "blockNumber": strconv.FormatUint(h1, 10),
				"pendingTxSize": strconv.FormatUint(pending, 10), "interval": r.p.cfg.ViewInterval.String()})
	}
}

// fiscoNumber reads a JSON number, a decimal string or a 0x hex string
// (2.x returns "0x1a0", 3.x returns 416).
func fiscoNumber(raw json.RawMessage) (uint64, bool) {
	var n uint64
	if json.Unmarshal(raw, &n) == nil {
		return n, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, false
	}
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseUint(h, 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// unmarshalMaybeString decodes raw into v, first unwrapping a JSON string
// that holds the JSON (3.x getSyncStatus and getConsensusStatus).
func unmarshalMaybeString(raw json.RawMessage, v any) error {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	return json.Unmarshal(raw, v)
}

// normNodeID lower-cases a node id and drops a 0x prefix.
func normNodeID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.TrimPrefix(s, "0x")
}

// short abbreviates a node id for messages; evidence keeps it whole.
func short(id string) string {
	if len(id) > 16 {
		return id[:16] + "…"
	}
	return id
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// fiscoSSL checks an SSL port: which protocol it speaks, whether it asks
// for a client certificate, and its certificates (both the signing and
// the encryption certificate on GM SSL).
func (r *probeRun) fiscoSSL(ctx context.Context, port, addr string, line int) {
	var h *sslHello
	var errs []string
	for _, v := range []uint16{versionTLS12, versionTLCP} {
		start := time.Now()
		req := "TLS 1.2 ClientHello"
		if v == versionTLCP {
			req = "GM SSL/TLCP 1.1 ClientHello"
		}
		got, err := r.hello(ctx, addr, v)
		ev := Evidence{Check: port + "-ssl", Target: addr, Request: req + " (no client certificate; reads the server's first flight)", Millis: time.Since(start).Milliseconds()}
		var opErr *net.OpError
		if err != nil && errors.As(err, &opErr) && opErr.Op == "dial" {
			ev.Error = err.Error()
			r.evidence(ev)
			r.finding(RuleUnreachable, port, port+" SSL endpoint refuses connections: "+err.Error(), map[string]string{"error": err.Error(), "address": addr, "port": port})
			return
		}
		if err != nil {
			ev.Error = err.Error()
			errs = append(errs, req+": "+err.Error())
		} else {
			ev.Response = got.String()
			if got.refused {
				errs = append(errs, req+": "+got.String())
			}
		}
		ev.OK = err == nil && !got.refused && len(got.certs) > 0
		r.evidence(ev)
		if ev.OK {
			h = got
			break
		}
	}
	r.res.Reachable = true
	if h == nil {
		msg := "no SSL hello completed on " + addr + ": " + strings.Join(errs, "; ")
		r.finding(RuleTLSHandshake, port, msg, map[string]string{"address": addr, "error": strings.Join(errs, "; "), "port": port})
		return
	}
	gm := r.t.Chain.Crypto == ledger.CryptoGM
	if gm && h.version != versionTLCP {
		r.finding(RuleFiscoSSLNotSM, port, fmt.Sprintf("%s port %s speaks %s on a national-crypto chain", port, addr, h),
			map[string]string{"address": addr, "protocol": fmt.Sprintf("0x%04x", h.version), "suite": fmt.Sprintf("0x%04x", h.suite), "port": port})
	}
	if !h.certReq {
		r.finding(RuleFiscoSSLNoClientAuth, port, port+" SSL port "+addr+" does not request a client certificate",
			map[string]string{"address": addr, "hello": h.String(), "port": port})
	}
	type leaf struct {
		role string
		der  []byte
	}
	leaves, chain := []leaf{{port, h.certs[0]}}, h.certs[1:]
	if h.version == versionTLCP && len(h.certs) >= 2 {
		// TLCP servers send the signing certificate, then the encryption
		// certificate, then any CA certificates (GB/T 38636-2020 6.4.5.3).
		leaves, chain = []leaf{{port + "-sign", h.certs[0]}, {port + "-enc", h.certs[1]}}, h.certs[2:]
	}
	for i, l := range leaves {
		r.fiscoCert(l.role, addr, l.der, chain, line == fiscoLine2 && i == 0)
	}
}

package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/index"
	"github.com/lianjian/lianjian/ledger/supervise"
)

func TestNodesCommand(t *testing.T) {
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	d := []string{"--data-dir", dir}
	steps := []struct {
		args    []string
		wantOut string
		wantErr string
	}{
		{append([]string{"nodes", "register", "--id", "peer0", "--chain", "fab", "--org", "Org1MSP", "--kind", "fabric-peer", "--endpoint", dead, "--node-version", "2.4.4"}, d...), "登记", ""},
		{append([]string{"nodes", "register", "--id", "peer1", "--chain", "nope", "--org", "Org1MSP", "--kind", "fabric-peer", "--endpoint", dead}, d...), "", "unknown chain"},
		{append([]string{"nodes", "register", "--id", "peer1", "--chain", "fab", "--org", "Org1MSP", "--kind", "fabric-peer", "--endpoint", "nohost"}, d...), "", "want host:port"},
		{append([]string{"nodes", "list"}, d...), "peer0", ""},
		// The report lists the registered node with its fields, and only
		// for its own org.
		{args: append([]string{"report", "--format", "json", "--org", "Org1MSP"}, d...), wantOut: `"id": "peer0",
        "chain": "fab",
        "org": "Org1MSP",
        "kind": "fabric-peer",
        "endpoint": "` + dead + `"`},
		{args: append([]string{"report", "--format", "json", "--org", "Org2MSP"}, d...), wantOut: `"nodes": []`},
		{append([]string{"nodes", "list", "--lang", "en"}, d...), "CHANGE", ""},
		{append([]string{"nodes", "check", "--id", "peer0"}, d...), "NODE-UNREACHABLE", ""},
		{append([]string{"nodes", "check", "--id", "peer0"}, d...), "NODE-VERSION-ADVISORY", ""},
		{append([]string{"nodes", "show", "--id", "peer0"}, d...), "探测 peer0", ""},
		{append([]string{"nodes", "show", "--id", "peer0", "--lang", "en"}, d...), "probe peer0", ""},
		{append([]string{"nodes", "retire", "--id", "peer0", "--reason", "gone"}, d...), "退役", ""},
		{append([]string{"nodes", "list", "--retired", "--json"}, d...), `"change":"retire"`, ""},
		{append([]string{"nodes", "frob"}, d...), "", "usage"},
		{[]string{"nodes"}, "", "usage"},
	}
	for _, s := range steps {
		t.Run(strings.Join(s.args[:min(2, len(s.args))], " "), func(t *testing.T) {
			out, _, err := runCmd(t, s.args...)
			switch {
			case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
				t.Fatalf("run(%q) = %v, want error containing %q", s.args, err, s.wantErr)
			case s.wantErr == "" && err != nil:
				t.Fatalf("run(%q) = %v", s.args, err)
			case !strings.Contains(out, s.wantOut):
				t.Fatalf("run(%q) output %q lacks %q", s.args, out, s.wantOut)
			}
		})
	}
	// Every mutating command, refused ones included, is in the audit log.
	db, err = index.Open(dir, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := map[string]int{}
	if err := db.AuditEntries(context.Background(), 0, func(e *supervise.Entry) bool {
		got[e.Op+" "+e.Outcome]++
		return true
	}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cli nodes register ok", "cli nodes register error", "cli nodes retire ok"} {
		if got[want] == 0 {
			t.Errorf("audit log has no %q entry; it has %v", want, got)
		}
	}
}

package jsonrpc

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestProxyEditsBlocksAt: the proxy rewrites the blocks at one height
// in single and batch answers, EVM and FISCO 2.x (hex numbers) and FISCO
// 3.x (decimal), and passes everything else through.
func TestProxyEditsBlocksAt(t *testing.T) {
	answers := map[string]string{
		"evm":    `[{"jsonrpc":"2.0","id":1,"result":{"number":"0x3","parentHash":"0x01","hash":"0xaa"}},{"jsonrpc":"2.0","id":2,"result":[{"status":"0x1"}]},{"jsonrpc":"2.0","id":3,"result":{"number":"0x4","parentHash":"0xaa","hash":"0xbb"}}]`,
		"fisco3": `{"jsonrpc":"2.0","id":1,"result":{"number":3,"parentInfo":[],"hash":"0xaa"}}`,
		"other":  `{"jsonrpc":"2.0","id":1,"result":"0x3"}`,
	}
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, answers[strings.TrimPrefix(r.URL.Path, "/")])
	}))
	defer node.Close()
	u, _ := url.Parse(node.URL)
	proxy := httptest.NewServer(Proxy(u, BlockAt(3, func(b map[string]any) { b["hash"] = "0xff" })))
	defer proxy.Close()
	for path, want := range map[string][]string{
		"evm":    {"0xff", "0xbb", `"status":"0x1"`},
		"fisco3": {"0xff"},
		"other":  {`"result":"0x3"`},
	} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, proxy.URL+"/"+path, strings.NewReader(`{}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !json.Valid(body) {
			t.Fatalf("%s: answer %s is not JSON", path, body)
		}
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: answer %s, want %s in it", path, body, w)
			}
		}
		if strings.Contains(string(body), `"0xaa","number":"0x3"`) || (path != "evm" && strings.Contains(string(body), "0xaa")) {
			t.Errorf("%s: block 3 not rewritten: %s", path, body)
		}
	}
}

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestOpenAPI checks that the served document is valid OpenAPI 3, lists
// exactly the registered routes, and that the response of every route's
// sample request (the examples) validates against its declared schema.
func TestOpenAPI(t *testing.T) {
	s := newTestServer(t, Config{}, openIndex(t, ""), nil)
	rec := send(t, s.Handler(), "GET", Version+"/openapi.json", "", nil)
	if rec.Code != 200 {
		t.Fatalf("GET openapi.json = %d %s", rec.Code, rec.Body)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("load document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("document is not valid OpenAPI 3: %v", err)
	}
	var want, got []string
	for _, rt := range s.Routes() {
		want = append(want, rt.Method+" "+ginToOpenAPI(rt.Path))
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			got = append(got, method+" "+path)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("document operations:\n%s\nwant the routes:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	samples := sampleRequests()
	for _, rt := range s.Routes() {
		op := doc.Paths.Find(ginToOpenAPI(rt.Path)).GetOperation(rt.Method)
		if op.Extensions["x-permission"] != string(rt.Permission) {
			t.Errorf("%s %s x-permission = %v, want %q", rt.Method, rt.Path, op.Extensions["x-permission"], rt.Permission)
		}
		if rt.Response == nil {
			continue
		}
		t.Run(rt.Method+rt.Path, func(t *testing.T) {
			sm, ok := samples[rt.Method+" "+rt.Path]
			if !ok {
				t.Fatalf("%s %s has no sample request in sampleRequests", rt.Method, rt.Path)
			}
			rec := send(t, s.Handler(), rt.Method, sm.path, sm.body, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s %s = %d %s", rt.Method, sm.path, rec.Code, rec.Body)
			}
			schema := op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
			var v any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			if err := schema.VisitJSON(v); err != nil {
				t.Errorf("%s %s response does not match its schema: %v\n%s", rt.Method, sm.path, err, rec.Body)
			}
		})
	}
	for _, target := range []string{Version + "/nope", Version + "/chains/" + evmChain + "/blocks/x", Version + "/findings?limit=0"} {
		bad := send(t, s.Handler(), "GET", target, "", nil)
		var e any
		_ = json.Unmarshal(bad.Body.Bytes(), &e)
		if err := doc.Components.Schemas["Error"].Value.VisitJSON(e); bad.Code < 400 || err != nil {
			t.Errorf("GET %s = %d %s: want an error matching the Error schema (%v)", target, bad.Code, bad.Body, err)
		}
	}
}

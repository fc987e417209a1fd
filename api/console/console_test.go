package console

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler()
	tests := []struct {
		name, method, path string
		status             int
		ctype, location    string
		body               string // substring of the body
	}{
		{"page", http.MethodGet, "/console/", http.StatusOK, "text/html; charset=utf-8", "", `<script type="module" src="js/main.js">`},
		{"index alias", http.MethodGet, "/console/index.html", http.StatusOK, "text/html; charset=utf-8", "", "链鉴"},
		{"no slash", http.MethodGet, "/console", http.StatusMovedPermanently, "", "/console/", ""},
		{"module", http.MethodGet, "/console/js/main.js", http.StatusOK, "text/javascript; charset=utf-8", "", "import"},
		{"style", http.MethodGet, "/console/app.css", http.StatusOK, "text/css; charset=utf-8", "", ":root"},
		{"dictionary", http.MethodGet, "/console/i18n/zh-CN.json", http.StatusOK, "application/json", "", "监管"},
		{"head", http.MethodHead, "/console/app.css", http.StatusOK, "text/css; charset=utf-8", "", ""},
		{"missing asset", http.MethodGet, "/console/js/nope.js", http.StatusNotFound, "", "", ""},
		{"directory", http.MethodGet, "/console/js/", http.StatusNotFound, "", "", ""},
		{"directory no slash", http.MethodGet, "/console/js", http.StatusNotFound, "", "", ""},
		{"dot segments", http.MethodGet, "/console/js/../app.css", http.StatusNotFound, "", "", ""},
		{"outside prefix", http.MethodGet, "/api/v1/chains", http.StatusNotFound, "", "", ""},
		{"post", http.MethodPost, "/console/", http.StatusMethodNotAllowed, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "http://127.0.0.1"+tt.path, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.status)
			}
			if got := rec.Header().Get("Content-Security-Policy"); got != policy {
				t.Errorf("%s %s: Content-Security-Policy = %q, want the console policy", tt.method, tt.path, got)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s %s: X-Content-Type-Options = %q", tt.method, tt.path, got)
			}
			if tt.ctype != "" && rec.Header().Get("Content-Type") != tt.ctype {
				t.Errorf("%s %s: Content-Type = %q, want %q", tt.method, tt.path, rec.Header().Get("Content-Type"), tt.ctype)
			}
			if tt.location != "" && rec.Header().Get("Location") != tt.location {
				t.Errorf("%s %s: Location = %q, want %q", tt.method, tt.path, rec.Header().Get("Location"), tt.location)
			}
			if tt.body != "" && !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("%s %s: body lacks %q", tt.method, tt.path, tt.body)
			}
		})
	}
}

func TestRedirect(t *testing.T) {
	rec := httptest.NewRecorder()
	Redirect().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != Path {
		t.Fatalf("Redirect = %d %q, want 302 %q", rec.Code, rec.Header().Get("Location"), Path)
	}
}

// assetText returns every text asset by path.
func assetText(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(Assets(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Assets(), p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSelfContained checks that no asset refers to another origin: the
// console must work offline and without a CDN.
func TestSelfContained(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	allowed := []string{"http://www.w3.org/2000/svg"}
	for p, text := range assetText(t) {
		for _, m := range url.FindAllString(text, -1) {
			ok := false
			for _, a := range allowed {
				ok = ok || strings.HasPrefix(a, m)
			}
			if !ok {
				t.Errorf("%s refers to another origin: %q", p, m)
			}
		}
	}
}

// TestImports checks that every module import names an embedded file.
func TestImports(t *testing.T) {
	imp := regexp.MustCompile(`(?:from|import)\s*\(?\s*'(\.{1,2}/[^']+)'`)
	assets := assetText(t)
	n := 0
	for p, text := range assets {
		if !strings.HasSuffix(p, ".js") {
			continue
		}
		dir := p[:strings.LastIndex(p, "/")]
		for _, m := range imp.FindAllStringSubmatch(text, -1) {
			n++
			target := resolve(dir, m[1])
			if _, ok := assets[target]; !ok {
				t.Errorf("%s imports %s: no such asset %s", p, m[1], target)
			}
		}
	}
	if n < 10 {
		t.Fatalf("found %d imports; the import pattern no longer matches the code", n)
	}
}

func resolve(dir, rel string) string {
	parts := strings.Split(dir, "/")
	for _, s := range strings.Split(rel, "/") {
		switch s {
		case ".":
		case "..":
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "/")
}

// TestDictionaries checks that both languages have the same keys, no
// empty strings, and every key the code names.
func TestDictionaries(t *testing.T) {
	assets := assetText(t)
	dicts := map[string]map[string]string{}
	for _, lang := range []string{"zh-CN", "en"} {
		d := map[string]string{}
		if err := json.Unmarshal([]byte(assets["i18n/"+lang+".json"]), &d); err != nil {
			t.Fatalf("i18n/%s.json: %v", lang, err)
		}
		for k, v := range d {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
		}
		dicts[lang] = d
	}
	for k := range dicts["zh-CN"] {
		if _, ok := dicts["en"][k]; !ok {
			t.Errorf("%s is in zh-CN but not in en", k)
		}
	}
	for k := range dicts["en"] {
		if _, ok := dicts["zh-CN"][k]; !ok {
			t.Errorf("%s is in en but not in zh-CN", k)
		}
	}
	used := regexp.MustCompile("\\bt\\(\\s*['`]([A-Za-z0-9_.-]+)['`]|data-i18n(?:-placeholder)?=\"([^\"]+)\"")
	var keys []string
	for p, text := range assets {
		if !strings.HasSuffix(p, ".js") && !strings.HasSuffix(p, ".html") {
			continue
		}
		for _, m := range used.FindAllStringSubmatch(text, -1) {
			keys = append(keys, m[1]+m[2])
		}
	}
	// Enumerated values are translated by group (tv('sev', s)).
	for _, g := range [][2]string{
		{"sev", "critical high medium low info"},
		{"status", "open acknowledged rectifying resolved accepted-risk false-positive"},
		{"verdict", "verified failed unverified"},
		{"role", "regulator operator auditor"},
		{"login.reason", "expired required invalid"},
	} {
		for _, v := range strings.Fields(g[1]) {
			keys = append(keys, g[0]+"."+v)
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found %d keys in the code; the key pattern no longer matches", len(keys))
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		for lang, d := range dicts {
			if _, ok := d[k]; !ok {
				t.Errorf("%s: missing key %q", lang, k)
			}
		}
	}
}

package console

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Path is where the console is mounted; every asset lives below it.
const Path = "/console/"

// policy is the content security policy of every console response: only
// same-origin scripts, styles, images (and inline SVG data) and requests.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' blob:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

//go:embed static
var static embed.FS

// assets is the embedded static tree, rooted at its top.
var assets = mustSub(static, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic("console: embedded assets: " + err.Error()) // only if the embed directive is wrong
	}
	return sub
}

// Assets returns the embedded files of the console, rooted so that
// "index.html" is the page itself.
func Assets() fs.FS { return assets }

// Handler serves the console below Path: Path itself answers the page,
// other paths the embedded assets, and anything else 404. Every response
// carries the console's security headers; the page is never cached so a
// new binary's console is picked up at once, while assets are revalidated.
func Handler() http.Handler {
	files := http.FileServerFS(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rel, ok := strings.CutPrefix(r.URL.Path, Path)
		if !ok && r.URL.Path+"/" == Path {
			http.Redirect(w, r, Path, http.StatusMovedPermanently)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		if rel == "" || rel == "index.html" {
			h.Set("Cache-Control", "no-cache, no-store")
			page, err := fs.ReadFile(assets, "index.html")
			if err != nil {
				http.Error(w, "console unavailable", http.StatusInternalServerError)
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(page) // the client went away; nothing to do
			return
		}
		clean := path.Clean("/" + rel)
		if clean != "/"+rel || strings.HasSuffix(rel, "/") {
			http.NotFound(w, r)
			return
		}
		if st, err := fs.Stat(assets, clean[1:]); err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		h.Set("Cache-Control", "no-cache")
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = clean
		u.RawPath = ""
		r2.URL = &u
		files.ServeHTTP(w, r2)
	})
}

// Redirect answers "/" by sending browsers to the console, for servers
// that mount the console beside the API.
func Redirect() http.Handler {
	return http.RedirectHandler(Path, http.StatusFound)
}

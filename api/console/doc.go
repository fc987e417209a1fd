// Package console serves Lianjian's web console: a single-page
// application for regulators, operators and auditors that sits on the
// supervision API (/api/v1) and uses its bearer tokens and roles.
//
// The console is plain HTML, CSS and JavaScript modules embedded in the
// binary with go:embed; it needs no build step, loads nothing from
// another origin and works offline. Its content security policy allows
// only same-origin scripts, styles and requests, so a reference to a CDN
// would fail in the browser as well as in this package's tests.
//
// The server mounts Handler at Path ("/console/"). Pages are addressed by
// the URL fragment (#/findings/ID), so any view can be shared as a link.
// Chinese (zh-CN) is the default language and English is switchable; all
// strings live in the two dictionaries under static/i18n.
package console

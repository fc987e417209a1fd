// Package api serves the index over a versioned JSON API.
//
// The API is read-only for now and thin by design: every handler binds its
// input, makes one call into the index with the request context and
// returns a response value or an error. One wrapper renders every response
// and maps errors to status codes in a single place, so the error contract
// is the same on every route:
//
//	{"error":{"code":"not_found","message":"..."}}
//
// Stable codes are bad_request (400), unauthenticated (401), forbidden
// (403), not_found (404), method_not_allowed (405), timeout (503),
// unavailable (503) and internal (500). Internal errors never carry
// details of the failure; those go to the injected logger.
//
// Routes are declared in one table (method, path, permission, summary) so
// that authorisation and the OpenAPI document are derived from the routes
// actually served. With a nil Authenticator the API is open; with one,
// every route that names a permission requires a caller holding it.
//
// Listings are cursor paged: ?limit=&cursor= in, {"items":[...],"next":""}
// out, where an empty next means the last page. Hashes and byte strings
// are 0x-prefixed hex, times are RFC 3339 in UTC and amounts are decimal
// strings. Original bytes (block and transaction Raw, certificates, EVM
// code) are left out unless the request asks for them with ?raw=1.
package api

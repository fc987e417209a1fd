// Package api serves the index over a versioned JSON API for regulators,
// operators and auditors.
//
// Handlers are thin by design: every handler binds its input, makes one
// domain call with the request context and returns a response value or an
// error. One wrapper renders every response and maps errors to status
// codes in a single place, so the error contract is the same on every
// route:
//
//	{"error":{"code":"not_found","message":"..."}}
//
// Stable codes are bad_request (400), unauthenticated (401), forbidden
// (403), not_found (404), method_not_allowed (405), conflict (409, a
// workflow transition that is not allowed), too_large (413),
// rate_limited (429), timeout (503), unavailable (503) and internal
// (500). Internal errors never carry details of the failure; those go to
// the injected logger.
//
// Routes are declared in one table (method, path, permission, summary,
// query parameters, body and response types): registration,
// authorisation, the role matrix test and the OpenAPI document at
// /api/v1/openapi.json are all derived from the routes actually served.
//
// Security: TokenAuth checks bearer tokens (stored as SM3 hashes) and
// RolePermissions maps the roles regulator, operator (bound to one org,
// which sees only that org's findings) and auditor to permissions. Every
// mutating request, refused ones included, is appended to the SM3
// hash-chained audit log. Bodies are capped and each token is rate
// limited. Health probes and /metrics are public.
//
// Listings are cursor paged: ?limit=&cursor= in, {"items":[...],"next":""}
// out, where an empty next means the last page. Hashes and byte strings
// are 0x-prefixed hex, times are RFC 3339 in UTC and amounts are decimal
// strings. Original bytes (block and transaction Raw, certificates, EVM
// code) are left out unless the request asks for them with ?raw=1.
//
// Subpackages: report renders supervision reports, alert delivers
// findings to webhooks, transport secures the listener with TLS or GM TLS.
package api

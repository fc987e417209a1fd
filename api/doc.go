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
// (403), not_found (404, also a scan for a chain the index does not
// hold: "unknown chain \"ID\""), method_not_allowed (405), conflict
// (409, a workflow transition that is not allowed, a node id its org
// registered twice, or a node named by id alone that several orgs
// registered: name one with ?org=), too_large (413), rate_limited (429, with
// Retry-After), timeout (503), unavailable (503) and internal (500).
// Messages are English; clients localise by code (the console's zh-CN
// and en dictionaries). Internal errors never carry details of the
// failure; those go to the injected logger.
//
// Routes are declared in one table (method, path, permission, summary,
// query parameters, body and response types): registration,
// authorisation, the role matrix test and the OpenAPI document at
// /api/v1/openapi.json are all derived from the routes actually served.
//
// Security: TokenAuth checks bearer tokens (stored as SM3 hashes) and
// RolePermissions maps the roles regulator, operator (bound to one org,
// which sees only that org's findings and nodes) and auditor to
// permissions. Bodies are capped and each token is rate limited
// (Config.RateLimit). Requests without a valid token take from a bucket
// per client address (an IPv6 client: its /64; Config.UnauthRate and
// UnauthBurst) and get 429 with Retry-After once it is empty; valid
// tokens from the same address are not affected. Every mutating request
// of an authenticated caller, refused ones included, is appended to the
// SM3 hash-chained audit log with the object it acts on (Route.Object:
// "node ID", "finding ID", "token NAME (ID)", "chain ID"). Requests
// refused before that (401, 429) are not logged one by one: each
// client's are counted and written as one "refused requests" entry per
// Config.RefusalWindow, so an outsider adds at most one entry per
// address and window. The limiters and the counts track at most
// Config.MaxClients clients; past that, new ones share one bucket and
// one count. A node is identified by its org and its id: each org has
// its own ids, so two orgs may each register "peer0", and nothing an
// operator is answered about a node id (registering, reading, updating,
// retiring it) depends on another org's nodes. Operators address their
// own org's nodes by id; regulators add ?org= where an id is ambiguous.
// Health probes and /metrics are public.
// GET auditlog/verify checks the audit log against its SM2-signed
// checkpoints (Config.AuditKey, AuditCheckpoints) with
// supervise.VerifyLog: the verdict of 'lianjian auditlog verify'.
//
// Listings are cursor paged: ?limit=&cursor= in, {"items":[...],"next":""}
// out, where an empty next means the last page. Hashes and byte strings
// are hex in each platform's own convention: 0x-prefixed on EVM and FISCO
// BCOS chains, bare on Fabric (as peer and configtxlator print them);
// transaction ids are served as the index stores them. Times are RFC 3339 in UTC and amounts are decimal strings. Original bytes (block and transaction Raw, certificates, EVM
// code) are left out unless the request asks for them with ?raw=1.
//
// Subpackages: report renders supervision reports, alert delivers
// findings to webhooks, transport secures the listener with TLS or GM TLS.
package api

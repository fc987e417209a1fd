package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/ledger/compliance"
)

// Version is the path prefix of the current API version.
const Version = "/api/v1"

// Route describes one served route. The table of routes is the single
// source for registration, authorisation and the OpenAPI document.
type Route struct {
	Method     string
	Path       string     // gin pattern, e.g. /api/v1/chains/:chain
	Permission Permission // empty for public routes
	Summary    string
	// Query names the query parameters the route reads.
	Query []string
	// Body is a value of the JSON request body's type, nil for none.
	Body any
	// Response is a value of the JSON response's type, nil when the
	// route answers something else (metrics, reports) or is undescribed.
	Response any
	// Object names what a mutating route acts on, for its audit log
	// entries, with path parameters as in Path: "node :id". A handler
	// that learns more (the name of a new token) refines it with
	// auditTarget.
	Object string
}

// route is a Route with its handler.
type route struct {
	Route
	handle handler
}

// in declares the query parameters of a route.
func (r route) in(query ...string) route { r.Query = query; return r }

// out declares the response type of a route.
func (r route) out(v any) route { r.Response = v; return r }

// body declares the request body type of a route.
func (r route) body(v any) route { r.Body = v; return r }

// acts declares what a mutating route acts on (Route.Object).
func (r route) acts(object string) route { r.Object = object; return r }

func mk(method, path string, perm Permission, summary string, h handler) route {
	return route{Route{Method: method, Path: path, Permission: perm, Summary: summary}, h}
}

// Query parameter sets shared by several routes.
var (
	pageQuery    = []string{"limit", "cursor"}
	rawQuery     = []string{"raw"}
	findingQuery = []string{"chain", "severity", "min_severity", "rule", "category", "status", "org", "since", "until", "subject", "order", "limit", "cursor", "lang"}
)

// table declares every route the server serves. Append new routes at the
// end of the list (or in a block of your own): order is only the order
// of the OpenAPI document.
func (s *Server) table() []route {
	get := func(path string, perm Permission, summary string, h handler) route {
		return mk(http.MethodGet, path, perm, summary, h)
	}
	post := func(path string, perm Permission, summary string, h handler) route {
		return mk(http.MethodPost, path, perm, summary, h)
	}
	del := func(path string, perm Permission, summary string, h handler) route {
		return mk(http.MethodDelete, path, perm, summary, h)
	}
	const v = Version
	return append([]route{
		get("/healthz", "", "liveness probe", s.healthz).out(Status{}),
		get("/readyz", "", "readiness probe: the index answers", s.readyz).out(Status{}),
		get("/metrics", "", "Prometheus metrics (text exposition format)", s.metricsPage),

		get(v+"/chains", PermLedgerRead, "list chains with head, ingested height and lag", s.chains).out(List[ChainView]{}),
		get(v+"/chains/:chain", PermLedgerRead, "one chain with head, ingested height and lag", s.chain).out(ChainView{}),
		get(v+"/chains/:chain/blocks", PermLedgerRead, "list blocks, newest first", s.blocks).in(pageQuery...).out(List[BlockSummary]{}),
		get(v+"/chains/:chain/blocks/:ref", PermLedgerRead, "one block by height or hash", s.block).in(rawQuery...).out(BlockView{}),
		get(v+"/chains/:chain/txs/:id", PermLedgerRead, "one transaction with signatures and verdict", s.tx).in(rawQuery...).out(TxView{}),
		get(v+"/chains/:chain/addresses/:addr/history", PermLedgerRead, "transactions touching an address", s.history).in(pageQuery...).out(List[HistoryView]{}),
		get(v+"/chains/:chain/contracts", PermContractRead, "list contracts and chaincodes", s.contracts).in(pageQuery...).out(List[ContractView]{}),
		get(v+"/chains/:chain/contracts/:addr", PermContractRead, "one contract or chaincode", s.contract).in(rawQuery...).out(ContractView{}),
		get(v+"/chains/:chain/reorgs", PermLedgerRead, "reorganisations seen during ingest", s.reorgs).out(List[ReorgView]{}),
		get(v+"/txs/:id", PermLedgerRead, "find a transaction in every chain", s.txAnyChain).in(rawQuery...).out(List[TxView]{}),
		get(v+"/findings", PermFindingRead, "list findings by chain, severity, rule, category, status, org and time, by id or by severity then last seen (operators: own org)", s.findings).in(findingQuery...).out(List[FindingView]{}),
		get(v+"/findings/:id", PermFindingRead, "one finding", s.finding).in("lang").out(FindingView{}),
		get(v+"/rules", PermRuleRead, "the rule catalogue, titles and advice in the request's language", s.ruleCatalogue).in("lang").out(List[RuleView]{}),

		get(v+"/openapi.json", PermAPIRead, "this API's OpenAPI 3 description", s.openAPI),
		get(v+"/search", PermSearch, "resolve a tx id, block hash or height, address, certificate (serial, subject, common name), MSP id, contract name or registered node name to chain, channel and org", s.search).in("q").out(List[MatchView]{}),
		get(v+"/findings/:id/history", PermFindingRead, "a finding's workflow state and history", s.findingHistory).in("lang").out(FindingHistoryView{}),
		post(v+"/findings/:id/transitions", PermFindingWrite, "change a finding's status, confirm it or comment on it", s.changeFinding).in("lang").body(TransitionRequest{}).out(TransitionView{}).acts("finding :id"),
		get(v+"/users", PermUserAdmin, "list API tokens (never their secrets)", s.users).out(List[TokenView]{}),
		post(v+"/users", PermUserAdmin, "create an API token; the secret is shown once", s.createUser).body(CreateUserRequest{}).out(NewTokenView{}).acts("token"),
		del(v+"/users/:id", PermUserAdmin, "revoke an API token", s.revokeUser).out(TokenView{}).acts("token :id"),
		get(v+"/auditlog", PermAuditLogRead, "the hash-chained log of mutating actions", s.auditLog).in(pageQuery...).out(List[AuditEntryView]{}),
		get(v+"/auditlog/verify", PermAuditLogRead, "verify the audit log as 'lianjian auditlog verify' does with the server's config: its SM3 hash chain against the index's and the external file's SM2-signed checkpoints, naming truncation, rewriting and forged or inconsistent checkpoints", s.verifyAuditLog).in("lang").out(AuditVerifyView{}),
		get(v+"/standards", PermReportRead, "the standards a chain can be assessed against (GB/T 42570-2023, GM/T 0111-2021, JR/T 0193-2020, 区块链信息服务管理规定), with where their clause lists come from", s.standards).in("lang").out(List[StandardView]{}),
		get(v+"/chains/:chain/compliance", PermReportRead, "assess a chain against a standard clause by clause: pass, fail with the findings as evidence, not evaluated (why) or manual; as json or printable html", s.compliance).in("standard", "format", "lang").out(compliance.Assessment{}),
		get(v+"/reports/supervision", PermReportRead, "supervision report: scope, basis, findings, rectification progress and summary, as json, html or csv", s.report).in("chain", "org", "from", "to", "format", "lang"),
		get(v+"/alerts/deliveries", PermAlertAdmin, "recorded webhook deliveries, newest first", s.deliveries).in(pageQuery...).out(List[DeliveryView]{}),

		// Fabric: networks and channels, channel configs by height and their
		// differences, identities and organisations, chaincode definitions.
		get(v+"/networks", PermLedgerRead, "chains grouped by network: each Fabric network with its channels", s.networks).out(List[NetworkView]{}),
		get(v+"/chains/:chain/configs", PermLedgerRead, "the channel config versions of a Fabric chain", s.channelConfigs).out(List[ConfigVersionView]{}),
		get(v+"/chains/:chain/config", PermLedgerRead, "the channel config in force at a height (default: newest)", s.channelConfig).in("height", "raw").out(ConfigView{}),
		get(v+"/chains/:chain/config/diff", PermLedgerRead, "what changed between the configs in force at two heights", s.configDiff).in("from", "to").out(ConfigDiffView{}),
		get(v+"/chains/:chain/identities", PermLedgerRead, "certificate identities that created, endorsed or signed, with counts", s.identities).in("msp", "raw", "limit", "cursor").out(List[FabricIdentityView]{}),
		get(v+"/chains/:chain/identities/:fingerprint", PermLedgerRead, "one identity by certificate SHA-256 fingerprint", s.identity).in(rawQuery...).out(FabricIdentityView{}),
		get(v+"/chains/:chain/orgs", PermLedgerRead, "organisations (MSPs) with their certificates and activity", s.orgs).out(List[OrgView]{}),
		get(v+"/chains/:chain/chaincodes", PermContractRead, "the newest definition of each chaincode", s.chaincodes).in(pageQuery...).out(List[ContractView]{}),
		get(v+"/chains/:chain/chaincodes/:name/history", PermContractRead, "every definition of a chaincode, by sequence", s.chaincodeHistory).out(List[ContractView]{}),

		// FISCO BCOS: governance history and sealer health (api/fisco.go).
		get(v+"/chains/:chain/governance", PermLedgerRead, "the governance history of a FISCO BCOS chain (system contract calls), newest first", s.governance).in(pageQuery...).out(List[GovernanceRecordView]{}),
		get(v+"/chains/:chain/sealers", PermLedgerRead, "the current sealer list of a FISCO BCOS chain with each sealer's signed blocks over the newest blocks", s.sealers).in("window").out(SealersView{}),
	}, append(s.scanRoutes(get, post), s.nodeRoutes(get, post, del)...)...) // contract scans: api/contracts_scan.go; nodes: api/nodes.go
}

func (s *Server) metricsPage(*gin.Context) (any, error) { return s.metrics.Handler(), nil }

package api

import "net/http"

// Version is the path prefix of the current API version.
const Version = "/api/v1"

// Route describes one served route. The table of routes is the single
// source for registration, authorisation and the API description.
type Route struct {
	Method     string
	Path       string     // gin pattern, e.g. /api/v1/chains/:chain
	Permission Permission // empty for public routes
	Summary    string
}

// route is a Route with its handler.
type route struct {
	Route
	handle handler
}

// table declares every route the server serves.
func (s *Server) table() []route {
	get := func(path string, perm Permission, summary string, h handler) route {
		return route{Route{Method: http.MethodGet, Path: path, Permission: perm, Summary: summary}, h}
	}
	const v = Version
	return []route{
		get("/healthz", "", "liveness probe", s.healthz),
		get("/readyz", "", "readiness probe: the index answers", s.readyz),

		get(v+"/chains", PermLedgerRead, "list chains with head, ingested height and lag", s.chains),
		get(v+"/chains/:chain", PermLedgerRead, "one chain with head, ingested height and lag", s.chain),
		get(v+"/chains/:chain/blocks", PermLedgerRead, "list blocks, newest first", s.blocks),
		get(v+"/chains/:chain/blocks/:ref", PermLedgerRead, "one block by height or hash", s.block),
		get(v+"/chains/:chain/txs/:id", PermLedgerRead, "one transaction with signatures and verdict", s.tx),
		get(v+"/chains/:chain/addresses/:addr/history", PermLedgerRead, "transactions touching an address", s.history),
		get(v+"/chains/:chain/contracts", PermLedgerRead, "list contracts and chaincodes", s.contracts),
		get(v+"/chains/:chain/contracts/:addr", PermLedgerRead, "one contract or chaincode", s.contract),
		get(v+"/chains/:chain/reorgs", PermLedgerRead, "reorganisations seen during ingest", s.reorgs),
		get(v+"/txs/:id", PermLedgerRead, "find a transaction in every chain", s.txAnyChain),
		get(v+"/findings", PermFindingRead, "list findings by chain, severity, rule, category, status and time", s.findings),
		get(v+"/findings/:id", PermFindingRead, "one finding", s.finding),
		get(v+"/rules", PermRuleRead, "the rule catalogue", s.ruleCatalogue),
	}
}

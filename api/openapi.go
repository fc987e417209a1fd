package api

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lianjian/lianjian/api/report"
)

// openAPI serves the document generated from the route table.
func (s *Server) openAPI(*gin.Context) (any, error) {
	return rawBody{contentType: "application/json", body: s.spec}, nil
}

// OpenAPI returns the OpenAPI 3 document describing routes: one operation
// per route, with its path and query parameters, its permission, its
// request body and response schemas derived from the Go types, and the
// error responses every route shares.
func OpenAPI(routes []Route) ([]byte, error) {
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		p := ginToOpenAPI(rt.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = operation(rt)
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Lianjian supervision API",
			"version":     "1",
			"description": "Regulators, operators and auditors browse supervised chains and act on findings. Every route except the health probes and /metrics needs a bearer token.",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
			},
			"schemas": map[string]any{"Error": schemaOf(reflect.TypeFor[ErrorBody]())},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

func ginToOpenAPI(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// errorStatuses are the error answers a route may give.
var errorStatuses = map[string]string{
	"400": "bad request parameter or body", "401": "no valid token", "403": "the role lacks the permission",
	"404": "not found (unknown chain, id), or outside the operator's org", "409": "conflict: workflow transition not allowed, a node id its org already registered, or a node named by id alone that several orgs registered (name one with ?org=)",
	"413": "request body too large", "429": "rate limited (per token, or per address without a valid token); see Retry-After", "500": "internal error", "503": "unavailable or timed out",
}

// queryDocs describes the query parameters that take one of a few
// values, the first being the default.
var queryDocs = map[string]struct {
	doc    string
	values []string
}{
	"lang":   {"language of the response's messages and labels", []string{report.LangZH, report.LangEN}},
	"format": {"response format", []string{report.FormatJSON, report.FormatHTML, report.FormatCSV}},
	"order":  {"order of the findings: by id, or by severity then last seen, newest first", []string{orderID, orderSeverity}},
}

func operation(rt Route) map[string]any {
	op := map[string]any{
		"summary":      rt.Summary,
		"operationId":  operationID(rt),
		"x-permission": string(rt.Permission),
	}
	var params []any
	for _, m := range ginParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.Query {
		p := map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}}
		if d, ok := queryDocs[q]; ok {
			p["description"], p["schema"] = d.doc, map[string]any{"type": "string", "enum": d.values, "default": d.values[0]}
		}
		params = append(params, p)
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Permission != "" {
		op["security"] = []any{map[string]any{"bearer": []string{}}}
	}
	if rt.Body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Body))},
		}}
	}
	ok := map[string]any{"description": "success"}
	switch {
	case rt.Response != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Response))}}
	case rt.Path == "/metrics":
		ok["content"] = map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	default:
		ok["content"] = map[string]any{"*/*": map[string]any{}}
	}
	responses := map[string]any{"200": ok}
	for code, desc := range errorStatuses {
		responses[code] = map[string]any{"description": desc, "content": map[string]any{
			"application/json": map[string]any{
				"schema":  map[string]any{"$ref": "#/components/schemas/Error"},
				"example": ErrorBody{Error: ErrorDetail{Code: codeNotFound, Message: "resource not found"}},
			},
		}}
	}
	op["responses"] = responses
	return op
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.Split(strings.TrimPrefix(rt.Path, Version), "/") {
		part = strings.TrimLeft(part, ":*")
		part = strings.NewReplacer(".", "", "-", "", "_", "").Replace(part)
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// schemaOf derives a JSON schema (OpenAPI 3.0 dialect) from a Go type the
// way encoding/json renders it.
func schemaOf(t reflect.Type) map[string]any {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeFor[json.RawMessage]():
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := schemaOf(t.Elem())
		s["nullable"] = true
		return s
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		addFields(t, props, &required)
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if required != nil {
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

func addFields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			addFields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := schemaOf(f.Type)
		optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		if !optional && (f.Type.Kind() == reflect.Slice || f.Type.Kind() == reflect.Map) && f.Type.Elem().Kind() != reflect.Uint8 {
			s["nullable"] = true
		}
		props[name] = s
		if !optional {
			*required = append(*required, name)
		}
	}
}

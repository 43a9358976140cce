import GatewyseCore
import GatewyseProviders
import GatewyseRouting
import GatewyseStorage

/// The OpenAPI 3.1 document of the admin API (`GET /api/admin/openapi.json`), generated from the
/// route table so that it cannot list a route that does not exist nor miss one that does; the
/// resource schemas are written out here, next to the fields the handlers accept.
public enum AdminOpenAPI {
    /// A property of a resource schema.
    struct Field {
        var name: String
        var type: JSONValue
        var access: Access = .readWrite
        var required = false

        enum Access { case readWrite, readOnly, writeOnly }
    }

    static let string: JSONValue = ["type": "string"]
    static let time: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    static let strings: JSONValue = ["type": "array", "items": ["type": "string"]]
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    static let count: JSONValue = ["type": ["integer", "null"], "minimum": 0]
    static let usd: JSONValue = ["type": ["number", "string"], "minimum": 0]
    static let nullableUSD: JSONValue = ["type": ["number", "string", "null"], "minimum": 0]
    /// A provider's free tier: the configuration file's `free_tier`, camelCased.
    static let freeTier: JSONValue = [
        "description": .string("The account's free quota, counted by the gateway and used by the free-tier-first strategy. null: none stated, "
            + "the catalog's default for the type applies; false: no free tier; an object: the limits that replace the default "
            + "(at least one; on PATCH merged into the declared ones, null removing a limit). Config providers show what the file states."),
        "oneOf": [
            ["type": "null"], ["const": false],
            ["type": "object", "minProperties": 1, "additionalProperties": false,
             "properties": .object(JSONObject(AdminAPI.freeTierLimits.map { field in
                 (field.name, ["type": ["integer", "null"], "minimum": 1, "maximum": .int(Int(Int32.max)),
                               "description": .string("\(field.metric.rawValue) per UTC \(field.window.rawValue)")] as JSONValue)
             }))],
        ],
    ]
    static func choice(_ values: [String]) -> JSONValue { ["type": "string", "enum": .array(values.map(JSONValue.string))] }

    static let schemas: [(String, [Field])] = [
        ("Tenant", [Field(name: "id", type: ["type": "string", "pattern": "^[a-z0-9-]{2,63}$"], required: true), Field(name: "name", type: string),
                    Field(name: "status", type: choice(["active", "suspended"])), Field(name: "allowedModels", type: strings),
                    Field(name: "enabledCapabilities", type: strings), Field(name: "source", type: choice(["config", "api"]), access: .readOnly),
                    Field(name: "createdAt", type: time, access: .readOnly)]),
        ("Organization", [Field(name: "id", type: string), Field(name: "name", type: string, required: true),
                          Field(name: "createdAt", type: time, access: .readOnly)]),
        ("Department", [Field(name: "id", type: string), Field(name: "name", type: string, required: true),
                        Field(name: "organizationId", type: string, required: true), Field(name: "createdAt", type: time, access: .readOnly)]),
        ("User", [Field(name: "id", type: string, access: .readOnly), Field(name: "email", type: ["type": "string", "format": "email"], required: true),
                  Field(name: "name", type: string), Field(name: "password", type: string, access: .writeOnly),
                  Field(name: "roles", type: strings), Field(name: "organizationId", type: nullableString),
                  Field(name: "departmentId", type: nullableString),
                  Field(name: "status", type: choice(["active", "inactive", "suspended", "locked"])),
                  Field(name: "lastLoginAt", type: time, access: .readOnly), Field(name: "createdAt", type: time, access: .readOnly)]),
        ("Role", [Field(name: "slug", type: string, required: true), Field(name: "name", type: string),
                  Field(name: "permissions", type: strings), Field(name: "builtIn", type: ["type": "boolean"], access: .readOnly)]),
        ("Key", [Field(name: "id", type: string, access: .readOnly), Field(name: "name", type: string, required: true),
                 Field(name: "key", type: string, access: .readOnly),
                 Field(name: "scopes", type: ["type": "object", "properties": [
                     "capabilities": ["type": "array", "items": choice(AdminAPI.keyCapabilities)], "providerIds": strings, "modelIds": strings]]),
                 Field(name: "rateLimits", type: ["type": "object", "properties": [
                     "requestsPerMinute": count, "requestsPerDay": count, "tokensPerDay": count]]),
                 Field(name: "expiresAt", type: time), Field(name: "allowedCidrs", type: strings),
                 Field(name: "organizationId", type: nullableString), Field(name: "departmentId", type: nullableString),
                 Field(name: "userId", type: nullableString), Field(name: "metadata", type: ["type": "object", "additionalProperties": string]),
                 Field(name: "prefix", type: string, access: .readOnly), Field(name: "status", type: choice(["active", "expired", "revoked"]), access: .readOnly),
                 Field(name: "source", type: choice(["config", "api"]), access: .readOnly), Field(name: "createdAt", type: time, access: .readOnly),
                 Field(name: "revokedAt", type: time, access: .readOnly), Field(name: "lastUsedAt", type: time, access: .readOnly)]),
        ("Provider", [Field(name: "id", type: string, required: true), Field(name: "type", type: choice(ProviderCatalog.knownTypes), required: true),
                      Field(name: "name", type: string), Field(name: "apiKey", type: string, access: .writeOnly),
                      Field(name: "baseUrl", type: ["type": "string", "format": "uri"]),
                      Field(name: "headers", type: ["type": "object", "additionalProperties": string, "description": "Values are write-only: answers show ********."]),
                      Field(name: "models", type: strings), Field(name: "enabled", type: ["type": "boolean"]),
                      Field(name: "settings", type: ["type": "object", "properties": ["apiVersion": string, "region": string,
                                                                                     "voices": ["type": "object", "additionalProperties": string,
                                                                                                "description": "OpenAI voice names to the provider's voice ids (ElevenLabs)"],
                                                                                     "workflows": ["type": "object", "additionalProperties": ["type": "object"],
                                                                                                   "description": "Model names to ComfyUI workflows in API format, with {{prompt}}, {{seed}}, {{width}}… placeholders (comfyui)"]]]),
                      Field(name: "allowPrivateNetwork", type: ["type": "boolean", "description": "super-admin only"]),
                      Field(name: "freeTier", type: freeTier),
                      Field(name: "hasApiKey", type: ["type": "boolean"], access: .readOnly),
                      Field(name: "scope", type: choice(["shared", "tenant"]), access: .readOnly),
                      Field(name: "source", type: choice(["config", "api"]), access: .readOnly)]),
        ("Settings", [Field(name: "rateLimits", type: ["type": "object", "description": "0 = unlimited", "properties": [
                          "maxRequestsPerMinute": ["type": "integer", "minimum": 0], "maxRequestsPerDay": ["type": "integer", "minimum": 0],
                          "maxTokensPerDay": ["type": "integer", "minimum": 0]]]),
                      Field(name: "caching", type: ["type": "object", "properties": ["enabled": ["type": "boolean"], "ttlSeconds": ["type": "integer", "minimum": 0]]]),
                      Field(name: "defaultRoutingStrategy", type: ["type": ["string", "null"], "enum": .array(RoutingStrategyKind.allCases.map { .string($0.rawValue) } + [.null])]),
                      Field(name: "allowedProviders", type: strings),
                      Field(name: "customLabels", type: ["type": "object", "additionalProperties": string]),
                      Field(name: "updatedAt", type: time, access: .readOnly)]),
        ("Route", [Field(name: "id", type: string, access: .readOnly), Field(name: "name", type: string, required: true),
                   Field(name: "capability", type: choice(AdminAPI.routableCapabilities.map(\.rawValue))),
                   Field(name: "strategy", type: choice(RoutingStrategyKind.allCases.map(\.rawValue))),
                   Field(name: "targets", type: ["type": "array", "items": ["type": "object", "required": ["provider", "model"], "properties": [
                       "provider": string, "model": string, "priority": ["type": "integer", "minimum": 0], "weight": ["type": "number", "minimum": 0]]]],
                         required: true),
                   Field(name: "fallbacks", type: strings), Field(name: "enabled", type: ["type": "boolean"]),
                   Field(name: "source", type: choice(["config", "api"]), access: .readOnly), Field(name: "updatedAt", type: time, access: .readOnly)]),
        ("Budget", [Field(name: "id", type: string), Field(name: "name", type: string, required: true),
                    Field(name: "scope", type: choice(BudgetRecord.Scope.allCases.map(\.rawValue))),
                    Field(name: "scopeId", type: ["type": "string", "description": "The unit's id; a tenant budget's is the tenant's."]),
                    Field(name: "limits", type: ["type": "object", "description": "USD limits are exact decimal numbers; at least one limit.", "properties": [
                        "dailyUsd": ["type": ["number", "null"]], "weeklyUsd": ["type": ["number", "null"]], "monthlyUsd": ["type": ["number", "null"]],
                        "dailyTokens": count, "monthlyTokens": count, "dailyRequests": count]]),
                    Field(name: "action", type: choice(["block", "warn"])),
                    Field(name: "alerts", type: ["type": "array", "items": ["type": "object", "properties": [
                        "thresholdPercent": ["type": "integer", "minimum": 1, "maximum": 100], "webhookUrl": nullableString]]]),
                    Field(name: "enabled", type: ["type": "boolean"]),
                    Field(name: "usage", type: ["type": "object", "description": "Per limit: {used, limit, percent, resetsAt}"], access: .readOnly),
                    Field(name: "status", type: choice(["active", "warning", "exceeded", "disabled"]), access: .readOnly),
                    Field(name: "createdAt", type: time, access: .readOnly)]),
        ("BudgetAlert", [Field(name: "id", type: string), Field(name: "budgetId", type: string), Field(name: "limitName", type: choice(BudgetLimit.allCases.map(\.rawValue))),
                         Field(name: "thresholdPercent", type: ["type": "integer"]), Field(name: "used", type: ["type": "number"]),
                         Field(name: "limitValue", type: ["type": "number"]), Field(name: "periodStart", type: time), Field(name: "resetsAt", type: time),
                         Field(name: "firedAt", type: time), Field(name: "webhookUrl", type: nullableString),
                         Field(name: "deliveryStatus", type: choice(["none", "pending", "delivered", "failed"])),
                         Field(name: "attempts", type: ["type": "integer"]), Field(name: "lastAttemptAt", type: ["type": ["string", "null"], "format": "date-time"]),
                         Field(name: "nextAttemptAt", type: ["type": ["string", "null"], "format": "date-time"]), Field(name: "lastError", type: nullableString),
                         Field(name: "deliveredAt", type: ["type": ["string", "null"], "format": "date-time"])]),
        ("Model", [Field(name: "id", type: ["type": "string", "description": "The model's name at its provider; in paths percent-encode '/' (%2F). Immutable."], required: true),
                   Field(name: "provider", type: ["type": "string", "description": "A provider id the tenant can reach. Immutable."], required: true),
                   Field(name: "capabilities", type: ["type": "array", "items": choice(AdminAPI.modelCapabilities)]),
                   Field(name: "contextWindow", type: ["type": ["integer", "null"], "minimum": 1]),
                   Field(name: "status", type: choice(ModelRecord.statuses)),
                   Field(name: "pricing", type: ["type": ["object", "null"], "description": "USD per 1M tokens, exact decimals (a number, or a decimal string on input); unset cached and cache-write prices charge those tokens as input. PATCH merges field by field.",
                                                 "required": ["inputPerMillionTokens", "outputPerMillionTokens"], "properties": [
                                                     "inputPerMillionTokens": usd, "outputPerMillionTokens": usd,
                                                     "cachedInputPerMillionTokens": nullableUSD, "cacheWriteInputPerMillionTokens": nullableUSD]]),
                   Field(name: "scope", type: choice(["shared", "tenant"]), access: .readOnly),
                   Field(name: "source", type: choice(["config", "api"]), access: .readOnly),
                   Field(name: "createdAt", type: time, access: .readOnly), Field(name: "updatedAt", type: time, access: .readOnly)]),
        ("AuditEntry", [Field(name: "sequence", type: ["type": "integer"]), Field(name: "time", type: time), Field(name: "tenantId", type: string),
                        Field(name: "actorId", type: string), Field(name: "actorType", type: choice(["user", "api_key", "system"])),
                        Field(name: "action", type: string), Field(name: "targetType", type: string), Field(name: "targetId", type: string),
                        Field(name: "summary", type: string), Field(name: "previousHash", type: string), Field(name: "hash", type: string)]),
        ("UsageRow", [Field(name: "period", type: ["type": "string", "format": "date-time", "description": "Start of the UTC period"]),
                      Field(name: "group", type: nullableString), Field(name: "requests", type: ["type": "integer"]),
                      Field(name: "errors", type: ["type": "integer"]), Field(name: "inputTokens", type: ["type": "integer"]),
                      Field(name: "outputTokens", type: ["type": "integer"]), Field(name: "cachedTokens", type: ["type": "integer"]),
                      Field(name: "reasoningTokens", type: ["type": "integer"]),
                      Field(name: "costUsd", type: ["type": "number", "description": "Exact decimal USD of the priced requests"]),
                      Field(name: "cacheHits", type: ["type": "integer"])]),
        ("Request", [Field(name: "id", type: string), Field(name: "time", type: time), Field(name: "tenantId", type: string),
                     Field(name: "apiKeyId", type: string), Field(name: "userId", type: nullableString), Field(name: "capability", type: string),
                     Field(name: "model", type: nullableString), Field(name: "provider", type: nullableString),
                     Field(name: "upstreamModel", type: nullableString), Field(name: "status", type: ["type": "integer"]),
                     Field(name: "latencyMs", type: ["type": "integer"]), Field(name: "ttftMs", type: count),
                     Field(name: "inputTokens", type: ["type": "integer"]), Field(name: "outputTokens", type: ["type": "integer"]),
                     Field(name: "costUsd", type: ["type": ["number", "null"]]), Field(name: "cacheHit", type: ["type": "boolean"]),
                     Field(name: "attempts", type: ["type": "integer"]), Field(name: "organizationId", type: nullableString),
                     Field(name: "departmentId", type: nullableString), Field(name: "cachedTokens", type: ["type": "integer"]),
                     Field(name: "cacheWriteTokens", type: ["type": "integer"]), Field(name: "reasoningTokens", type: ["type": "integer"]),
                     Field(name: "errorCode", type: nullableString),
                     Field(name: "outcome", type: choice(["answered", "failed", "streamFinished", "streamFailed", "clientGone"])),
                     Field(name: "usageEstimated", type: ["type": "boolean"]), Field(name: "recordId", type: string)]),
    ]

    /// Query parameters of the routes that filter by more than `limit` and `cursor`.
    static func filters(_ pattern: String) -> [JSONValue] {
        let from: JSONValue = ["name": "from", "in": "query", "schema": ["type": "string", "format": "date-time"]]
        let to: JSONValue = ["name": "to", "in": "query", "schema": ["type": "string", "format": "date-time"]]
        let key: JSONValue = ["name": "apiKeyId", "in": "query", "schema": string]
        switch pattern {
        case "/api/admin/usage":
            return [from, to, ["name": "interval", "in": "query", "schema": ["type": "string", "enum": ["hour", "day", "week"], "default": "day"]],
                    ["name": "groupBy", "in": "query", "schema": choice(["tenant", "organization", "department", "user", "apiKey", "provider", "model"])],
                    key]
        case "/api/admin/requests":
            return [from, to, key, ["name": "userId", "in": "query", "schema": string], ["name": "model", "in": "query", "schema": string],
                    ["name": "provider", "in": "query", "schema": string], ["name": "status", "in": "query", "schema": ["type": "integer"]]]
        default:
            return []
        }
    }

    public static func document(routes: [AdminRoute]) -> JSONValue {
        var paths = JSONObject()
        for route in routes {
            var item = paths[route.pattern]?.objectValue ?? JSONObject()
            item[route.method.lowercased()] = .object(operation(route))
            paths[route.pattern] = .object(item)
        }
        var components = JSONObject()
        for (name, fields) in schemas { components[name] = schema(fields) }
        components["Error"] = ["type": "object", "properties": ["error": ["type": "object", "properties": [
            "message": string, "type": string, "code": string, "param": nullableString]]]]
        return [
            "openapi": "3.1.0",
            "info": ["title": "Gatewyse admin API", "version": "1",
                     "description": "Tenants, users, roles, keys, providers, routes, settings, usage, recent requests and the audit log. Every route needs a bearer credential: an access token from POST /api/auth/login, or an API key whose scopes hold `admin`. A super-admin names the tenant it acts on with X-Tenant-ID. Another tenant's resource answers 404."],
            "servers": [["url": "/"]],
            "security": [["bearer": []]],
            "paths": .object(paths),
            "components": ["schemas": .object(components), "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
        ]
    }

    static func operation(_ route: AdminRoute) -> JSONObject {
        let segments = route.pattern.split(separator: "/").dropFirst(2)
        let resource = String(segments.first ?? "admin")
        var operation = JSONObject()
        operation["operationId"] = .string(route.method.lowercased() + segments.map { $0.hasPrefix("{") ? "ById" : $0.prefix(1).uppercased() + $0.dropFirst() }.joined())
        operation["tags"] = [.string(resource)]
        operation["summary"] = .string(route.permission.map { "\($0.summary) (\($0.rawValue))" } ?? "Any signed-in caller")
        if let permission = route.permission { operation["x-permission"] = .string(permission.rawValue) }
        var parameters: [JSONValue] = []
        if route.pattern.contains("{id}") {
            parameters.append(["name": "id", "in": "path", "required": true, "schema": string])
            if route.pattern.hasPrefix("/api/admin/models/") {
                parameters.append(["name": "provider", "in": "query", "required": false, "schema": string,
                                   "description": "The provider, when the tenant lists this model for several (else 409 CONFLICT)."])
            }
        }
        if route.scope != .system {
            parameters.append(["name": "X-Tenant-ID", "in": "header", "required": false, "schema": string,
                               "description": "The tenant a super-admin acts on."])
        }
        let isList = route.method == "GET" && !route.pattern.contains("{id}")
            && !["permissions", "verify", "health", "usage", "live"].contains(String(segments.last ?? ""))
        if isList {
            parameters.append(["name": "limit", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": 500, "default": 50]])
            parameters.append(["name": "cursor", "in": "query", "schema": string])
        }
        parameters += filters(route.pattern)
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        let schemaName = schemaName(for: resource)
        let isAction = route.pattern.hasSuffix("/revoke") || route.pattern.hasSuffix("/test")
        if route.pattern.hasSuffix("/test") {
            operation["requestBody"] = ["required": false, "content": ["application/json": ["schema": ["type": "object", "properties": [
                "model": ["type": "string", "description": "The upstream model to call; default the provider's first declared model."]]]]]]
        } else if let schemaName, route.method == "POST" || route.method == "PATCH" || route.method == "PUT", !isAction {
            operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(schemaName)")]]]]
        }
        var responses = JSONObject()
        let success: JSONValue = route.pattern.hasSuffix("/webhook-secret")
            ? ["type": "object", "properties": ["webhookSigningSecret": ["type": "string", "description": "The tenant's HMAC-SHA256 key for budget-alert webhooks, derived from the master key; its UTF-8 text is the key."],
                                                "header": string, "scheme": string]]
            : route.pattern.hasSuffix("/alerts")
            ? ["type": "object", "properties": ["data": ["type": "array", "items": ["$ref": "#/components/schemas/BudgetAlert"]], "nextCursor": nullableString]]
            : route.pattern.hasSuffix("/health")
            ? ["type": "object", "properties": ["data": ["type": "array", "items": ["type": "object", "properties": [
                "id": string, "type": string, "status": choice(["healthy", "degraded", "down", "unknown"]), "latencyMs": count,
                "errorRate": ["type": ["number", "null"]], "circuit": choice(["closed", "open", "half-open"])]]]]]
            : route.pattern.hasSuffix("/test")
            ? ["type": "object", "properties": ["ok": ["type": "boolean"], "status": ["type": "integer"], "latencyMs": ["type": "integer"], "message": string]]
            : schemaName.map { name in
            isList ? ["type": "object", "properties": ["data": ["type": "array", "items": ["$ref": .string("#/components/schemas/\(name)")]],
                                                       "nextCursor": nullableString]]
                   : ["$ref": .string("#/components/schemas/\(name)")]
        } ?? ["type": "object"]
        switch route.method {
        case "DELETE": responses["204"] = ["description": "Deleted"]
        case "POST" where !isAction:
            responses["201"] = ["description": "Created", "content": ["application/json": ["schema": success]]]
        case _ where route.pattern == "/api/admin/usage":
            responses["200"] = ["description": "OK; the same rows as CSV with Accept: text/csv", "content": [
                "application/json": ["schema": ["type": "object", "properties": ["data": ["type": "array", "items": ["$ref": "#/components/schemas/UsageRow"]]]]],
                "text/csv": ["schema": ["type": "string"]]]]
        case _ where route.pattern == "/api/admin/requests/live":
            responses["200"] = ["description": "Server-sent events until the client leaves or the gateway drains: `event: request` whose `data` is a Request (without recordId) as each request completes on this replica; comment lines `: connected` first and `: heartbeat` every 15 s.",
                                "content": ["text/event-stream": ["schema": ["type": "string"]]]]
        default: responses["200"] = ["description": "OK", "content": ["application/json": ["schema": success]]]
        }
        let error: JSONValue = ["content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        for (status, text) in [("400", "INVALID_FIELD or TENANT_REQUIRED"), ("401", "AUTH_REQUIRED, AUTH_INVALID_TOKEN, AUTH_TOKEN_EXPIRED"),
                               ("403", "PERMISSION_DENIED naming the permission"), ("404", "NOT_FOUND (also another tenant's resource)"),
                               ("409", "CONFLICT or CONFIG_MANAGED")] {
            var entry = error.objectValue!
            entry["description"] = .string(text)
            responses[status] = .object(entry)
        }
        operation["responses"] = .object(responses)
        return operation
    }

    static func schemaName(for resource: String) -> String? {
        switch resource {
        case "tenants": "Tenant"
        case "organizations": "Organization"
        case "departments": "Department"
        case "users": "User"
        case "roles": "Role"
        case "keys": "Key"
        case "routes": "Route"
        case "models": "Model"
        case "budgets": "Budget"
        case "providers": "Provider"
        case "settings": "Settings"
        case "audit": "AuditEntry"
        case "requests": "Request"
        default: nil
        }
    }

    static func schema(_ fields: [Field]) -> JSONValue {
        var properties = JSONObject()
        for field in fields {
            var type = field.type.objectValue ?? JSONObject()
            if field.access == .readOnly { type["readOnly"] = true }
            if field.access == .writeOnly { type["writeOnly"] = true }
            properties[field.name] = .object(type)
        }
        let required = fields.filter(\.required).map { JSONValue.string($0.name) }
        return ["type": "object", "properties": .object(properties), "required": .array(required)]
    }
}

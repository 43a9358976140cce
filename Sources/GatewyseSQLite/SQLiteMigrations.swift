import GRDB
import GatewyseCore
import GatewyseStorage

/// Numbered schema migrations, applied in order from zero. Never edit one that has shipped:
/// add the next number.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_tenants_and_api_keys") { db in
            try db.execute(sql: """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    digest TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER,
                    revoked_at INTEGER,
                    source TEXT NOT NULL CHECK (source IN ('config', 'created'))
                );
                CREATE INDEX api_keys_tenant ON api_keys(tenant_id);
                CREATE UNIQUE INDEX api_keys_config_name ON api_keys(tenant_id, name) WHERE source = 'config';
                """)
        }
        migrator.registerMigration("0002_routes") { db in
            // tenant_id '' is the deployment-wide scope: SQLite treats NULLs as distinct in a
            // primary key, which would allow duplicate global routes.
            try db.execute(sql: """
                CREATE TABLE routes (
                    tenant_id TEXT NOT NULL DEFAULT '',
                    capability TEXT NOT NULL,
                    alias TEXT NOT NULL,
                    strategy TEXT NOT NULL,
                    targets TEXT NOT NULL,
                    fallbacks TEXT NOT NULL DEFAULT '',
                    enabled INTEGER NOT NULL DEFAULT 1,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, capability, alias)
                );
                """)
        }
        migrator.registerMigration("0003_control_plane") { db in
            // Control-plane resources as documents (decisions/0007), the hash-chained audit log
            // (append-only: triggers refuse UPDATE and DELETE), the revision replicas poll, and
            // the batched last-use times of keys.
            try db.execute(sql: """
                CREATE TABLE resources (
                    kind TEXT NOT NULL,
                    tenant_id TEXT NOT NULL,
                    id TEXT NOT NULL,
                    unique_key TEXT,
                    body TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (kind, tenant_id, id)
                );
                CREATE UNIQUE INDEX resources_unique_key ON resources(kind, unique_key) WHERE unique_key IS NOT NULL;
                CREATE TABLE audit_log (
                    chain TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    time TEXT NOT NULL,
                    tenant_id TEXT NOT NULL,
                    actor_id TEXT NOT NULL,
                    actor_type TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target_type TEXT NOT NULL,
                    target_id TEXT NOT NULL,
                    summary TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    PRIMARY KEY (chain, sequence)
                );
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                CREATE TABLE control_revision (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    revision INTEGER NOT NULL
                );
                INSERT INTO control_revision (id, revision) VALUES (1, 0);
                CREATE TABLE key_uses (
                    tenant_id TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    last_used_at INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, key_id)
                );
                """)
            // Carry the rows of 0001 and 0002 over as documents, then drop their tables.
            var documents: [StoredResource] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, name, created_at FROM tenants") {
                documents.append(try Tenant(id: row["id"], name: row["name"], createdAt: row["created_at"])
                    .stored(createdAt: row["created_at"], updatedAt: row["created_at"]))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM api_keys") {
                let key = APIKeyRecord(id: row["id"], tenantID: row["tenant_id"], name: row["name"], prefix: row["prefix"],
                                       digest: [UInt8](hexString: row["digest"]) ?? [], createdAt: row["created_at"],
                                       expiresAt: row["expires_at"], revokedAt: row["revoked_at"],
                                       source: row["source"] == "config" ? .config : .created)
                documents.append(try key.stored(createdAt: key.createdAt, updatedAt: key.createdAt))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM routes") {
                let tenant: String = row["tenant_id"]
                let fallbacks: String = row["fallbacks"]
                let route = RouteRecord(tenantID: tenant.isEmpty ? nil : tenant, capability: Capability(rawValue: row["capability"]) ?? .chat,
                                        alias: row["alias"], strategy: row["strategy"], targets: Self.legacyTargets(row["targets"]),
                                        fallbacks: fallbacks.split(separator: "\n").map(String.init), enabled: row["enabled"],
                                        updatedAt: row["updated_at"])
                documents.append(try route.stored(createdAt: route.updatedAt, updatedAt: route.updatedAt))
            }
            for document in documents { try SQLiteStore.insert(document, db: db) }
            try db.execute(sql: "DROP TABLE api_keys; DROP TABLE tenants; DROP TABLE routes;")
        }
        migrator.registerMigration("0004_usage_records") { db in
            // One row per request (decisions/0011). The indexes serve, in order: a tenant's
            // report and its newest requests; one key's usage (`/v1/usage`) and the apiKey
            // budgets; the user, organization and department budgets; the super-admin's
            // all-tenant report. `id` is the gateway's idempotency key. `usage_hourly` is the
            // rollup reports and totals read for whole hours (`UsageRollup`).
            try db.execute(sql: """
                CREATE TABLE usage_records (
                    id TEXT PRIMARY KEY NOT NULL,
                    request_id TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    tenant_id TEXT NOT NULL,
                    organization_id TEXT,
                    department_id TEXT,
                    user_id TEXT,
                    key_id TEXT NOT NULL,
                    capability TEXT NOT NULL,
                    requested_model TEXT,
                    provider_id TEXT,
                    upstream_model TEXT,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    cached_tokens INTEGER NOT NULL,
                    cache_write_tokens INTEGER NOT NULL,
                    reasoning_tokens INTEGER NOT NULL,
                    cost_nanos INTEGER,
                    latency_ms INTEGER NOT NULL,
                    ttft_ms INTEGER,
                    status INTEGER NOT NULL,
                    error_code TEXT,
                    attempts INTEGER NOT NULL,
                    cache_hit INTEGER NOT NULL,
                    usage_estimated INTEGER NOT NULL,
                    outcome TEXT NOT NULL
                );
                CREATE INDEX usage_tenant_time ON usage_records(tenant_id, time, id);
                CREATE INDEX usage_key_time ON usage_records(tenant_id, key_id, time);
                CREATE INDEX usage_user_time ON usage_records(tenant_id, user_id, time);
                CREATE INDEX usage_organization_time ON usage_records(tenant_id, organization_id, time);
                CREATE INDEX usage_department_time ON usage_records(tenant_id, department_id, time);
                CREATE INDEX usage_time ON usage_records(time);
                CREATE TABLE usage_hourly (
                    tenant_id TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    key_id TEXT NOT NULL,
                    organization_id TEXT NOT NULL,
                    department_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    provider_id TEXT NOT NULL,
                    requested_model TEXT NOT NULL,
                    requests INTEGER NOT NULL,
                    errors INTEGER NOT NULL,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    cached_tokens INTEGER NOT NULL,
                    reasoning_tokens INTEGER NOT NULL,
                    cost_nanos INTEGER NOT NULL,
                    cache_hits INTEGER NOT NULL,
                    served_requests INTEGER NOT NULL,
                    served_tokens INTEGER NOT NULL,
                    served_cost_nanos INTEGER NOT NULL,
                    PRIMARY KEY (tenant_id, time, key_id, organization_id, department_id, user_id, provider_id, requested_model)
                ) WITHOUT ROWID;
                CREATE INDEX usage_hourly_time ON usage_hourly(time);
                """)
        }
        migrator.registerMigration("0005_usage_scope_indexes") { db in
            // decisions/0026: the four per-scope indexes cost the usage writer more than every
            // other part of a row once keys and users are many (each insert lands on a different
            // page of each), and no query on the request path needs them.
            try db.execute(sql: """
                DROP INDEX usage_key_time;
                DROP INDEX usage_user_time;
                DROP INDEX usage_organization_time;
                DROP INDEX usage_department_time;
                """)
        }
        migrator.registerMigration("0006_usage_records_by_tenant_time") { db in
            // decisions/0030: `id` was a TEXT primary key, an index of its own that only the
            // replay's duplicate check used. A replayed record carries its tenant and time too,
            // so the unique `(tenant_id, time, id)` index the reports already walk does that
            // check, and each usage row costs one B-tree less. SQLite cannot drop a primary key:
            // the table is rebuilt, its columns in the same order.
            let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'usage_records'") ?? ""
            guard definition.contains("id TEXT PRIMARY KEY NOT NULL") else {
                throw DatabaseError(message: "usage_records is not the table migration 0004 made")
            }
            try db.execute(sql: definition
                .replacingOccurrences(of: "CREATE TABLE usage_records", with: "CREATE TABLE usage_records_rebuilt")
                .replacingOccurrences(of: "id TEXT PRIMARY KEY NOT NULL", with: "id TEXT NOT NULL"))
            try db.execute(sql: """
                INSERT INTO usage_records_rebuilt SELECT * FROM usage_records;
                DROP TABLE usage_records;
                ALTER TABLE usage_records_rebuilt RENAME TO usage_records;
                CREATE UNIQUE INDEX usage_tenant_time ON usage_records(tenant_id, time, id);
                CREATE INDEX usage_time ON usage_records(time);
                """)
        }
        migrator.registerMigration("0007_usage_records_without_time_index") { db in
            // decisions/0031: the time-only index served the super-admin's all-tenant views
            // alone, and cost the usage writer a B-tree insert per request (~1 µs). Those views
            // now walk `usage_tenant_time` tenant by tenant (`SQLiteStore.usageTenants`).
            try db.execute(sql: "DROP INDEX usage_time")
        }
        migrator.registerMigration("0008_usage_records_without_rowid") { db in
            // decisions/0033: a rowid table kept each row twice, in the table's B-tree (by
            // rowid) and in the unique `(tenant_id, time, id)` index, and no query reads rows by
            // rowid. Keyed by that triple and without a rowid, each usage row is one B-tree
            // insert — at the end of its tenant's range, as times only grow. The table is
            // rebuilt, its columns in the same order; its primary key replaces the index. Copied in
            // key order (the old index's), so that every insert of the copy is an append.
            let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'usage_records'") ?? ""
            // The name in the text is quoted once a table was renamed (0006): the columns are
            // taken from the first parenthesis on.
            guard definition.contains("id TEXT NOT NULL,"), !definition.contains("PRIMARY KEY"),
                  let open = definition.firstIndex(of: "("), let close = definition.lastIndex(of: ")") else {
                throw DatabaseError(message: "usage_records is not the table migration 0006 made")
            }
            let rebuilt = "CREATE TABLE usage_records_rebuilt " + definition[open..<close]
                + ", PRIMARY KEY (tenant_id, time, id)) WITHOUT ROWID"
            try db.execute(sql: rebuilt)
            try db.execute(sql: """
                INSERT INTO usage_records_rebuilt SELECT * FROM usage_records ORDER BY tenant_id, time, id;
                DROP TABLE usage_records;
                ALTER TABLE usage_records_rebuilt RENAME TO usage_records;
                """)
        }
        migrator.registerMigration("0009_usage_batches") { db in
            // decisions/0035: new usage records are stored a flush at a time, one row per tenant
            // and flush holding the records' journal lines, instead of one row per request.
            // `usage_records` keeps the rows earlier versions wrote; both are read.
            try db.execute(sql: """
                CREATE TABLE usage_batches (
                    id INTEGER PRIMARY KEY,
                    tenant_id TEXT NOT NULL,
                    first_time INTEGER NOT NULL,
                    last_time INTEGER NOT NULL,
                    records INTEGER NOT NULL,
                    body BLOB NOT NULL
                );
                CREATE INDEX usage_batches_by_tenant_time ON usage_batches (tenant_id, last_time);
                CREATE INDEX usage_batches_by_time ON usage_batches (last_time);
                """)
        }
        return migrator
    }

    /// The targets column of 0002: a JSON array of `{provider, model, priority, weight}`.
    static func legacyTargets(_ text: String) -> [RouteRecord.Target] {
        guard let items = (try? JSONParser.parse(text))?.arrayValue else { return [] }
        return items.compactMap { item in
            guard let provider = item["provider"]?.stringValue, let model = item["model"]?.stringValue else { return nil }
            return RouteRecord.Target(provider: provider, model: model, priority: item["priority"]?.intValue ?? 1,
                                      weight: item["weight"]?.doubleValue ?? 1)
        }
    }
}

import GatewyseStorage
import Logging
import PostgresNIO

/// Numbered schema migrations, applied in order from zero. Never edit one that has shipped: add
/// the next number. PostgreSQL starts at the control-plane schema of decisions/0007 (it never
/// had the tables of SQLite's 0001/0002), so its numbers are its own.
///
/// Each migration is a list of statements (the extended query protocol runs one per query).
enum PostgresMigrations {
    struct Migration {
        var id: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(id: "0001_control_plane", statements: [
            // COLLATE "C": ids and times compare byte-wise, as in SQLite and the in-memory
            // store, whatever locale the cluster was created with (cursors, ORDER BY id).
            """
            CREATE TABLE resources (
                kind TEXT COLLATE "C" NOT NULL,
                tenant_id TEXT COLLATE "C" NOT NULL,
                id TEXT COLLATE "C" NOT NULL,
                unique_key TEXT COLLATE "C",
                body TEXT NOT NULL,
                version BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (kind, tenant_id, id)
            )
            """,
            "CREATE UNIQUE INDEX resources_unique_key ON resources (kind, unique_key) WHERE unique_key IS NOT NULL",
            """
            CREATE TABLE audit_log (
                chain TEXT COLLATE "C" NOT NULL,
                sequence BIGINT NOT NULL,
                time TEXT COLLATE "C" NOT NULL,
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
            )
            """,
            // Append-only: UPDATE, DELETE and TRUNCATE are refused. Only the table's owner (or a
            // superuser) can disable the triggers, and verification still catches what they edit.
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
            END
            $$
            """,
            """
            CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
            """,
            """
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
            """,
            "CREATE TABLE control_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision BIGINT NOT NULL)",
            "INSERT INTO control_revision (id, revision) VALUES (1, 0)",
            """
            CREATE TABLE key_uses (
                tenant_id TEXT COLLATE "C" NOT NULL,
                key_id TEXT COLLATE "C" NOT NULL,
                last_used_at BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, key_id)
            )
            """,
        ]),
        // One row per request (decisions/0011); the indexes as SQLite's 0004 gives them.
        Migration(id: "0002_usage_records", statements: [
            """
            CREATE TABLE usage_records (
                id TEXT COLLATE "C" PRIMARY KEY,
                request_id TEXT NOT NULL,
                time BIGINT NOT NULL,
                tenant_id TEXT COLLATE "C" NOT NULL,
                organization_id TEXT COLLATE "C",
                department_id TEXT COLLATE "C",
                user_id TEXT COLLATE "C",
                key_id TEXT COLLATE "C" NOT NULL,
                capability TEXT NOT NULL,
                requested_model TEXT COLLATE "C",
                provider_id TEXT COLLATE "C",
                upstream_model TEXT,
                input_tokens BIGINT NOT NULL,
                output_tokens BIGINT NOT NULL,
                cached_tokens BIGINT NOT NULL,
                cache_write_tokens BIGINT NOT NULL,
                reasoning_tokens BIGINT NOT NULL,
                cost_nanos BIGINT,
                latency_ms BIGINT NOT NULL,
                ttft_ms BIGINT,
                status INTEGER NOT NULL,
                error_code TEXT,
                attempts INTEGER NOT NULL,
                cache_hit BOOLEAN NOT NULL,
                usage_estimated BOOLEAN NOT NULL,
                outcome TEXT NOT NULL
            )
            """,
            "CREATE INDEX usage_tenant_time ON usage_records (tenant_id, time, id)",
            "CREATE INDEX usage_key_time ON usage_records (tenant_id, key_id, time)",
            "CREATE INDEX usage_user_time ON usage_records (tenant_id, user_id, time)",
            "CREATE INDEX usage_organization_time ON usage_records (tenant_id, organization_id, time)",
            "CREATE INDEX usage_department_time ON usage_records (tenant_id, department_id, time)",
            "CREATE INDEX usage_time ON usage_records (time)",
            // The hourly rollup reports and totals read for whole hours (`UsageRollup`).
            """
            CREATE TABLE usage_hourly (
                tenant_id TEXT COLLATE "C" NOT NULL,
                time BIGINT NOT NULL,
                key_id TEXT COLLATE "C" NOT NULL,
                organization_id TEXT COLLATE "C" NOT NULL,
                department_id TEXT COLLATE "C" NOT NULL,
                user_id TEXT COLLATE "C" NOT NULL,
                provider_id TEXT COLLATE "C" NOT NULL,
                requested_model TEXT COLLATE "C" NOT NULL,
                requests BIGINT NOT NULL,
                errors BIGINT NOT NULL,
                input_tokens BIGINT NOT NULL,
                output_tokens BIGINT NOT NULL,
                cached_tokens BIGINT NOT NULL,
                reasoning_tokens BIGINT NOT NULL,
                cost_nanos BIGINT NOT NULL,
                cache_hits BIGINT NOT NULL,
                served_requests BIGINT NOT NULL,
                served_tokens BIGINT NOT NULL,
                served_cost_nanos BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, time, key_id, organization_id, department_id, user_id, provider_id, requested_model)
            )
            """,
            "CREATE INDEX usage_hourly_time ON usage_hourly (time)",
        ]),
        // Budgets and rate limits shared by replicas (decisions/0018): each budget meter's spent
        // amount and the sum of the leases on it (kept equal to the lease rows' sum by every
        // statement that changes them); each replica's rate-limit counts per window.
        Migration(id: "0003_replica_counters", statements: [
            """
            CREATE TABLE budget_meters (
                tenant_id TEXT COLLATE "C" NOT NULL,
                budget_id TEXT COLLATE "C" NOT NULL,
                limit_name TEXT COLLATE "C" NOT NULL,
                period_start BIGINT NOT NULL,
                spent BIGINT NOT NULL,
                leased BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, budget_id, limit_name, period_start)
            )
            """,
            """
            CREATE TABLE budget_leases (
                tenant_id TEXT COLLATE "C" NOT NULL,
                budget_id TEXT COLLATE "C" NOT NULL,
                limit_name TEXT COLLATE "C" NOT NULL,
                period_start BIGINT NOT NULL,
                replica_id TEXT COLLATE "C" NOT NULL,
                amount BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, budget_id, limit_name, period_start, replica_id)
            )
            """,
            """
            CREATE TABLE rate_counters (
                tenant_id TEXT COLLATE "C" NOT NULL,
                subject_kind TEXT COLLATE "C" NOT NULL,
                subject_id TEXT COLLATE "C" NOT NULL,
                time_window TEXT COLLATE "C" NOT NULL,
                window_start BIGINT NOT NULL,
                replica_id TEXT COLLATE "C" NOT NULL,
                requests BIGINT NOT NULL,
                tokens BIGINT NOT NULL,
                PRIMARY KEY (tenant_id, subject_kind, subject_id, time_window, window_start, replica_id)
            )
            """,
            "CREATE INDEX rate_counters_expiry ON rate_counters (time_window, window_start)",
        ]),
        // decisions/0026: the per-scope usage indexes cost every insert more than the rest of the
        // row and serve no query on the request path.
        Migration(id: "0004_usage_scope_indexes", statements: [
            "DROP INDEX usage_key_time",
            "DROP INDEX usage_user_time",
            "DROP INDEX usage_organization_time",
            "DROP INDEX usage_department_time",
        ]),
    ]

    /// Applies what is missing in one transaction, under a transaction-scoped advisory lock so
    /// that two processes starting at once do not both apply a migration: the second waits, then
    /// finds it applied. Returns every applied migration and those this call applied.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> (applied: [String], new: [String]) {
        try await PostgresStore.transaction(connection, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('gatewyse-migrations'))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied: [String] = []
            for try await id in try await connection.query("SELECT id FROM schema_migrations ORDER BY id", logger: logger).decode(String.self) {
                applied.append(id)
            }
            var new: [String] = []
            for migration in all where !applied.contains(migration.id) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO schema_migrations (id) VALUES (\(migration.id))", logger: logger)
                new.append(migration.id)
            }
            return (applied + new, new)
        }
    }
}

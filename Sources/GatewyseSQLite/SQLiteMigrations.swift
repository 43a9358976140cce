import GRDB

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
        return migrator
    }
}

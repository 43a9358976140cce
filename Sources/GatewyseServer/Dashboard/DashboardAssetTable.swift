/// The dashboard's files (`Dashboard/Assets`, embedded by SwiftPM's `embedInCode`, see
/// Package.swift's `DashboardAssets`): name → bytes and content type. Only these names are
/// served, whichever source the bytes come from.
struct DashboardAsset: Sendable {
    let name: String
    let contentType: String
    let bytes: [UInt8]
}

enum DashboardAssetTable {
    static let all: [String: DashboardAsset] = {
        let javascript = "text/javascript; charset=utf-8"
        let files: [(String, String, [UInt8])] = [
            ("index.html", "text/html; charset=utf-8", PackageResources.index_html),
            ("app.css", "text/css; charset=utf-8", PackageResources.app_css),
            ("app.js", javascript, PackageResources.app_js),
            ("api.js", javascript, PackageResources.api_js),
            ("ui.js", javascript, PackageResources.ui_js),
            ("charts.js", javascript, PackageResources.charts_js),
            ("page-signin.js", javascript, PackageResources.page_signin_js),
            ("page-overview.js", javascript, PackageResources.page_overview_js),
            ("page-providers.js", javascript, PackageResources.page_providers_js),
            ("page-routes.js", javascript, PackageResources.page_routes_js),
            ("page-keys.js", javascript, PackageResources.page_keys_js),
            ("page-budgets.js", javascript, PackageResources.page_budgets_js),
            ("page-usage.js", javascript, PackageResources.page_usage_js),
            ("page-audit.js", javascript, PackageResources.page_audit_js),
            ("page-users.js", javascript, PackageResources.page_users_js),
            ("page-playground.js", javascript, PackageResources.page_playground_js),
            ("page-feed.js", javascript, PackageResources.page_feed_js),
            ("page-models.js", javascript, PackageResources.page_models_js),
            ("page-organizations.js", javascript, PackageResources.page_organizations_js),
            ("page-roles.js", javascript, PackageResources.page_roles_js),
            ("page-settings.js", javascript, PackageResources.page_settings_js),
            ("page-account.js", javascript, PackageResources.page_account_js),
        ]
        return Dictionary(uniqueKeysWithValues: files.map { ($0.0, DashboardAsset(name: $0.0, contentType: $0.1, bytes: $0.2)) })
    }()

    /// What the embedded files weigh together (the budget is 300 KB).
    static var totalBytes: Int { all.values.reduce(0) { $0 + $1.bytes.count } }
}

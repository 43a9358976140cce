"""Single sign-on through a tenant's OpenID Connect identity provider (issue 11, admin-api.md §3,
decisions/0022), against a real `gatewyse serve` and a mock identity provider on loopback
(tests/python/oidc_provider.py): the browser's two legs driven with real HTTP, cookies and
redirects; the user created on its first sign-in with the tenant's default role; and every way
a sign-in can be forged or replayed refused."""

from __future__ import annotations

import os
import urllib.parse

import pytest
import requests

from conftest import _binary, _start, _stop
from oidc_provider import MockIdentityProvider

EMAIL = "root@sso.test"
PASSWORD = "Sso-Test-Password-1!"
CLIENT_ID = "gatewyse-acme"
CLIENT_SECRET = "s3cret+with/odd=chars&more"


@pytest.fixture(scope="module")
def idp():
    with MockIdentityProvider(CLIENT_ID, CLIENT_SECRET) as provider:
        yield provider


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("sso")
    (work / "gatewyse.yaml").write_text(f"server:\n  host: 127.0.0.1\ndatabase: sqlite:{work}/data/gatewyse.sqlite\n"
                                        "tenants:\n  - id: acme\n  - id: beta\n")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")
           and k not in ("SSO_CALLBACK_BASE_URL", "ADMIN_URL")}
    env.update({"LOG_LEVEL": "warning", "SUPER_ADMIN_EMAIL": EMAIL, "SUPER_ADMIN_PASSWORD": PASSWORD, "ADMIN_URL": "/dashboard/"})
    binary = _binary("GATEWYSE_BIN", ".build/debug/gatewyse")
    process, port = _start("sso", lambda port: [str(binary), "serve", "--config", str(work / "gatewyse.yaml"), "--port", str(port)],
                           "/healthz", env, work)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def _admin(url: str, tenant: str = "acme") -> requests.Session:
    session = _session()
    answer = session.post(f"{url}/api/auth/login", json={"email": EMAIL, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    session.headers["Authorization"] = "Bearer " + answer.json()["accessToken"]
    session.headers["X-Tenant-ID"] = tenant
    return session


@pytest.fixture(scope="module")
def configured(server, idp):
    answer = _admin(server).patch(f"{server}/api/admin/settings", timeout=10, json={"sso": {
        "provider": "okta", "issuerUrl": idp.url, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET,
        "defaultRole": "auditor", "allowPrivateNetwork": True}})
    assert answer.status_code == 200, answer.text
    return answer.json()["sso"]


def _fragment(location: str) -> dict:
    parts = urllib.parse.urlsplit(location)
    assert parts.path == "/dashboard/", location
    return dict(urllib.parse.parse_qsl(parts.fragment))


def _sign_in(server: str, tenant: str = "acme", browser: requests.Session | None = None) -> dict:
    """The browser's round trip: gateway start → identity provider → gateway callback → dashboard.
    Returns the fields of the landing page's fragment."""
    browser = browser or _session()
    start = browser.get(f"{server}/api/auth/sso/{tenant}/start", allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text
    authorize = browser.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert authorize.status_code == 302, authorize.text
    callback = browser.get(authorize.headers["Location"], allow_redirects=False, timeout=20)
    assert callback.status_code == 302, callback.text
    assert callback.headers["Cache-Control"] == "no-store"
    return _fragment(callback.headers["Location"])


def test_settings_keep_the_client_secret_write_only(server, configured):
    assert configured["hasClientSecret"] is True and configured["provider"] == "okta"
    assert configured["scopes"] == ["openid", "email", "profile"]
    assert configured["startUrl"] == "/api/auth/sso/acme/start"
    text = _admin(server).get(f"{server}/api/admin/settings", timeout=10).text
    assert CLIENT_SECRET not in text and "v1:" not in text
    # A change that omits the secret keeps it; the audit trail never shows it.
    kept = _admin(server).patch(f"{server}/api/admin/settings", json={"sso": {"enabled": True}}, timeout=10)
    assert kept.status_code == 200 and kept.json()["sso"]["hasClientSecret"] is True
    audit = _admin(server).get(f"{server}/api/admin/audit", timeout=10).text
    assert CLIENT_SECRET not in audit


@pytest.mark.parametrize("sso, field", [
    ({"issuerUrl": "http://169.254.169.254", "clientId": "x"}, "sso.issuerUrl"),
    ({"issuerUrl": "http://127.0.0.1:1", "clientId": "x"}, "sso.issuerUrl"),  # private without allowPrivateNetwork
    ({"issuerUrl": "http://idp.example.com", "clientId": "x"}, "sso.issuerUrl"),  # public over plain http
    ({"issuerUrl": "https://idp.example.com"}, "sso.clientId"),
    ({"issuerUrl": "https://idp.example.com", "clientId": "x", "scopes": ["email"]}, "sso.scopes"),
    ({"issuerUrl": "https://idp.example.com", "clientId": "x", "defaultRole": "super-admin"}, "sso.defaultRole"),
    ({"issuerUrl": "https://idp.example.com", "clientId": "x", "provider": "saml"}, "sso.provider"),
    ({"issuerUrl": "https://idp.example.com", "clientId": "x", "bogus": 1}, "sso.bogus"),
])
def test_bad_sso_settings_name_the_field(server, sso, field):
    answer = _admin(server, "beta").patch(f"{server}/api/admin/settings", json={"sso": sso}, timeout=10)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["param"] == field, answer.text


def test_only_an_operator_lets_the_identity_provider_live_on_a_private_network(server, idp):
    """The gateway itself fetches the issuer's discovery document and keys: a tenant admin may
    not point it at a private address (admin-api.md §4's rule for provider base URLs)."""
    root = _admin(server, "beta")
    created = root.post(f"{server}/api/admin/users", timeout=10, json={
        "email": "admin@beta.test", "password": "Beta-Admin-Pass-1!", "roles": ["tenant-admin"]})
    assert created.status_code == 201, created.text
    tenant_admin = _session()
    login = tenant_admin.post(f"{server}/api/auth/login", json={"email": "admin@beta.test", "password": "Beta-Admin-Pass-1!"}, timeout=10)
    tenant_admin.headers["Authorization"] = "Bearer " + login.json()["accessToken"]
    try:
        refused = tenant_admin.patch(f"{server}/api/admin/settings", timeout=10, json={"sso": {
            "issuerUrl": idp.url, "clientId": CLIENT_ID, "allowPrivateNetwork": True}})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "PERMISSION_DENIED", refused.text
        # The operator allows it; the tenant admin can then change other fields (sending the
        # flag back as read), but moving the issuer drops the operator's permission.
        allowed = root.patch(f"{server}/api/admin/settings", timeout=10, json={"sso": {
            "issuerUrl": idp.url, "clientId": CLIENT_ID, "allowPrivateNetwork": True}})
        assert allowed.status_code == 200 and allowed.json()["sso"]["allowPrivateNetwork"] is True, allowed.text
        kept = tenant_admin.patch(f"{server}/api/admin/settings", timeout=10, json={"sso": {"clientId": "other", "allowPrivateNetwork": True}})
        assert kept.status_code == 200 and kept.json()["sso"]["allowPrivateNetwork"] is True, kept.text
        moved = tenant_admin.patch(f"{server}/api/admin/settings", timeout=10, json={"sso": {"issuerUrl": idp.url + "/elsewhere"}})
        assert moved.status_code == 400 and moved.json()["error"]["param"] == "sso.issuerUrl", moved.text
    finally:
        assert root.patch(f"{server}/api/admin/settings", json={"sso": None}, timeout=10).status_code == 200


def test_first_sign_in_creates_the_user_and_the_second_finds_it(server, idp, configured):
    idp.tamper, idp.deny = None, None
    idp.sign_in_as("ada@acme.test", "Ada Lovelace")
    browser = _session()
    start = browser.get(f"{server}/api/auth/sso/acme/start", allow_redirects=False, timeout=10)
    authorize = urllib.parse.urlsplit(start.headers["Location"])
    query = dict(urllib.parse.parse_qsl(authorize.query))
    assert f"{authorize.scheme}://{authorize.netloc}" == idp.url and authorize.path == "/authorize"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == f"{server}/api/auth/sso/callback" and query["scope"] == "openid email profile"
    cookie = start.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/api/auth/sso" in cookie

    fields = _sign_in(server)
    assert fields["tokenType"] == "Bearer" and int(fields["expiresIn"]) > 0, fields
    # The code went back with the PKCE verifier and the client's credentials (Basic, form-encoded).
    exchange = idp.token_requests[-1]
    assert exchange["authorization"].startswith("Basic ") and "client_secret" not in exchange["form"]
    me = _session().get(f"{server}/api/auth/me", headers={"Authorization": "Bearer " + fields["accessToken"]}, timeout=10)
    assert me.status_code == 200, me.text
    user = me.json()["user"]
    assert user["email"] == "ada@acme.test" and user["name"] == "Ada Lovelace"
    assert user["tenantId"] == "acme" and user["roles"] == ["auditor"]

    again = _sign_in(server)
    me_again = _session().get(f"{server}/api/auth/me", headers={"Authorization": "Bearer " + again["accessToken"]}, timeout=10)
    assert me_again.json()["user"]["id"] == user["id"]
    # The refresh token of an SSO session works like any other.
    refreshed = _session().post(f"{server}/api/auth/refresh", json={"refreshToken": again["refreshToken"]}, timeout=10)
    assert refreshed.status_code == 200, refreshed.text
    # An SSO user has no password: password sign-in is refused as for a wrong one.
    refused = _session().post(f"{server}/api/auth/login", json={"email": "ada@acme.test", "password": "Anything-Goes-1!"}, timeout=10)
    assert refused.status_code == 401

    # Audited, with the user itself as the actor.
    entries = _admin(server).get(f"{server}/api/admin/audit", params={"limit": 50}, timeout=10).json()["data"]
    provisioned = [e for e in entries if e["action"] == "user.provision"]
    assert provisioned and provisioned[0]["actorId"] == user["id"], provisioned
    assert sum(e["action"] == "auth.sso_login" for e in entries) >= 2


@pytest.mark.parametrize("tamper, code", [
    ("audience", "SSO_TOKEN_INVALID"), ("nonce", "SSO_TOKEN_INVALID"), ("expired", "SSO_TOKEN_INVALID"),
    ("issuer", "SSO_TOKEN_INVALID"), ("signature", "SSO_TOKEN_INVALID"), ("hs256", "SSO_TOKEN_INVALID"),
])
def test_forged_id_tokens_are_refused(server, idp, configured, tamper, code):
    idp.deny = None
    idp.sign_in_as("mallory@acme.test")
    idp.tamper = tamper
    try:
        fields = _sign_in(server)
    finally:
        idp.tamper = None
    assert fields.get("ssoError") == code, fields
    assert "accessToken" not in fields


def test_the_state_must_be_the_browsers_own_and_a_code_works_once(server, idp, configured):
    idp.tamper, idp.deny = None, None
    idp.sign_in_as("bob@acme.test")
    victim = _session()
    start = victim.get(f"{server}/api/auth/sso/acme/start", allow_redirects=False, timeout=10)
    callback_url = victim.get(start.headers["Location"], allow_redirects=False, timeout=10).headers["Location"]
    # Login CSRF: an attacker's callback URL opened in another browser (no state cookie).
    attacker = _session().get(callback_url, allow_redirects=False, timeout=10)
    assert _fragment(attacker.headers["Location"])["ssoError"] == "SSO_STATE_INVALID"
    # The same browser, but a state that is not its own.
    parts = urllib.parse.urlsplit(callback_url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    forged = victim.get(f"{server}/api/auth/sso/callback", params={**query, "state": "x" + query["state"][1:]},
                        allow_redirects=False, timeout=10)
    assert _fragment(forged.headers["Location"])["ssoError"] == "SSO_STATE_INVALID"
    # The genuine callback: the forged one cleared the cookie, so the browser starts over.
    assert "Max-Age=0" in forged.headers["Set-Cookie"]
    replay_browser = _session()
    replay_browser.cookies.set("gatewyse_sso", start.cookies["gatewyse_sso"], path="/api/auth/sso")
    first = replay_browser.get(callback_url, allow_redirects=False, timeout=10)
    assert "accessToken" in _fragment(first.headers["Location"])
    replay_browser.cookies.set("gatewyse_sso", start.cookies["gatewyse_sso"], path="/api/auth/sso")
    second = replay_browser.get(callback_url, allow_redirects=False, timeout=10)
    assert _fragment(second.headers["Location"])["ssoError"] == "SSO_DENIED"  # invalid_grant: codes are single-use


def test_identity_provider_refusals_and_identities_that_may_not_sign_in(server, idp, configured):
    idp.tamper = None
    idp.deny = "access_denied"
    try:
        assert _sign_in(server)["ssoError"] == "SSO_DENIED"
    finally:
        idp.deny = None
    # The super-admin's e-mail belongs to no tenant: a tenant's identity provider cannot vouch for it.
    idp.sign_in_as(EMAIL)
    assert _sign_in(server)["ssoError"] == "SSO_IDENTITY_NOT_ALLOWED"
    idp.sign_in_as("unverified@acme.test", verified=False)
    assert _sign_in(server)["ssoError"] == "SSO_IDENTITY_NOT_ALLOWED"
    # Allowed domains.
    admin = _admin(server)
    assert admin.patch(f"{server}/api/admin/settings", json={"sso": {"allowedDomains": ["acme.test"]}}, timeout=10).status_code == 200
    try:
        idp.sign_in_as("eve@elsewhere.test")
        assert _sign_in(server)["ssoError"] == "SSO_IDENTITY_NOT_ALLOWED"
        idp.sign_in_as("carol@acme.test")
        assert "accessToken" in _sign_in(server)
    finally:
        admin.patch(f"{server}/api/admin/settings", json={"sso": {"allowedDomains": []}}, timeout=10)


def test_start_refuses_unknown_tenants_alike_and_untrusted_hosts(server, configured):
    unknown = _session().get(f"{server}/api/auth/sso/nobody/start", allow_redirects=False, timeout=10)
    without = _session().get(f"{server}/api/auth/sso/beta/start", allow_redirects=False, timeout=10)
    assert unknown.status_code == without.status_code == 404
    assert unknown.json()["error"]["code"] == without.json()["error"]["code"] == "SSO_NOT_CONFIGURED"
    assert unknown.json()["error"]["message"] == without.json()["error"]["message"]
    # No SSO_CALLBACK_BASE_URL: a Host header naming another machine is not trusted for the redirect.
    spoofed = _session().get(f"{server}/api/auth/sso/acme/start", headers={"Host": "evil.example"}, allow_redirects=False, timeout=10)
    assert spoofed.status_code == 503 and spoofed.json()["error"]["code"] == "SSO_NOT_CONFIGURED", spoofed.text


def test_a_disabled_configuration_stops_sign_in(server, idp, configured):
    admin = _admin(server)
    assert admin.patch(f"{server}/api/admin/settings", json={"sso": {"enabled": False}}, timeout=10).status_code == 200
    try:
        assert _session().get(f"{server}/api/auth/sso/acme/start", allow_redirects=False, timeout=10).status_code == 404
    finally:
        assert admin.patch(f"{server}/api/admin/settings", json={"sso": {"enabled": True}}, timeout=10).status_code == 200

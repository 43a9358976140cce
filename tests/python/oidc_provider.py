"""A mock OpenID Connect identity provider for the SSO tests, on loopback, faithful to the
documented wire format: OpenID Connect Discovery 1.0 (`/.well-known/openid-configuration`), the
authorization code flow of OpenID Connect Core 1.0 §3.1 with PKCE (RFC 7636, S256 only),
client authentication `client_secret_basic` / `client_secret_post` (RFC 6749 §2.3.1), token
errors as RFC 6749 §5.2 gives them, single-use codes, and RS256 ID tokens whose keys are
published as a JWK Set (RFC 7517).

The "user" is whoever the test says is signed in at the provider (`sign_in_as`): the
authorization endpoint answers at once with a redirect, as a provider does for a user who
already has a session there. `tamper` makes the next ID token wrong in one way, to show the
gateway refuses it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class MockIdentityProvider:
    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key-" + secrets.token_hex(4)
        self.user = {"sub": "idp-user-1", "email": "ada@acme.test", "email_verified": True, "name": "Ada Lovelace"}
        self.tamper: str | None = None
        self.deny: str | None = None
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.authorize_requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "MockIdentityProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign_in_as(self, email: str, name: str = "Test User", sub: str | None = None, verified: bool = True) -> None:
        self.user = {"sub": sub or "sub-" + hashlib.sha256(email.encode()).hexdigest()[:12], "email": email,
                     "email_verified": verified, "name": name}

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                          "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": self.user["sub"], "aud": self.client_id, "iat": now, "exp": now + 300,
                  "nonce": nonce, "email": self.user["email"], "email_verified": self.user["email_verified"],
                  "name": self.user["name"]}
        key, algorithm, headers = self.key, "RS256", {"kid": self.kid}
        match self.tamper:
            case "audience":
                claims["aud"] = "another-client"
            case "nonce":
                claims["nonce"] = "not-the-nonce"
            case "expired":
                claims["iat"], claims["exp"] = now - 3600, now - 600
            case "issuer":
                claims["iss"] = "https://evil.example"
            case "signature":
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            case "hs256":
                # Signed with the client secret as an HMAC key: the key-confusion attack.
                key, algorithm = self.client_secret, "HS256"
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, {
                        "issuer": provider.url, "authorization_endpoint": provider.url + "/authorize",
                        "token_endpoint": provider.url + "/token", "jwks_uri": provider.url + "/jwks",
                        "response_types_supported": ["code"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                        "scopes_supported": ["openid", "email", "profile"]})
                elif parts.path == "/jwks":
                    self._json(200, provider.jwks())
                elif parts.path == "/authorize":
                    provider.authorize_requests.append(query)
                    redirect = query.get("redirect_uri", "")
                    state = query.get("state", "")
                    if query.get("client_id") != provider.client_id or not redirect:
                        self._json(400, {"error": "invalid_request", "error_description": "unknown client or redirect"})
                        return
                    separator = "&" if "?" in redirect else "?"
                    if provider.deny:
                        self._redirect(redirect + separator + urllib.parse.urlencode({"error": provider.deny, "state": state}))
                        return
                    valid = (query.get("response_type") == "code" and "openid" in query.get("scope", "").split()
                             and query.get("code_challenge_method") == "S256" and query.get("code_challenge"))
                    if not valid:
                        self._redirect(redirect + separator + urllib.parse.urlencode({"error": "invalid_request", "state": state}))
                        return
                    code = secrets.token_urlsafe(24)
                    with provider.lock:
                        provider.codes[code] = {"nonce": query.get("nonce", ""), "challenge": query["code_challenge"],
                                                "redirect_uri": redirect, "used": False}
                    self._redirect(redirect + separator + urllib.parse.urlencode({"code": code, "state": state}))
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                if urllib.parse.urlsplit(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                provider.token_requests.append({"form": form, "authorization": self.headers.get("Authorization")})
                client_id, secret = form.get("client_id"), form.get("client_secret")
                authorization = self.headers.get("Authorization", "")
                if authorization.startswith("Basic "):
                    pair = base64.b64decode(authorization[6:]).decode()
                    client_id, _, secret = (urllib.parse.unquote_plus(part) for part in pair.partition(":"))
                if client_id != provider.client_id or secret != provider.client_secret:
                    self._json(401, {"error": "invalid_client"})
                    return
                if form.get("grant_type") != "authorization_code":
                    self._json(400, {"error": "unsupported_grant_type"})
                    return
                with provider.lock:
                    grant = provider.codes.get(form.get("code", ""))
                    reused = grant is not None and grant["used"]
                    if grant is not None:
                        grant["used"] = True
                if grant is None or reused or grant["redirect_uri"] != form.get("redirect_uri"):
                    self._json(400, {"error": "invalid_grant"})
                    return
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if challenge != grant["challenge"]:
                    self._json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
                    return
                self._json(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 3600,
                                 "id_token": provider.id_token(grant["nonce"]), "scope": "openid email profile"})

        return Handler

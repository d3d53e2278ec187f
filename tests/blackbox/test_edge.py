"""What the gateway enforces: the error format, limits, CSRF, identity stripping, headers."""
import json
import os
import urllib.error
import urllib.request
import unittest

from kxplatform import GATEWAY, PASSWORD, Browser, assert_error, new_email, psql, signed_up


class BadInputTest(unittest.TestCase):
    # Other black-box tests sign people up meanwhile (ctest -j2): count only this test's addresses.
    def count_users(self, *emails):
        quoted = ",".join("'" + e.replace("'", "''") + "'" for e in emails)
        return psql(f"SELECT count(*) FROM auth.users WHERE email IN ({quoted})")

    def test_malformed_json_is_400_and_writes_nothing(self):
        email = new_email()
        res = Browser().post("/api/auth/register",
                             raw=b'{"email": "' + email.encode() + b'", "password": ')
        assert_error(self, res, 400, "invalid_json")
        self.assertEqual(self.count_users(email), "0")

    def test_missing_and_wrong_typed_fields_are_422(self):
        email = new_email()
        err = assert_error(self, Browser().post("/api/auth/register", {"email": email}), 422, "validation_failed")
        self.assertEqual(err["details"][0]["field"], "password")
        assert_error(self, Browser().post("/api/auth/register", {"email": 5, "password": PASSWORD}), 422)
        assert_error(self, Browser().post("/api/auth/register",
                                          {"email": email, "password": PASSWORD, "name": ["x"]}), 422)
        assert_error(self, Browser().post("/api/auth/login", [1, 2]), 422)
        self.assertEqual(self.count_users(email), "0")

    def test_oversized_bodies_are_413(self):
        email = new_email()
        big = json.dumps({"email": email, "password": PASSWORD, "name": "x" * 20000}).encode()
        assert_error(self, Browser().post("/api/auth/register", raw=big), 413, "payload_too_large")
        huge = b"{" + b" " * (2 * 1024 * 1024) + b"}"
        assert_error(self, Browser().post("/api/auth/register", raw=huge), 413, "payload_too_large")
        self.assertEqual(self.count_users(email), "0")

    def test_unknown_paths_are_404(self):
        assert_error(self, Browser().get("/api/does-not-exist"), 404, "not_found")
        assert_error(self, Browser().get("/api/auth/nothing-here"), 404, "not_found")
        assert_error(self, Browser().get("/no-such-page"), 404, "not_found")
        assert_error(self, Browser().get("/assets/../../etc/passwd"), 404)

    def test_wrong_methods_are_405(self):
        res = Browser().get("/api/auth/register")
        assert_error(self, res, 405, "method_not_allowed")
        self.assertIn("POST", res.headers.get("Allow", ""))
        assert_error(self, Browser().request("DELETE", "/"), 405)


class EdgeTest(unittest.TestCase):
    def test_security_headers_and_csrf_cookie(self):
        res = Browser().get("/")
        self.assertEqual(res.status, 200)
        self.assertIn(b"Kametrix", res.body)
        for h in ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy",
                  "Referrer-Policy", "X-Request-Id"):
            self.assertTrue(res.headers.get(h), h)
        csrf = [c for c in res.set_cookies() if c.startswith("kx_csrf=")]
        self.assertTrue(csrf)
        self.assertNotIn("HttpOnly", csrf[0])
        err = Browser().get("/api/nope")
        self.assertTrue(err.headers.get("X-Frame-Options"))

    def test_request_id_is_taken_or_made(self):
        res = Browser().get("/api/nope", headers={"X-Request-Id": "trace-42"})
        self.assertEqual(res.headers["X-Request-Id"], "trace-42")
        self.assertEqual(res.json()["error"]["request_id"], "trace-42")

    def test_cookie_authenticated_change_needs_csrf_token(self):
        b, _, _ = signed_up()
        assert_error(self, b.request("POST", "/api/auth/logout", csrf=False), 403, "csrf_failed")
        self.assertEqual(b.get("/api/auth/me").status, 200)
        wrong = b.request("POST", "/api/auth/logout", csrf=False, headers={"X-CSRF-Token": "forged"})
        assert_error(self, wrong, 403)
        self.assertEqual(b.post("/api/auth/logout").status, 200)

    def test_foreign_origin_is_rejected(self):
        res = Browser().post("/api/auth/login", {"email": new_email(), "password": PASSWORD},
                             headers={"Origin": "https://evil.example"})
        assert_error(self, res, 403)

    def test_client_identity_headers_are_ignored(self):
        res = Browser().get("/api/auth/me", headers={"X-Kx-User-Id": "someone", "X-Kx-Role": "admin"})
        assert_error(self, res, 401)
        res = Browser().get("/api/admin/users", headers={"X-Kx-User-Id": "someone", "X-Kx-Role": "admin"})
        assert_error(self, res, 401)

    def test_services_refuse_calls_around_the_gateway(self):
        port = os.environ["AUTH_PORT"]
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/auth/me",
                                     headers={"X-Kx-User-Id": "u", "X-Kx-Role": "admin"})
        try:
            urllib.request.urlopen(req, timeout=10)
            self.fail("expected 401")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 401)
            self.assertEqual(json.loads(e.read())["error"]["code"], "invalid_internal_signature")

    def test_every_service_reports_health_readiness_and_metrics(self):
        for var in ("GATEWAY_PORT", "AUTH_PORT", "AGENT_PORT", "TELEPHONY_WEBHOOK_PORT", "BILLING_PORT",
                    "INTEGRATIONS_PORT"):
            base = f"http://127.0.0.1:{os.environ[var]}"
            for path in ("/healthz", "/readyz"):
                with urllib.request.urlopen(base + path, timeout=10) as res:
                    self.assertEqual(res.status, 200, var + path)
            # The gateway's metrics are on its local admin port only.
            if var == "GATEWAY_PORT":
                base = f"http://127.0.0.1:{os.environ['GATEWAY_ADMIN_PORT']}"
            with urllib.request.urlopen(base + "/metrics", timeout=10) as res:
                self.assertIn(b"# TYPE", res.read(), var)


if __name__ == "__main__":
    unittest.main()

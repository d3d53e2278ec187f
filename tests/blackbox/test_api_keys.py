"""API keys through the running platform: owners manage them in a session, the gateway accepts
them as `Authorization: Bearer` on the routes their scopes open, refuses revoked keys within
seconds, limits each key's rate, and serves docs/openapi.yaml, whose every route is called here
with a key and must answer one of its documented status codes."""
import os
import time
import unittest
import uuid

import yaml

from kxplatform import Browser, assert_error, eventually, psql, signed_up
from test_agents import create_agent, definition, routed, synced

SCOPES = ["calls:read", "credits:read", "agents:read", "agents:write", "webhooks:read",
          "webhooks:write", "bookings:read"]
RATE = int(os.environ.get("API_KEY_RATE_PER_MINUTE", "120"))
# The development allow-list of the webhook SSRF guard (WEBHOOK_ALLOWED_TARGETS); nothing listens.
HOOK_URL = "http://127.0.0.1:19199/kx-api-key-check"
ROUTER_NOT_FOUND = "Diese Adresse gibt es nicht."


def with_key(method, path, key, body=None, raw=None, headers=None):
    """A request as an API client sends it: the key, no cookies, no CSRF token."""
    auth = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return Browser().request(method, path, body, headers={**auth, **(headers or {})}, raw=raw)


def new_key(browser, scopes, name="Integration"):
    res = browser.post("/api/account/api-keys", {"name": name, "scopes": scopes})
    assert res.status == 201, res.body
    doc = res.json()
    return doc["key"], doc["secret"]


class ApiKeyTest(unittest.TestCase):
    def test_a_calls_read_key_reads_calls_and_nothing_else(self):
        b, _, user = signed_up("key-calls")
        key, secret = new_key(b, ["calls:read"])
        res = with_key("GET", "/api/calls?limit=5", secret)
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(res.json()["limit"], 5)
        self.assertEqual(with_key("GET", "/api/escalations/stats", secret).status, 200)
        self.assertEqual(with_key("GET", "/api/calls/export.csv", secret).status, 200)
        for method, path in [("GET", "/api/credits"), ("GET", "/api/agents"), ("POST", "/api/agents"),
                             ("GET", "/api/bookings"), ("GET", "/api/webhooks/endpoints"),
                             ("GET", "/api/account/api-keys"), ("POST", "/api/account/api-keys"),
                             ("GET", "/api/auth/me"), ("POST", "/api/auth/logout"),
                             ("GET", "/api/admin/users"), ("GET", "/api/events"),
                             ("GET", "/api/checkout"), ("GET", "/api/integrations/google"),
                             ("GET", "/api/calls/../admin/calls")]:
            assert_error(self, with_key(method, path, secret), 403, "insufficient_scope")
        # A session cookie beside the key does not widen it: the key alone counts.
        assert_error(self, b.get("/api/credits", headers={"Authorization": f"Bearer {secret}"}),
                     403, "insufficient_scope")
        self.assertEqual(b.get("/api/credits").status, 200)
        # The key acts for its owner: the owner's agent is what an agents:read key lists.
        agent = create_agent(b)
        _, agents_key = new_key(b, ["agents:read", "agents:write"])
        listed = with_key("GET", "/api/agents", agents_key).json()["agents"]
        self.assertEqual([a["id"] for a in listed], [agent["id"]])
        # No CSRF token and no Origin check for key requests; the change is the owner's.
        res = with_key("PATCH", f"/api/agents/{agent['id']}", agents_key, {"farewell": "Tschüss!"},
                       headers={"Origin": "https://elsewhere.example"})
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(b.get(f"/api/agents/{agent['id']}").json()["farewell"], "Tschüss!")
        # Use is recorded for the owner to see.
        listed = b.get("/api/account/api-keys").json()["items"]
        self.assertTrue(next(k for k in listed if k["id"] == key["id"])["last_used_at"])

    def test_a_revoked_key_is_refused_within_seconds(self):
        b, _, _ = signed_up("key-revoke")
        key, secret = new_key(b, ["credits:read"])
        self.assertEqual(with_key("GET", "/api/credits", secret).status, 200)
        res = b.request("DELETE", f"/api/account/api-keys/{key['id']}")
        self.assertEqual(res.status, 204, res.body)
        revoked_at = time.monotonic()
        eventually(lambda: with_key("GET", "/api/credits", secret).status == 401, timeout=10,
                   interval=0.1)
        self.assertLess(time.monotonic() - revoked_at, 7)
        assert_error(self, with_key("GET", "/api/credits", secret), 401, "invalid_api_key")
        listed = b.get("/api/account/api-keys").json()["items"]
        self.assertTrue(listed[0]["revoked_at"])

    def test_a_suspended_owners_keys_stop_working(self):
        b, _, user = signed_up("key-suspend")
        _, secret = new_key(b, ["bookings:read"])
        self.assertEqual(with_key("GET", "/api/bookings", secret).status, 200)
        psql(f"UPDATE auth.users SET status = 'suspended' WHERE id = '{user['id']}'")
        eventually(lambda: with_key("GET", "/api/bookings", secret).status == 401, timeout=10,
                   interval=0.1)

    def test_the_list_never_shows_the_secret(self):
        b, _, _ = signed_up("key-list")
        key, secret = new_key(b, ["calls:read", "credits:read"], name="Buchhaltung")
        self.assertTrue(secret.startswith("kx_"))
        self.assertEqual(key["prefix"], secret[:11])
        res = b.get("/api/account/api-keys")
        self.assertEqual(res.status, 200)
        self.assertNotIn(secret.encode(), res.body)
        self.assertNotIn(secret[11:].encode(), res.body)
        item = res.json()["items"][0]
        self.assertEqual(set(item), {"id", "name", "prefix", "scopes", "created_at", "last_used_at",
                                     "revoked_at"})
        self.assertEqual(item["scopes"], ["calls:read", "credits:read"])
        self.assertEqual(psql("SELECT count(*) FROM auth.api_keys WHERE secret_hash LIKE "
                              f"'%{secret[3:]}%'"), "0")

    def test_another_owners_key_id_is_not_found(self):
        anna, _, _ = signed_up("key-anna")
        ben, _, _ = signed_up("key-ben")
        key, secret = new_key(anna, ["credits:read"])
        assert_error(self, ben.request("DELETE", f"/api/account/api-keys/{key['id']}"), 404, "not_found")
        assert_error(self, ben.request("DELETE", f"/api/account/api-keys/{uuid.uuid4()}"), 404)
        self.assertEqual(ben.get("/api/account/api-keys").json(), {"items": []})
        self.assertEqual(with_key("GET", "/api/credits", secret).status, 200)

    def test_bad_input_and_bad_keys_in_the_error_format(self):
        b, _, _ = signed_up("key-input")
        err = assert_error(self, b.post("/api/account/api-keys", {"name": "x" * 61, "scopes": ["calls:read"]}),
                           422, "validation_failed")
        self.assertEqual(err["details"][0]["field"], "name")
        err = assert_error(self, b.post("/api/account/api-keys", {"name": "CRM", "scopes": ["calls:write"]}),
                           422, "validation_failed")
        self.assertEqual(err["details"][0]["field"], "scopes[0]")
        assert_error(self, b.post("/api/account/api-keys", raw=b'{"name": "CRM", "scopes": ['), 400,
                     "invalid_json")
        self.assertEqual(b.get("/api/account/api-keys").json(), {"items": []})
        for bad in ["kx_" + "A" * 43, "kx_", "not-a-kametrix-key", "kx_" + "A" * 300]:
            assert_error(self, with_key("GET", "/api/calls", bad), 401, "invalid_api_key")
        # Without a key the route is the session's as before.
        assert_error(self, with_key("GET", "/api/calls", None), 401, "unauthorized")

    def test_each_key_is_rate_limited_with_retry_after(self):
        b, _, _ = signed_up("key-rate")
        _, secret = new_key(b, ["credits:read"])
        _, other = new_key(b, ["credits:read"])
        limited = None
        for _ in range(RATE + 30):
            res = with_key("GET", "/api/credits", secret)
            if res.status == 429:
                limited = res
                break
            self.assertEqual(res.status, 200, res.body)
        self.assertIsNotNone(limited, f"no 429 within {RATE + 30} requests")
        assert_error(self, limited, 429, "rate_limited")
        self.assertGreaterEqual(int(limited.headers["Retry-After"]), 1)
        # The other key of the same owner has its own budget.
        self.assertEqual(with_key("GET", "/api/credits", other).status, 200)


def operations(spec):
    for path, item in spec["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                yield path, method.upper(), item[method]


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        res = with_key("GET", "/api/openapi.yaml", None)
        assert res.status == 200, res.body
        cls.content_type = res.headers.get("Content-Type", "")
        cls.spec = yaml.safe_load(res.body)

    def test_the_served_description_is_openapi_3_1_with_bearer_keys(self):
        self.assertTrue(self.content_type.startswith("application/yaml"), self.content_type)
        self.assertTrue(self.spec["openapi"].startswith("3.1"))
        scheme = self.spec["components"]["securitySchemes"]["apiKey"]
        self.assertEqual((scheme["type"], scheme["scheme"]), ("http", "bearer"))
        with open(os.path.join(os.path.dirname(__file__), "../../docs/openapi.yaml"), "rb") as f:
            self.assertEqual(yaml.safe_load(f), self.spec)

    def test_every_documented_route_answers_a_documented_status(self):
        b, _, _ = signed_up("openapi")
        # The data the routes need, made in the owner's session.
        agent = synced(b, create_agent(b)["id"])
        routed(agent["id"], agent["phone_number"])
        played = b.post(f"/api/agents/{agent['id']}/test-call")
        self.assertEqual(played.status, 200, played.body)
        call_id = eventually(lambda: (b.get("/api/calls?test=true").json()["items"] or [{}])[0].get("id"))
        draft = b.post("/api/agents/drafts", {"step": 1, "state": {"name": "Praxis Dr. Muster"}}).json()
        endpoint = b.post("/api/webhooks/endpoints", {"url": HOOK_URL, "event_types": ["call.completed"]})
        self.assertEqual(endpoint.status, 201, endpoint.body)
        endpoint_id = endpoint.json()["id"]
        delivery = b.post(f"/api/webhooks/endpoints/{endpoint_id}/test")
        self.assertEqual(delivery.status, 202, delivery.body)
        ids = {"agent_id": agent["id"], "call_id": call_id, "draft_id": draft["id"],
               "endpoint_id": endpoint_id, "delivery_id": delivery.json()["id"]}
        # A complete draft, so that publishing it succeeds (and deleting it afterwards is a 404).
        bodies = {("POST", "/api/webhooks/endpoints"): {"url": HOOK_URL, "event_types": ["call.completed"]},
                  ("PUT", "/api/agents/drafts/{draft_id}"): {"version": draft["version"], "step": 6,
                                                              "state": definition("Praxis Dr. Muster")}}
        not_succeeding = {("DELETE", "/api/agents/drafts/{draft_id}"): 404}
        _, full = new_key(b, SCOPES, name="Alle")
        without = {s: new_key(b, [o for o in SCOPES if o != s], name=f"ohne {s}")[1] for s in SCOPES}

        ops = list(operations(self.spec))
        self.assertGreaterEqual(len(ops), 30)
        # Deletions last, so every other route finds its data.
        ops.sort(key=lambda op: op[1] == "DELETE")
        for template, method, op in ops:
            with self.subTest(route=f"{method} {template}"):
                scopes = [s for req in op["security"] for s in req["apiKey"]]
                self.assertEqual(len(scopes), 1)
                self.assertIn(scopes[0], SCOPES)
                path = template.format(**ids)
                documented = set(op["responses"])
                body = bodies.get((method, template))
                if body is None and "requestBody" in op:
                    body = op["requestBody"]["content"]["application/json"]["example"]
                # Outside its scope the route is closed ...
                refused = with_key(method, path, without[scopes[0]], body)
                assert_error(self, refused, 403, "insufficient_scope")
                # ... and with it, it exists and answers as documented.
                res = with_key(method, path, full, body)
                self.assertIn(str(res.status), documented, res.body[:300])
                # With the data made above every route succeeds, which also shows it exists (a
                # missing one would be the router's 404).
                expected = not_succeeding.get((method, template))
                if expected:
                    self.assertEqual(res.status, expected, res.body[:300])
                    self.assertNotEqual(res.json()["error"]["message"], ROUTER_NOT_FOUND)
                else:
                    self.assertLess(res.status, 300, res.body[:300])
                if res.status < 300 and res.status != 204:
                    media = next(iter(op["responses"][str(res.status)]["content"]))
                    self.assertTrue(res.headers.get("Content-Type", "").startswith(media),
                                    res.headers.get("Content-Type"))


if __name__ == "__main__":
    unittest.main()

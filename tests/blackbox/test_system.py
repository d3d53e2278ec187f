"""Black-box tests of system health and the gateway's edge: GET /api/admin/system from every
service's own numbers, a killed service shown as not ready, no metrics or readiness details on
the public port, and the per-address limit of the anonymous endpoints."""
import json
import os
import re
import unittest
import urllib.error
import urllib.request

from kxplatform import GATEWAY, Browser, assert_error, eventually, kill_platform_service, replica_urls, \
    signed_up, start_service, stop
from test_billing import admin

SERVICES = ["gateway", "auth", "agent", "telephony-webhook", "billing", "integrations"]


def system():
    res = admin().get("/api/admin/system")
    assert res.status == 200, res.body
    return res.json()


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class SystemHealthTest(unittest.TestCase):
    def test_every_service_ready_with_numbers_from_its_metrics(self):
        # Some traffic of our own, so the gateway and auth have something to count.
        signed_up("system")
        doc = system()
        self.assertTrue(doc["checked_at"].endswith("Z"))
        services = {s["name"]: s for s in doc["services"]}
        # A scaled service shows each replica, named like its process (billing-1, billing-2, ...).
        self.assertEqual(list(dict.fromkeys(re.sub(r"-\d+$", "", s["name"]) for s in doc["services"])),
                         SERVICES)
        for service in SERVICES[1:]:
            count = len(replica_urls(service))
            names = [service] if count == 1 else [f"{service}-{i + 1}" for i in range(count)]
            self.assertEqual([n for n in services if re.sub(r"-\d+$", "", n) == service], names)
        for name, s in services.items():
            self.assertTrue(s["ready"], s)
            self.assertIsNone(s["reason"], name)
            self.assertGreaterEqual(s["requests"], 0, name)
            self.assertGreaterEqual(s["errors"], 0, name)
            self.assertLessEqual(s["errors"], s["requests"], name)
            self.assertTrue(0 <= s["error_rate"] <= 1, name)
            if s["latency_p50_ms"] is not None:
                self.assertLessEqual(s["latency_p50_ms"], s["latency_p99_ms"], name)
                self.assertLess(s["latency_p99_ms"], 10_000, name)
            self.assertIsNotNone(s["dead_letters"], s)
            self.assertGreaterEqual(s["dead_letters"], 0, name)
            self.assertIsInstance(s["consumer_lag"], list, name)
            for lag in s["consumer_lag"]:
                self.assertGreaterEqual(lag["lag"], 0, lag)
            self.assertTrue(s["broker"]["reachable"], name)
            if name == "gateway":
                self.assertIsNone(s["database"])
                self.assertIsNone(s["outbox_backlog"])
            else:
                self.assertTrue(s["database"]["reachable"], name)
                self.assertGreater(s["database"]["connections"], 0, name)
                self.assertGreaterEqual(s["outbox_backlog"], 0, name)
        self.assertGreater(services["gateway"]["requests"], 0)
        self.assertGreater(services["auth"]["requests"], 0)
        self.assertIsNotNone(services["auth"]["latency_p99_ms"])
        # auth consumes the audit events in its own group.
        groups = {(l["group"], l["topic"]) for l in services["auth"]["consumer_lag"]}
        self.assertIn(("auth", "admin.action"), groups)
        self.assertTrue(doc["database"]["reachable"])
        self.assertGreater(doc["database"]["size_bytes"], 0)
        self.assertTrue(doc["broker"]["reachable"])

    def test_a_killed_service_is_listed_as_not_ready(self):
        restart = kill_platform_service("integrations")
        try:
            doc = system()
            s = {s["name"]: s for s in doc["services"]}["integrations"]
            self.assertFalse(s["ready"])
            self.assertTrue(s["reason"].startswith("no answer"), s)
            self.assertIsNone(s["requests"])
            for x in doc["services"]:
                if x["name"].startswith("billing"):
                    self.assertTrue(x["ready"], x)
        finally:
            restart()
        eventually(lambda: {x["name"]: x for x in system()["services"]}["integrations"]["ready"], timeout=60)

    def test_only_admins(self):
        owner, _, _ = signed_up("system-owner")
        assert_error(self, owner.get("/api/admin/system"), 403, "forbidden")
        assert_error(self, Browser().get("/api/admin/system"), 401)


class GatewayEdgeTest(unittest.TestCase):
    def test_metrics_and_readiness_details_only_on_the_admin_port(self):
        status, _, _ = fetch(GATEWAY + "/metrics")
        self.assertEqual(status, 404)
        status, _, body = fetch(GATEWAY + "/readyz")
        self.assertEqual((status, json.loads(body)), (200, {"status": "ready"}))
        local = f"http://127.0.0.1:{os.environ['GATEWAY_ADMIN_PORT']}"
        status, _, body = fetch(local + "/metrics")
        self.assertEqual(status, 200)
        self.assertIn(b"kx_http_requests_total", body)
        status, _, body = fetch(local + "/internal/system")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["name"], "gateway")
        # Not on the public port.
        status, _, _ = fetch(GATEWAY + "/internal/system")
        self.assertEqual(status, 404)

    def test_per_address_limit_on_anonymous_endpoints(self):
        # A gateway of its own with a small budget, so the platform's gateway is not affected.
        port = int(os.environ["GATEWAY_PORT"]) + 7
        pid = start_service("gateway", port, "gateway-limited.log",
                            {"ADMIN_PORT": "0", "PUBLIC_RATE_BURST": "3", "PUBLIC_RATE_PER_MINUTE": "6"})
        try:
            base = f"http://127.0.0.1:{port}"
            statuses = [fetch(base + "/api/public/legal")[0] for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 200])
            status, headers, body = fetch(base + "/api/public/legal")
            self.assertEqual(status, 429)
            self.assertEqual(json.loads(body)["error"]["code"], "rate_limited")
            self.assertTrue(1 <= int(headers["Retry-After"]) <= 10, headers["Retry-After"])
            # The same address is limited on sign-up and login too.
            req = urllib.request.Request(base + "/api/auth/login", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(req, timeout=10)
                self.fail("expected 429")
            except urllib.error.HTTPError as e:
                self.assertEqual(e.code, 429)
            # Health checks and provider webhooks are not limited.
            self.assertEqual(fetch(base + "/healthz")[0], 200)
            req = urllib.request.Request(base + "/webhooks/stripe", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(req, timeout=10)
                code = 200
            except urllib.error.HTTPError as e:
                code = e.code
            self.assertNotEqual(code, 429)
        finally:
            stop(pid)


if __name__ == "__main__":
    unittest.main()

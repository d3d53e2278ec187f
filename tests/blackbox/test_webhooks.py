"""Owners' outgoing webhooks through the running platform: endpoints over the gateway, the test
event and call.completed from Kafka delivered to a receiver that verifies them with the
official `standardwebhooks` package (tests/webhook-node), rotation, the SSRF guard's refusals at
registration, and other owners' ids."""
import json
import os
import random
import subprocess
import unittest
import urllib.request

from kxplatform import ROOT, assert_error, eventually, service_url, signed_up

RECEIVER = os.path.join(ROOT, "tests/webhook-node/receiver.js")
BENCH = os.path.join(ROOT, "build/tests/kx-billing-bench")


class NodeReceiver:
    """receiver.js on a free port of the development allow-list (127.0.0.1:19100-19199)."""

    def __init__(self):
        ports = list(range(19100, 19200))
        random.shuffle(ports)
        for port in ports:
            proc = subprocess.Popen(["node", RECEIVER], env=dict(os.environ, PORT=str(port)),
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            line = proc.stdout.readline()
            if line:
                self.proc, self.port = proc, port
                return
            proc.wait()
            proc.stdout.close()
        raise AssertionError("no free receiver port in 19100-19199")

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def set_secrets(self, secrets):
        req = urllib.request.Request(self.url("/secrets"), data=json.dumps(secrets).encode(), method="PUT")
        urllib.request.urlopen(req, timeout=5).close()

    def records(self):
        with urllib.request.urlopen(self.url("/records"), timeout=5) as res:
            return json.loads(res.read())

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def bootstrap():
    with open(os.path.join(os.environ["KX_TEST_STATE_DIR"], "kafka.bootstrap")) as f:
        return f.read().strip()


class WebhooksTest(unittest.TestCase):
    def setUp(self):
        self.receiver = NodeReceiver()
        self.addCleanup(self.receiver.close)

    def create(self, browser, url, types=("call.completed",)):
        res = browser.post("/api/webhooks/endpoints",
                           {"url": url, "event_types": list(types), "description": "Black-box"})
        self.assertEqual(res.status, 201, res.body)
        return res.json()

    def test_test_event_and_call_completed_verified_by_the_reference_library(self):
        b, _, user = signed_up("webhooks")
        endpoint = self.create(b, self.receiver.url())
        self.assertTrue(endpoint["secret"].startswith("whsec_"))
        self.receiver.set_secrets([endpoint["secret"]])
        shown = b.get(f"/api/webhooks/endpoints/{endpoint['id']}").json()
        self.assertNotIn("secret", shown)

        res = b.post(f"/api/webhooks/endpoints/{endpoint['id']}/test")
        self.assertEqual(res.status, 202, res.body)
        records = eventually(lambda: self.receiver.records(), timeout=30)
        self.assertEqual(records[0]["type"], "webhook.test")
        self.assertEqual(records[0]["verified"], [True], records[0])

        # Two calls from Kafka: one verified message each, a webhook-id each.
        out = subprocess.run([BENCH, "--bootstrap", bootstrap(), "--user", user["id"], "--prefix",
                              "wh-" + endpoint["id"][:8], "--calls", "2", "--seconds", "30",
                              "--copies", "1", "--no-wait", "--timeout", "60"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr + out.stdout)
        calls = eventually(lambda: [r for r in self.receiver.records() if r["type"] == "call.completed"]
                           if len(self.receiver.records()) >= 3 else None, timeout=60)
        self.assertEqual(len(calls), 2, calls)
        self.assertTrue(all(r["verified"] == [True] for r in calls), calls)
        self.assertEqual(len({r["id"] for r in calls}), 2)

        log = b.get(f"/api/webhooks/endpoints/{endpoint['id']}/deliveries").json()
        self.assertEqual(log["total"], 3)
        self.assertTrue(all(d["state"] == "delivered" for d in log["deliveries"]), log)
        self.assertEqual(log["deliveries"][0]["attempt_log"][0]["response_status"], 204)

    def test_rotation_signs_with_both_secrets(self):
        b, _, _ = signed_up("webhooks-rotate")
        endpoint = self.create(b, self.receiver.url())
        rotated = b.post(f"/api/webhooks/endpoints/{endpoint['id']}/rotate-secret")
        self.assertEqual(rotated.status, 200, rotated.body)
        new_secret = rotated.json()["secret"]
        self.assertNotEqual(new_secret, endpoint["secret"])
        self.receiver.set_secrets([endpoint["secret"], new_secret])
        b.post(f"/api/webhooks/endpoints/{endpoint['id']}/test")
        records = eventually(lambda: self.receiver.records(), timeout=30)
        self.assertEqual(records[0]["verified"], [True, True], records[0])

    def test_the_guard_refuses_internal_targets(self):
        b, _, _ = signed_up("webhooks-ssrf")
        integrations = service_url("integrations")
        for url in [integrations + "/healthz", "http://127.0.0.1/", "http://localhost:19150/",
                    "http://2130706433/", "http://[::1]:19150/", "http://169.254.169.254/latest/meta-data/",
                    "http://10.0.0.1/", "https://user:pw@example.com/", "http://127.0.0.1:19200/",
                    "ftp://example.com/"]:
            res = b.post("/api/webhooks/endpoints", {"url": url, "event_types": ["call.completed"]})
            error = assert_error(self, res, 422, "validation_failed")
            self.assertEqual(error["details"][0]["field"], "url", url)
        res = b.post("/api/webhooks/endpoints",
                     {"url": self.receiver.url(), "event_types": ["call.exploded"]})
        assert_error(self, res, 422, "validation_failed")

    def test_other_owners_ids_are_404(self):
        owner, _, _ = signed_up("webhooks-owner")
        other, _, _ = signed_up("webhooks-other")
        endpoint = self.create(owner, self.receiver.url())
        for method, path in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/test"),
                             ("POST", "/rotate-secret"), ("GET", "/deliveries")]:
            res = other.request(method, f"/api/webhooks/endpoints/{endpoint['id']}{path}",
                                {"enabled": False} if method == "PATCH" else None)
            assert_error(self, res, 404, "not_found")
        self.assertEqual(other.get("/api/webhooks/endpoints").json(), {"endpoints": []})
        types = other.get("/api/webhooks/event-types").json()["event_types"]
        self.assertIn("call.completed", [t["type"] for t in types])


if __name__ == "__main__":
    unittest.main()

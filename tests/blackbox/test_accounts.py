"""Accounts through the gateway: e-mail verification, password reset from the mail link, change
password, throttling by client address, suspension, sessions of other owners, export, deletion."""
import json
import threading
import time
import unittest

from kxplatform import (PASSWORD, Browser, assert_error, eventually, link_token, new_email, psql,
                        replica_pids, signed_up)
from test_agents import create_agent
from test_billing import admin

NEW_PASSWORD = "Neues-Passwort-2026"


def logged_in(email, password=PASSWORD, source_ip=None):
    b = Browser(source_ip)
    b.get("/")
    res = b.post("/api/auth/login", {"email": email, "password": password})
    assert res.status == 200, res.body
    return b


def signed_out(b, timeout=15):
    """Waits until the browser's session no longer works at the gateway."""
    eventually(lambda: b.get("/api/auth/me").status == 401, timeout=timeout, interval=0.2)


class VerificationTest(unittest.TestCase):
    def test_the_link_confirms_once_and_forged_or_expired_ones_are_refused(self):
        b, email, user = signed_up("verify", verified=False)
        self.assertFalse(user["email_verified"])
        token = link_token(email, "/verify-email")
        res = b.post("/api/auth/verify", {"token": token})
        self.assertEqual(res.status, 200, res.body)
        self.assertTrue(res.json()["user"]["email_verified"])
        self.assertTrue(b.get("/api/account/profile").json()["user"]["email_verified"])
        error = assert_error(self, b.post("/api/auth/verify", {"token": token}), 400, "invalid_token")
        self.assertEqual(error["message"], "Der Link ist ungültig oder abgelaufen.")
        assert_error(self, Browser().post("/api/auth/verify", {"token": "x" * 43}), 400, "invalid_token")
        assert_error(self, b.post("/api/auth/verify/resend"), 409, "already_verified")

    def test_an_expired_link_is_refused_and_a_new_one_works(self):
        b, email, user = signed_up("verify-expired", verified=False)
        first = link_token(email, "/verify-email")
        psql(f"UPDATE auth.account_tokens SET expires_at = now() - interval '1 second' "
             f"WHERE user_id = '{user['id']}'")
        assert_error(self, b.post("/api/auth/verify", {"token": first}), 400, "invalid_token")
        res = b.post("/api/auth/verify/resend")
        self.assertEqual(res.status, 202, res.body)
        second = link_token(email, "/verify-email", known={first})
        self.assertEqual(b.post("/api/auth/verify", {"token": second}).status, 200)


class PasswordTest(unittest.TestCase):
    def test_reset_from_the_mail_link_works_once_and_ends_every_session(self):
        b, email, _ = signed_up("reset")
        other = logged_in(email)
        anonymous = Browser()
        known = anonymous.post("/api/auth/password/forgot", {"email": email.upper()})
        unknown = anonymous.post("/api/auth/password/forgot", {"email": new_email("nobody")})
        self.assertEqual((known.status, known.body), (202, unknown.body))
        token = link_token(email, "/reset-password")
        res = anonymous.post("/api/auth/password/reset", {"token": token, "password": NEW_PASSWORD})
        self.assertEqual(res.status, 200, res.body)
        signed_out(b)
        signed_out(other)
        assert_error(self, anonymous.post("/api/auth/password/reset",
                                          {"token": token, "password": "Noch-ein-Passwort-3"}),
                     400, "invalid_token")
        assert_error(self, Browser().post("/api/auth/login", {"email": email, "password": PASSWORD}), 401)
        logged_in(email, NEW_PASSWORD)

    def test_changing_the_password_ends_the_other_sessions(self):
        b, email, _ = signed_up("change")
        other = logged_in(email)
        assert_error(self, b.post("/api/auth/password/change",
                                  {"current_password": "Falsch-Falsch-1", "new_password": NEW_PASSWORD}),
                     401, "invalid_credentials")
        res = b.post("/api/auth/password/change", {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        self.assertEqual(res.status, 200, res.body)
        signed_out(other)
        self.assertEqual(b.get("/api/auth/me").status, 200)
        logged_in(email, NEW_PASSWORD)


class ThrottlingTest(unittest.TestCase):
    def test_wrong_passwords_from_one_address_do_not_lock_out_the_owner_elsewhere(self):
        _, email, _ = signed_up("throttle")
        _, other_email, _ = signed_up("throttle-other")
        attacker = Browser("127.0.0.3")
        statuses = []
        for _ in range(200):
            res = attacker.post("/api/auth/login", {"email": email, "password": "Falsch-Falsch-1"})
            statuses.append(res.status)
            if res.status == 429:
                self.assertGreater(int(res.headers["Retry-After"]), 0)
                self.assertEqual(res.json()["error"]["code"], "rate_limited")
        self.assertEqual(set(statuses), {401, 429})
        self.assertGreaterEqual(statuses.count(429), 150)
        # Even the right password from the throttled address waits.
        self.assertEqual(attacker.post("/api/auth/login", {"email": email, "password": PASSWORD}).status, 429)
        # At once from another address, and another account is unaffected.
        start = time.monotonic()
        logged_in(email, source_ip="127.0.0.4")
        self.assertLess(time.monotonic() - start, 5)
        logged_in(other_email)
        logged_in(other_email, source_ip="127.0.0.3")


def auth_rss_mib():
    """auth's resident memory (all its replicas together), read from /proc through the platform's
    pid files."""
    total = 0
    for pid in replica_pids("auth").values():
        with open(f"/proc/{pid}/status") as f:
            total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return total / 1024


class LoginBurstTest(unittest.TestCase):
    def test_fifty_logins_at_once_all_succeed_and_auths_memory_returns_to_rest(self):
        # Each Argon2id verify holds 19 MiB. Unbounded, 50 at once held about 950 MiB and kept
        # 60 MiB afterwards; auth runs one per core and gives the blocks back.
        _, email, _ = signed_up("burst")
        logged_in(email)
        rest = auth_rss_mib()
        statuses, peak = [], [rest]

        def login(i):
            b = Browser(f"127.0.1.{i + 1}")  # the gateway's per-address limit is not the subject
            b.get("/")
            statuses.append(b.post("/api/auth/login", {"email": email, "password": PASSWORD}).status)

        threads = [threading.Thread(target=login, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak.append(auth_rss_mib())
            time.sleep(0.05)
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(statuses, [200] * 50)
        self.assertLess(max(peak) - rest, 150, f"peak {max(peak):.0f} MiB, at rest {rest:.0f} MiB")
        # Back near rest once auth has trimmed what the burst freed (every 30 s); other tests
        # running meanwhile may hash a password or two (19 MiB each).
        eventually(lambda: auth_rss_mib() - rest < 45, timeout=70, interval=1)


class StatusTest(unittest.TestCase):
    def test_suspension_ends_a_signed_in_session_within_seconds_and_declines_login(self):
        b, email, user = signed_up("suspend")
        self.assertEqual(b.get("/api/auth/me").status, 200)
        res = admin().request("PATCH", f"/api/admin/users/{user['id']}", {"status": "suspended"})
        self.assertEqual(res.status, 200, res.body)
        start = time.monotonic()
        signed_out(b, timeout=10)
        self.assertLess(time.monotonic() - start, 10)
        error = assert_error(self, Browser().post("/api/auth/login", {"email": email, "password": PASSWORD}),
                             403, "account_suspended")
        self.assertIn("gesperrt", error["message"])
        res = admin().request("PATCH", f"/api/admin/users/{user['id']}", {"status": "active"})
        self.assertEqual(res.status, 200, res.body)
        logged_in(email)


class SessionsTest(unittest.TestCase):
    def test_another_owners_session_is_not_found(self):
        a, _, _ = signed_up("sessions-a")
        b, _, _ = signed_up("sessions-b")
        [mine] = a.get("/api/account/sessions").json()["items"]
        self.assertTrue(mine["current"])
        assert_error(self, b.request("DELETE", f"/api/account/sessions/{mine['id']}"), 404, "not_found")
        self.assertEqual(a.get("/api/auth/me").status, 200)
        self.assertEqual(a.request("DELETE", f"/api/account/sessions/{mine['id']}").status, 204)
        signed_out(a)


class ExportAndDeletionTest(unittest.TestCase):
    def test_export_contains_auths_data_and_every_services_part(self):
        b, email, user = signed_up("export")
        agent = create_agent(b, name="Salon Export")
        res = b.post("/api/webhooks/endpoints", {"url": "http://127.0.0.1:19199/export-hook",
                                                 "event_types": ["call.completed"]})
        self.assertEqual(res.status, 201, res.body)
        endpoint = res.json()
        # telephony-webhook learns of the agent from agent.created.
        eventually(lambda: psql("SELECT count(*) FROM telephony_webhook.agents "
                                f"WHERE agent_id = '{agent['id']}'") == "1", timeout=30)

        res = b.get("/api/account/export")
        self.assertEqual(res.status, 200, res.body[:300])
        self.assertIn('filename="kametrix-export.json"', res.headers["Content-Disposition"])
        doc = res.json()
        self.assertEqual(doc["user"]["email"], email)
        self.assertTrue(any(s["current"] for s in doc["sessions"]))
        self.assertIn("email_verified", {e["kind"] for e in doc["security_events"]})
        parts = doc["services"]
        self.assertEqual(set(parts), {"agent", "telephony-webhook", "billing", "integrations"})
        self.assertIn(agent["id"], [a["id"] for a in parts["agent"]["agents"]])
        self.assertIn(agent["id"], [a["agent_id"] for a in parts["telephony-webhook"]["agents"]])
        self.assertEqual(parts["billing"]["account"]["email"], email)
        hooks = parts["integrations"]["webhooks"]
        self.assertIn(endpoint["id"], json.dumps(hooks))
        # Secrets never leave: not the webhook signing secret, not the session token.
        body = res.body.decode()
        self.assertNotIn(endpoint["secret"], body)
        self.assertNotIn(b.cookie("kx_session"), body)

    def test_deleting_the_account_needs_the_password_and_removes_it(self):
        b, email, user = signed_up("delete")
        assert_error(self, b.request("DELETE", "/api/account", {"password": "Falsch-Falsch-1"}),
                     401, "invalid_credentials")
        res = b.request("DELETE", "/api/account", {"password": PASSWORD})
        self.assertEqual(res.status, 204, res.body)
        signed_out(b)
        self.assertEqual(psql(f"SELECT count(*) FROM auth.users WHERE id = '{user['id']}'"), "0")
        self.assertEqual(psql(f"SELECT count(*) FROM auth.security_events WHERE email = '{email}' "
                              f"OR (user_id = '{user['id']}' AND kind <> 'account_deleted')"), "0")
        assert_error(self, Browser().post("/api/auth/login", {"email": email, "password": PASSWORD}), 401)


if __name__ == "__main__":
    unittest.main()

"""Sign-up through the gateway, the user.registered event on the broker, billing's account."""
import json
import os
import subprocess
import unittest

import jsonschema

from kxplatform import (GATEWAY, PASSWORD, ROOT, Browser, assert_error, database_url, eventually,
                        new_email, psql, signed_up)


class SignUpTest(unittest.TestCase):
    def test_register_me_logout(self):
        b, email, user = signed_up()
        self.assertEqual(user["email"], email)
        self.assertEqual(user["role"], "user")
        self.assertNotIn("password_hash", user)
        me = b.get("/api/auth/me")
        self.assertEqual(me.status, 200, me.body)
        self.assertEqual(me.json()["user"]["id"], user["id"])
        out = b.post("/api/auth/logout")
        self.assertEqual(out.status, 200, out.body)
        assert_error(self, b.get("/api/auth/me"), 401)

    def test_session_cookie_attributes(self):
        b = Browser()
        res = b.post("/api/auth/register", {"email": new_email(), "password": PASSWORD, "name": "A"})
        self.assertEqual(res.status, 201, res.body)
        cookie = next(c for c in res.set_cookies() if c.startswith("kx_session="))
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Lax", cookie)
        self.assertIn("Path=/", cookie)

    def test_login_after_logout(self):
        b, email, user = signed_up()
        b.post("/api/auth/logout")
        res = b.post("/api/auth/login", {"email": email.upper(), "password": PASSWORD})
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(b.get("/api/auth/me").status, 200)

    def test_duplicate_email_is_409(self):
        _, email, _ = signed_up()
        res = Browser().post("/api/auth/register", {"email": email.upper(), "password": PASSWORD, "name": "X"})
        assert_error(self, res, 409, "email_taken")
        # Only this address (other tests sign people up meanwhile).
        self.assertEqual(psql(f"SELECT count(*) FROM auth.users WHERE lower(email) = lower('{email}')"), "1")

    def test_wrong_password_and_unknown_email_look_the_same(self):
        _, email, _ = signed_up()
        wrong = Browser().post("/api/auth/login", {"email": email, "password": "Falsches-Passwort-1"})
        unknown = Browser().post("/api/auth/login", {"email": new_email("nobody"), "password": "Falsches-Passwort-1"})
        e1 = assert_error(self, wrong, 401)
        e2 = assert_error(self, unknown, 401)
        self.assertEqual((e1["code"], e1["message"]), (e2["code"], e2["message"]))

    def test_event_reaches_the_broker_with_envelope_and_valid_data(self):
        _, email, user = signed_up("event")
        bootstrap = open(os.path.join(os.environ["KX_TEST_STATE_DIR"], "kafka.bootstrap")).read().strip()
        schema = json.load(open(os.path.join(ROOT, "proto-schemas/events/user.registered.v1.json")))

        def find():
            out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", "user.registered", "-o", "beginning",
                                  "-e", "-J", "-q"], capture_output=True, text=True, timeout=30)
            for line in out.stdout.splitlines():
                msg = json.loads(line)
                if msg.get("key") == user["id"]:
                    return msg
            return None

        msg = eventually(find, timeout=30)
        headers = dict(zip(msg["headers"][0::2], msg["headers"][1::2]))
        self.assertEqual(headers["ce_specversion"], "1.0")
        self.assertEqual(headers["ce_type"], "user.registered.v1")
        self.assertEqual(headers["ce_source"], "auth")
        self.assertEqual(headers["ce_subject"], user["id"])
        self.assertEqual(headers["content-type"], "application/json")
        self.assertRegex(headers["ce_id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertRegex(headers["ce_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        data = json.loads(msg["payload"])
        jsonschema.validate(data, schema)
        self.assertEqual(data["email"], email)

    def test_billing_opens_a_zero_balance_account(self):
        b, _, user = signed_up("billing")
        eventually(lambda: psql(f"SELECT balance_cents FROM billing.accounts WHERE user_id = '{user['id']}'") == "0",
                   timeout=30)
        res = b.get("/api/credits")
        self.assertEqual(res.status, 200, res.body)
        self.assertEqual(res.json()["balance_cents"], 0)
        self.assertTrue(res.json()["account_open"])

    def test_admin_command_and_admin_route(self):
        email = new_email("admin")
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url("auth")
        out = subprocess.run([os.path.join(ROOT, "build/services/auth/kx-auth"), "create-admin", "--email", email],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        password = out.stdout.strip().splitlines()[-1].split(": ")[-1]
        admin = Browser()
        admin.get("/")
        self.assertEqual(admin.post("/api/auth/login", {"email": email, "password": password}).status, 200)
        users = admin.get("/api/admin/users?limit=5")
        self.assertEqual(users.status, 200, users.body)
        self.assertGreaterEqual(users.json()["total"], 1)
        owner, owner_email, _ = signed_up()
        assert_error(self, owner.get("/api/admin/users"), 403)
        # Promoting an existing user works; the role reaches the gateway once the cache drops it.
        out = subprocess.run([os.path.join(ROOT, "build/services/auth/kx-auth"), "promote", "--email", owner_email],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        eventually(lambda: owner.get("/api/admin/users").status == 200, timeout=30)


if __name__ == "__main__":
    unittest.main()

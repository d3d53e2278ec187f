"""The platform's local mail: the SMTP server (infra/dev/mailserver.py) takes what is sent to
MAIL_PORT and the sandbox lists it (GET <sandbox>/mail/api/messages), decoded, with the raw
message unchanged; stopping and starting the server as the "SMTP down" tests do.

ProductMails checks the mails the integrations service sends through it. The file stops and
starts the mail server, so ctest runs it on its own (RUN_SERIAL)."""
import email
import email.policy
import json
import os
import smtplib
import time
import unittest
import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage

from kxplatform import (MAIL_PORT, PASSWORD, SANDBOX, STATE, VERIFY_SUBJECT, Browser, clear_mails,
                        eventually, link_token, mail, mails, new_email, raw_mail, start_mail_server,
                        stop_mail_server, wait_mails)
from test_calls import produce

UMLAUTS = set("äöüÄÖÜß")


def sandbox_get(path):
    try:
        with urllib.request.urlopen(SANDBOX + path, timeout=30) as res:
            return res.status, res.headers, res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def message(to, subject, text, html):
    m = EmailMessage(policy=email.policy.SMTP)
    m["From"] = "Praxis Müller <praxis@salon-beispiel.de>"
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = "Sun, 29 Nov 2026 22:15:00 +0100"
    m["Message-ID"] = f"<{uuid.uuid4().hex}@salon-beispiel.de>"
    m.set_content(text)
    m.add_alternative(html, subtype="html")
    return m


def send(to, raw, sender="praxis@salon-beispiel.de"):
    with smtplib.SMTP("127.0.0.1", MAIL_PORT, timeout=30) as smtp:
        smtp.sendmail(sender, [to], raw)


class LocalMailServer(unittest.TestCase):
    def test_a_sent_message_is_listed_decoded_and_kept_as_sent(self):
        to = new_email("mail")
        subject = "Grüße aus Köln – Ihr Termin am 3. März"
        m = message(to, subject, "Guten Tag Frau Weiß,\nbis Dienstag.\n",
                    "<p>Guten Tag Frau <b>Weiß</b>,</p><p>bis Dienstag.</p>")
        raw = m.as_bytes()
        # The subject travels RFC 2047-encoded; the sandbox shows it decoded.
        self.assertIn(b"=?utf-8?", raw.split(b"\r\n\r\n")[0])
        send(to, raw)

        [listed] = wait_mails(to, timeout=10)
        self.assertEqual(listed["to"], [to])
        self.assertEqual(listed["subject"], subject)
        self.assertEqual(listed["from"], "Praxis Müller <praxis@salon-beispiel.de>")
        self.assertEqual(listed["date"], "2026-11-29T21:15:00Z")
        self.assertEqual(listed["message_id"], m["Message-ID"])
        self.assertRegex(listed["received_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(listed["size"], len(raw))

        one = mail(listed["id"])
        self.assertEqual(one["text"], "Guten Tag Frau Weiß,\nbis Dienstag.\n")
        self.assertEqual(one["html"], "<p>Guten Tag Frau <b>Weiß</b>,</p><p>bis Dienstag.</p>\n")
        self.assertNotIn("error", one)
        self.assertEqual(raw_mail(listed["id"]), raw)

        status, headers, page = sandbox_get("/mail")
        self.assertEqual(status, 200)
        self.assertIn(f'href="/mail/{listed["id"]}"', page)
        self.assertIn("Grüße aus Köln", page)
        status, headers, page = sandbox_get(f"/mail/{listed['id']}")
        self.assertEqual(status, 200)
        self.assertIn("<iframe sandbox=", page)
        self.assertIn("&lt;b&gt;Weiß&lt;/b&gt;", page)
        self.assertIn("<pre>Guten Tag Frau Weiß,\nbis Dienstag.\n</pre>", page)

    def test_newest_first_and_per_recipient(self):
        to, other = new_email("order"), new_email("other")
        for n in range(3):
            send(to, message(to, f"Nummer {n}", "Text", "<p>HTML</p>").as_bytes())
        send(other, message(other, "Andere", "Text", "<p>HTML</p>").as_bytes())
        listed = wait_mails(to, count=3, timeout=10)
        self.assertEqual([m["subject"] for m in listed], ["Nummer 2", "Nummer 1", "Nummer 0"])
        ids = [m["id"] for m in mails()]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertGreater(mails(other)[0]["id"], listed[0]["id"])

    def test_a_message_that_cannot_be_decoded_is_still_kept(self):
        to = new_email("broken")
        raw = (b"From: a@salon-beispiel.de\r\nTo: " + to.encode() + b"\r\nSubject: Kaputt\r\n"
               b"Content-Type: text/plain; charset=x-unbekannt\r\n\r\n\xff\xfe kaputt\r\n")
        send(to, raw)
        [listed] = wait_mails(to, timeout=10)
        self.assertEqual(listed["subject"], "Kaputt")
        one = mail(listed["id"])
        self.assertIn("x-unbekannt", one["error"])
        self.assertIsNone(one["text"])
        self.assertEqual(raw_mail(listed["id"]), raw)
        self.assertEqual(sandbox_get(f"/mail/{listed['id']}")[0], 200)

    def test_too_large_messages_are_refused(self):
        to = new_email("large")
        big = b"Subject: gross\r\n\r\n" + (b"x" * 998 + b"\r\n") * 11000
        # smtplib announces the size (MAIL FROM ... SIZE=), so the server refuses it up front ...
        with self.assertRaises(smtplib.SMTPSenderRefused) as refused:
            send(to, big)
        self.assertEqual(refused.exception.smtp_code, 552)
        # ... and a client that does not is refused once the data is in.
        with smtplib.SMTP("127.0.0.1", MAIL_PORT, timeout=30) as smtp:
            smtp.ehlo()
            self.assertEqual(smtp.mail("praxis@salon-beispiel.de")[0], 250)
            self.assertEqual(smtp.rcpt(to)[0], 250)
            self.assertEqual(smtp.data(big)[0], 552)
        self.assertEqual(mails(to), [])

    def test_ids_that_leave_the_folder_are_refused(self):
        secret = os.path.join(STATE, "mail-traversal.json")
        with open(secret, "w") as f:
            json.dump({"subject": "geheim", "to": []}, f)
        try:
            for path in ("/mail/api/messages/..%2Fmail-traversal", "/mail/api/messages/..",
                         "/mail/api/messages/..%2F..%2Fpids%2Fmail/raw", "/mail/..%2Fmail-traversal"):
                status, _, body = sandbox_get(path)
                self.assertIn(status, (400, 404), path)
                self.assertNotIn("geheim", body, path)
        finally:
            os.remove(secret)

    def test_a_stopped_server_refuses_and_a_started_one_accepts(self):
        to = new_email("restart")
        stop_mail_server()
        try:
            with self.assertRaises(OSError):
                send(to, b"Subject: weg\r\n\r\nweg\r\n")
        finally:
            start_mail_server()
        send(to, b"Subject: wieder da\r\n\r\nda\r\n")
        self.assertEqual(wait_mails(to, timeout=10)[0]["subject"], "wieder da")

    def test_clear_forgets_every_mail(self):
        to = new_email("clear")
        send(to, b"Subject: gleich weg\r\n\r\nweg\r\n")
        wait_mails(to, timeout=10)
        clear_mails()
        self.assertEqual(mails(), [])


# --- the product's mails (the integrations service); enabled after its mail sending is merged ---

def sign_up(name):
    b = Browser()
    b.get("/")
    address = new_email("mail-e2e")
    res = b.post("/api/auth/register", {"email": address, "password": PASSWORD, "name": name})
    assert res.status == 201, res.body
    return b, address, res.json()["user"]


def product_mails(address):
    """The mails to `address` but the verification mail every sign-up gets (tested on its own)."""
    return [m for m in mails(address) if m["subject"] != VERIFY_SUBJECT]


def wait_product_mails(address, count=1, timeout=60.0):
    def arrived():
        found = product_mails(address)
        return found if len(found) >= count else None

    return eventually(arrived, timeout=timeout, interval=0.2)


def parsed(listed):
    """The received message parsed by Python's email package (strict about nothing, so the checks
    below say what is wrong)."""
    return email.message_from_bytes(raw_mail(listed["id"]), policy=email.policy.default)


class ProductMails(unittest.TestCase):
    def assert_well_formed(self, listed, expect_html=True):
        """multipart/alternative with UTF-8 text and HTML parts, Message-ID and Date, umlauts intact."""
        m = parsed(listed)
        self.assertEqual(m.get_content_type(), "multipart/alternative")
        self.assertTrue(m["Message-ID"], "Message-ID missing")
        self.assertIsNotNone(m["Date"].datetime)
        self.assertIn("kametrix", str(m["From"]).lower())
        text, html = m.get_body(("plain",)), m.get_body(("html",))
        self.assertIsNotNone(text)
        self.assertEqual(text.get_content_charset(), "utf-8")
        if expect_html:
            self.assertIsNotNone(html)
            self.assertEqual(html.get_content_charset(), "utf-8")
            self.assertIn("<html", html.get_content().lower())
        for part in filter(None, (str(m["Subject"]), text.get_content(), html and html.get_content())):
            self.assertNotIn("\ufffd", part)
            self.assertNotIn("Ã", part)  # UTF-8 read as Latin-1 somewhere on the way
        return m, text.get_content(), html.get_content() if html else None

    def test_sign_up_sends_one_german_welcome_mail(self):
        _, address, _ = sign_up("Jürgen Weiß")
        [listed] = wait_product_mails(address, timeout=60)
        m, text, html = self.assert_well_formed(listed)
        self.assertIn("willkommen", (listed["subject"] + text).lower())
        self.assertTrue(UMLAUTS & set(listed["subject"] + text), "no umlaut in subject or text")
        self.assertIn("Jürgen", text)
        self.assertIn("Jürgen", html)
        self.assertEqual(listed["subject"], str(m["Subject"]))
        time.sleep(3)
        self.assertEqual(len(product_mails(address)), 1)

    def test_sign_up_sends_a_verification_mail_whose_link_confirms_the_address(self):
        b, address, _ = sign_up("Jürgen Weiß")
        token = link_token(address, "/verify-email")
        [listed] = [m for m in mails(address) if m["subject"] == VERIFY_SUBJECT]
        _, text, _ = self.assert_well_formed(listed)
        self.assertIn(f"/verify-email?token={token}", text)
        res = b.post("/api/auth/verify", {"token": token})
        self.assertEqual(res.status, 200, res.body)
        self.assertTrue(res.json()["user"]["email_verified"])

    def test_credits_low_delivered_three_times_sends_one_mail(self):
        _, address, user = sign_up("Grete Möller")
        wait_product_mails(address, timeout=60)  # the welcome mail: the service knows the owner now
        event_id = str(uuid.uuid4())
        data = {"user_id": user["id"], "balance_cents": 400, "threshold_cents": 500}
        for _ in range(3):
            produce("credits.low", user["id"], user["id"], data, source="billing", event_id=event_id)
        listed = wait_product_mails(address, count=2, timeout=60)
        time.sleep(5)  # a second or third mail would have arrived by now
        listed = product_mails(address)
        self.assertEqual(len(listed), 2, [m["subject"] for m in listed])
        low = listed[0]
        self.assert_well_formed(low)
        self.assertIn("4,00", mail(low["id"])["text"])

    def test_a_purchase_sends_a_receipt(self):
        from test_billing import open_account, sandbox_request
        b, user = open_account("mail-receipt")
        address = user["email"]
        wait_product_mails(address, timeout=60)
        res = b.post("/api/checkout", {"pack_id": "starter"})
        self.assertEqual(res.status, 201, res.body)
        sandbox_request("POST", res.json()["url"] + "/pay", data=b"")
        listed = wait_product_mails(address, count=2, timeout=60)
        receipt = listed[0]
        _, text, _ = self.assert_well_formed(receipt)
        self.assertIn("10,00", text)  # the starter pack's price
        self.assertIn("1.000", text)  # its credits

    def test_mails_wait_while_the_smtp_server_is_down_and_go_out_once(self):
        stop_mail_server()
        try:
            _, address, _ = sign_up("Käthe Schütz")
            time.sleep(60)
        finally:
            start_mail_server()
        [listed] = wait_product_mails(address, timeout=240)
        self.assert_well_formed(listed)
        time.sleep(10)  # retries still in flight would deliver a second copy now
        self.assertEqual(len(product_mails(address)), 1)
        message_ids = [m["message_id"] for m in mails() if m["message_id"]]
        self.assertEqual(len(message_ids), len(set(message_ids)), "a mail was delivered twice")


if __name__ == "__main__":
    unittest.main()

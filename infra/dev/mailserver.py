#!/usr/bin/python3
"""The local platform's SMTP server: accepts every message on loopback and keeps it for the
sandbox's mail view (infra/sandbox/mail.cpp) and the black-box tests.

Each message lands in DIR as <id>.eml (the bytes as received) and <id>.json:
  {"id", "to": [envelope recipients], "from", "subject", "date", "received_at", "message_id",
   "text", "html", "size"}
Header values are decoded (RFC 2047) and the body parts decoded from their transfer encoding and
charset by Python's email package. Ids sort by arrival time and are safe as file names. A
message that cannot be parsed is still kept raw, with "error" saying why. Files are written
under a temporary name and renamed, so a reader never sees half a message, and the .json comes
last: a listed message always has its .eml.

Usage: mailserver.py --port 1025 --dir STATE/mail [--host 127.0.0.1] [--max-size BYTES]
                     [--ready-file PATH]
The ready file is created once the port is bound (so a starter does not mistake another program
on the port for this one). Stops on SIGTERM or SIGINT after closing the listener.
"""
import argparse
import asyncio
import datetime
import email
import email.policy
import json
import logging
import os
import secrets
import signal
import sys

from aiosmtpd.smtp import SMTP

log = logging.getLogger("mailserver")


class MessageIds:
    """Ids like 20261129T213620123456Z-9f3a1c: UTC arrival time to the microsecond (kept strictly
    increasing, so two messages in one microsecond still sort in arrival order) and random hex,
    so a restarted server cannot reuse an id."""

    def __init__(self):
        self.last = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)

    def next(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        if now <= self.last:
            now = self.last + datetime.timedelta(microseconds=1)
        self.last = now
        return now, now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


def iso_utc(moment, with_millis=False):
    moment = moment.astimezone(datetime.timezone.utc)
    if with_millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def body_text(message, subtype):
    part = message.get_body(preferencelist=(subtype,))
    # Lines arrive with SMTP's CRLF; JSON readers and the <pre> view want plain newlines.
    return part.get_content().replace("\r\n", "\n") if part is not None else None


def header_date(message):
    value = message["date"]
    return iso_utc(value.datetime) if value is not None and value.datetime is not None else None


FIELDS = {
    "from": lambda m: str(m["from"] or ""),
    "subject": lambda m: str(m["subject"] or ""),
    "date": header_date,
    "message_id": lambda m: str(m["message-id"] or ""),
    "text": lambda m: body_text(m, "plain"),
    "html": lambda m: body_text(m, "html"),
}


def describe(raw):
    """What the sandbox shows of a message, and what could not be read (field by field, so a
    broken body still shows its subject)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    fields, errors = {}, []
    for name, read in FIELDS.items():
        try:
            fields[name] = read(message)
        except Exception as e:  # whatever a malformed message makes the email package raise
            errors.append(f"{name}: {type(e).__name__}: {e}")
    return fields, errors


def write_atomically(path, data):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Store:
    """The aiosmtpd handler: keeps every accepted message in `directory`."""

    def __init__(self, directory):
        self.directory = directory
        self.ids = MessageIds()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        received, mail_id = self.ids.next()
        record = {"id": mail_id, "to": list(envelope.rcpt_tos), "from": envelope.mail_from or "",
                  "subject": "", "date": None, "received_at": iso_utc(received, with_millis=True),
                  "message_id": "", "text": None, "html": None, "size": len(raw)}
        try:
            fields, errors = describe(raw)
            record.update(fields)
            record["from"] = record["from"] or envelope.mail_from or ""
            if errors:
                record["error"] = "; ".join(errors)
        except Exception as e:  # a broken message is kept raw rather than refused
            record["error"] = f"{type(e).__name__}: {e}"
        try:
            write_atomically(os.path.join(self.directory, mail_id + ".eml"), raw)
            write_atomically(os.path.join(self.directory, mail_id + ".json"),
                             # Header bytes that are not UTF-8 reach Python as lone surrogates.
                             json.dumps(record, ensure_ascii=False).encode("utf-8", "replace"))
        except OSError as e:
            log.error("could not store message %s: %s", mail_id, e)
            return "451 Requested action aborted: local error in processing"
        log.info("stored %s from %s to %s (%d bytes)", mail_id, envelope.mail_from,
                 ",".join(envelope.rcpt_tos), len(raw))
        return "250 Message accepted for delivery"


async def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    store = Store(args.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(store, data_size_limit=args.max_size, enable_SMTPUTF8=True,
                     hostname="mail.kametrix.test", timeout=60),
        args.host, args.port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("listening on %s:%d, storing in %s", args.host, args.port, args.dir)
    if args.ready_file:
        write_atomically(args.ready_file, f"{args.host}:{args.port}\n".encode())
    await stop.wait()
    server.close()
    await server.wait_closed()
    if args.ready_file and os.path.exists(args.ready_file):
        os.remove(args.ready_file)
    log.info("stopped")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--ready-file", help="created once the server accepts connections")
    parser.add_argument("--max-size", type=int, default=10 * 1024 * 1024,
                        help="largest message accepted, in bytes (larger ones get 552)")
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # aiosmtpd logs every SMTP command at INFO; the stored messages are logged above.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    try:
        asyncio.run(serve(args))
    except OSError as e:  # the port taken, the folder not writable
        log.error("%s", e)
        sys.exit(1)


if __name__ == "__main__":
    main()

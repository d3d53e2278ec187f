#!/usr/bin/env python3
"""An analytics reader of Kametrix's event topics: the example docs/analytics.md describes.

Reads every event topic (the schema files' names) and, with --dead-letters, every `<topic>.dlq`,
as one consumer group; checks each event's CloudEvents headers, key and data against the rules
and the JSON Schema of its `ce_type`; stores each event id once in an SQLite file (its inbox), in
the same transaction as the event itself; and commits the Kafka offsets only after that
transaction. A redelivered event (the platform publishes at least once) is counted as a
duplicate and stored nothing new. An event that breaks a rule is stored as rejected, with why.

  reader.py --bootstrap HOST:PORT --schemas proto-schemas/events --db analytics.sqlite \\
            [--group NAME] [--dead-letters] [--until-end] [--max-seconds N]

With --until-end it stops once it has read every partition up to the end it found, and prints
a JSON summary (events, duplicates, rejected per topic); the exit status is 1 when anything was
rejected. Without it, it runs until SIGINT/SIGTERM. Runs again with the same --group and --db
resume where the last run committed.

Needs python3-confluent-kafka and python3-jsonschema (Debian packages).
"""
import argparse
import glob
import json
import os
import re
import signal
import sqlite3
import sys
import time

import jsonschema
from confluent_kafka import Consumer, KafkaException

ENVELOPE = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type")
UTC_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DEAD_LETTER_HEADERS = ("kx_error", "kx_attempts", "kx_consumer", "kx_origin")

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS events (
  ce_id TEXT PRIMARY KEY, ce_type TEXT NOT NULL, ce_source TEXT NOT NULL, ce_subject TEXT NOT NULL,
  ce_time TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
  key TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_key ON events (topic, key);
CREATE TABLE IF NOT EXISTS duplicates (
  ce_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
  PRIMARY KEY (topic, partition, "offset"));
CREATE TABLE IF NOT EXISTS rejected (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL, ce_id TEXT, key TEXT,
  reason TEXT NOT NULL, PRIMARY KEY (topic, partition, "offset"));
CREATE TABLE IF NOT EXISTS dead_letters (
  topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL, ce_id TEXT,
  ce_type TEXT, key TEXT, error TEXT, attempts TEXT, consumer TEXT, origin TEXT,
  PRIMARY KEY (topic, partition, "offset"));
"""


class Schemas:
    """The JSON Schemas by ce_type (`<type>.v<N>`), from proto-schemas/events."""

    def __init__(self, directory):
        self.by_type = {}
        for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
            name = os.path.basename(path)[:-len(".json")]
            if re.match(r"^.+\.v[1-9][0-9]*$", name):
                with open(path) as f:
                    self.by_type[name] = json.load(f)
        if not self.by_type:
            raise SystemExit(f"no <type>.v<N>.json schemas in {directory}")
        self.checker = jsonschema.FormatChecker()
        # The platform's times are ISO-8601 UTC with a Z (proto-schemas/README.md).
        self.checker.checks("date-time")(lambda v: not isinstance(v, str) or bool(UTC_TIME.match(v)))

    def topics(self):
        return sorted({t.rsplit(".", 1)[0] for t in self.by_type})

    def problems(self, ce_type, data):
        schema = self.by_type[ce_type]
        validator = jsonschema.validators.validator_for(schema)(schema, format_checker=self.checker)
        return [f"{'/'.join(map(str, e.path)) or '(data)'}: {e.message}"
                for e in sorted(validator.iter_errors(data), key=lambda e: list(e.path))]


def headers_of(message):
    out = {}
    for name, value in message.headers() or []:
        out[name] = value.decode("utf-8", "replace") if value is not None else None
    return out


def check(schemas, topic, key, headers, value):
    """(data, problems) for one event message, by the rules of docs/analytics.md."""
    problems = []
    for name in ENVELOPE:
        if not headers.get(name):
            problems.append(f"header {name} missing")
    if problems:
        return None, problems
    if headers["ce_specversion"] != "1.0":
        problems.append(f"ce_specversion {headers['ce_specversion']!r}, not 1.0")
    if headers["content-type"] != "application/json":
        problems.append(f"content-type {headers['content-type']!r}")
    if not UUID.match(headers["ce_id"]):
        problems.append(f"ce_id {headers['ce_id']!r} is no UUID")
    if not UTC_TIME.match(headers["ce_time"]):
        problems.append(f"ce_time {headers['ce_time']!r} is no ISO-8601 UTC time")
    ce_type = headers["ce_type"]
    schema = schemas.by_type.get(ce_type)
    if schema is None:
        return None, problems + [f"ce_type {ce_type!r} has no schema"]
    if ce_type.rsplit(".", 1)[0] != topic:
        problems.append(f"ce_type {ce_type!r} on topic {topic!r}")
    producers = schema.get("x-producer")
    if headers["ce_source"] not in (producers if isinstance(producers, list) else [producers]):
        problems.append(f"ce_source {headers['ce_source']!r} does not publish {ce_type}")
    try:
        data = json.loads(value)
    except (TypeError, ValueError) as e:
        return None, problems + [f"value is no JSON: {e}"]
    problems += schemas.problems(ce_type, data)
    if not isinstance(data, dict):
        return None, problems
    subject = data.get(schema.get("x-subject"))
    if headers["ce_subject"] != subject:
        problems.append(f"ce_subject {headers['ce_subject']!r} is not {schema.get('x-subject')} {subject!r}")
    owner = data.get("user_id") or data.get("admin_id")
    if key != owner:
        problems.append(f"key {key!r} is not the owner {owner!r}")
    return data, problems


class Reader:
    """Consumes with `consumer` (a confluent_kafka.Consumer subscribed with on_assign) into the
    SQLite connection `db`. Not thread-safe."""

    def __init__(self, consumer, schemas, db):
        self.consumer, self.schemas, self.db = consumer, schemas, db
        db.executescript(SCHEMA_SQL)
        self.summary = {"events": {}, "duplicates": {}, "rejected": {}, "dead_letters": {}}
        self.ends = {}  # (topic, partition) -> high watermark when assigned
        self.next_offset = {}

    def count(self, kind, topic):
        self.summary[kind][topic] = self.summary[kind].get(topic, 0) + 1

    def handle(self, message):
        """Stores one message in one SQLite transaction; returns the kind it was counted as."""
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        headers = headers_of(message)
        key = message.key().decode() if message.key() is not None else None
        with self.db:  # one transaction: the inbox row and the event together
            if topic.endswith(".dlq"):
                self.db.execute(
                    "INSERT OR IGNORE INTO dead_letters VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (topic, partition, offset, headers.get("ce_id"), headers.get("ce_type"), key,
                     *(headers.get(h) for h in DEAD_LETTER_HEADERS)))
                kind = "dead_letters"
            else:
                value = message.value()
                _, problems = check(self.schemas, topic, key, headers, value)
                seen = self.db.execute("SELECT partition FROM events WHERE topic = ? AND key = ? LIMIT 1",
                                       (topic, key)).fetchone()
                if seen and seen[0] != partition:
                    problems.append(f"key {key!r} in partitions {seen[0]} and {partition}")
                if problems:
                    self.db.execute("INSERT OR IGNORE INTO rejected VALUES (?,?,?,?,?,?)",
                                    (topic, partition, offset, headers.get("ce_id"), key, "; ".join(problems)))
                    kind = "rejected"
                else:
                    new = self.db.execute(
                        "INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (headers["ce_id"], headers["ce_type"], headers["ce_source"], headers["ce_subject"],
                         headers["ce_time"], topic, partition, offset, key, value.decode())).rowcount
                    if not new:
                        self.db.execute("INSERT OR IGNORE INTO duplicates VALUES (?,?,?,?)",
                                        (headers["ce_id"], topic, partition, offset))
                    kind = "events" if new else "duplicates"
        self.count(kind, topic)
        return kind

    def on_assign(self, consumer, partitions):
        # Where this group goes on (its committed offset, else the oldest kept) and where the
        # partition ends now: --until-end reads up to there.
        for tp in consumer.committed(partitions, timeout=10):
            low, high = consumer.get_watermark_offsets(tp, timeout=10)
            self.ends[(tp.topic, tp.partition)] = high
            self.next_offset[(tp.topic, tp.partition)] = tp.offset if tp.offset >= 0 else low

    def at_end(self):
        return bool(self.ends) and all(self.next_offset.get(tp, 0) >= high for tp, high in self.ends.items())

    def run(self, until_end, max_seconds, stop):
        deadline = time.monotonic() + max_seconds if max_seconds else None
        uncommitted = 0
        while not stop():
            if deadline and time.monotonic() > deadline:
                raise TimeoutError(f"not at the end after {max_seconds} s")
            message = self.consumer.poll(0.5)
            if message is None:
                if uncommitted:
                    self.consumer.commit(asynchronous=False)
                    uncommitted = 0
                if until_end and self.at_end():
                    break
                continue
            if message.error():
                # librdkafka retries lost connections itself; only a fatal error ends the reader.
                if message.error().fatal():
                    raise KafkaException(message.error())
                print(f"kafka: {message.error()}", file=sys.stderr, flush=True)
                continue
            self.handle(message)
            # The offset is committed only after the event's transaction.
            self.consumer.store_offsets(message)
            self.next_offset[(message.topic(), message.partition())] = message.offset() + 1
            uncommitted += 1
            if uncommitted >= 500:
                self.consumer.commit(asynchronous=False)
                uncommitted = 0
        if uncommitted:
            self.consumer.commit(asynchronous=False)


def main():
    parser = argparse.ArgumentParser(description="Reads Kametrix's event topics into SQLite.")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--schemas", required=True, help="proto-schemas/events")
    parser.add_argument("--db", required=True, help="SQLite file (created if missing)")
    parser.add_argument("--group", default="analytics-example")
    parser.add_argument("--dead-letters", action="store_true", help="also read every <topic>.dlq")
    parser.add_argument("--until-end", action="store_true", help="stop at the end of every partition")
    parser.add_argument("--max-seconds", type=float, default=0, help="give up after this long (0: never)")
    args = parser.parse_args()

    schemas = Schemas(args.schemas)
    topics = schemas.topics()
    if args.dead_letters:
        topics += [t + ".dlq" for t in topics]
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        # A new group starts at the beginning of what the broker keeps.
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "session.timeout.ms": 10000,
        "client.id": f"{args.group}-{os.getpid()}",
    })
    reader = Reader(consumer, schemas, sqlite3.connect(args.db))
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    consumer.subscribe(topics, on_assign=reader.on_assign)
    try:
        reader.run(args.until_end, args.max_seconds, lambda: bool(stopping))
    except TimeoutError as e:
        print(json.dumps(reader.summary), flush=True)
        print(str(e), file=sys.stderr)
        return 2
    finally:
        consumer.close()  # leaves the group, so a restart gets its partitions at once
    print(json.dumps(reader.summary), flush=True)
    return 1 if reader.summary["rejected"] else 0


if __name__ == "__main__":
    sys.exit(main())

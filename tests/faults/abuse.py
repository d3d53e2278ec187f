"""Slow and abusive clients at the gateway's public port: headers and bodies sent a byte at a time,
headers and bodies over the limits, thousands of idle connections, more connections from one
address than the gateway allows. Each check returns (ok, detail)."""
import os
import select
import socket
import threading
import time
import urllib.parse

from kxplatform import GATEWAY

_url = urllib.parse.urlparse(GATEWAY)
HOST, PORT = _url.hostname, _url.port
# What the gateway promises (libs/http ServerOptions, the gateway's settings).
HEADER_SECONDS = 30
BODY_SECONDS = 15
HEADER_LIMIT = 16 * 1024
CAP = int(os.environ.get("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", "256"))


def connect(source="127.0.0.1", timeout=5):
    s = socket.create_connection((HOST, PORT), timeout=timeout, source_address=(source, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    return s


def readable(s, wait):
    poll = select.poll()  # select() cannot watch descriptors above 1023
    poll.register(s, select.POLLIN)
    return bool(poll.poll(max(0, wait) * 1000))


def closed_by_server(s, wait):
    """Whether the server closed (or reset) the connection within `wait` seconds; data it sends
    first (an error answer) is read and skipped."""
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not readable(s, left):
            return False
        try:
            if not s.recv(65536):
                return True
        except OSError:
            return True


def read_answer(s, timeout=10):
    """The status code and raw text of the answer on s (until the server closes or 10 s pass)."""
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    head = data.split(b"\r\n", 1)[0].split()
    return (int(head[1]) if len(head) > 1 and head[1].isdigit() else 0), data.decode(errors="replace")


def trickle(s, data, every, until):
    """Sends data one byte per `every` seconds until the server closes; returns when it did
    (seconds since `until`'s start) or None."""
    started = time.monotonic()
    for byte in data:
        try:
            s.sendall(bytes([byte]))
        except OSError:
            return time.monotonic() - started
        if closed_by_server(s, every):
            return time.monotonic() - started
        if time.monotonic() - started > until:
            return None
    return None


def slow_headers():
    s = connect()
    s.sendall(b"GET /api/credits HTTP/1.1\r\nHost: kametrix\r\n")
    took = trickle(s, b"X-Slow: " + b"a" * 200, 1.0, HEADER_SECONDS + 15)
    s.close()
    ok = took is not None and took <= HEADER_SECONDS + 5
    return ok, f"connection cut after {took if took is None else round(took, 1)} s of a header sent a byte a second"


def slow_body():
    s = connect()
    s.sendall(b"POST /webhooks/vapi HTTP/1.1\r\nHost: kametrix\r\nContent-Type: application/json\r\n"
              b"Content-Length: 2000\r\n\r\n")
    took = trickle(s, b"{" + b" " * 1998 + b"}", 1.0, BODY_SECONDS + 15)
    s.close()
    ok = took is not None and took <= BODY_SECONDS + 5
    return ok, f"connection cut after {took if took is None else round(took, 1)} s of a body sent a byte a second"


def oversized_headers():
    s = connect()
    s.sendall(b"GET /api/credits HTTP/1.1\r\nHost: kametrix\r\nCookie: kx_session=" + b"a" * (HEADER_LIMIT + 1024)
              + b"\r\n\r\n")
    code, text = read_answer(s)
    s.close()
    return code == 431 and "header_too_large" in text, f"answer {code} to 17 KiB of headers"


def oversized_body():
    started = time.monotonic()
    s = connect()
    s.sendall(b"POST /webhooks/vapi HTTP/1.1\r\nHost: kametrix\r\nContent-Type: application/json\r\n"
              b"Content-Length: 10485760\r\n\r\n{")
    code, text = read_answer(s)
    s.close()
    declared = code == 413 and "payload_too_large" in text and time.monotonic() - started < 5
    # Chunked: no length up front, so the limit applies while the body comes in.
    s = connect()
    s.sendall(b"POST /webhooks/vapi HTTP/1.1\r\nHost: kametrix\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
    sent = 0
    try:
        while sent < 256 and not readable(s, 0):  # up to 16 MiB, until the answer comes
            s.sendall(chunk)
            sent += 1
    except OSError:
        pass
    code2, text2 = read_answer(s)
    s.close()
    chunked = code2 == 413 and "payload_too_large" in text2 and sent < 256
    return declared and chunked, (f"10 MiB announced: {code}; chunked: {code2} after {sent * 64} KiB "
                                  "were sent")


def _open(source, count):
    out = []
    for _ in range(count):
        try:
            out.append(connect(source))
        except OSError:
            break
    return out


def idle_connections(total, serve):
    """`total` idle connections from several addresses (each under the per-address cap) while
    `serve()` answers real requests; returns the check and the idle connections' fate."""
    per_address = min(200, CAP - 10) if CAP > 10 else 200
    addresses = [f"127.0.1.{i + 10}" for i in range((total + per_address - 1) // per_address)]
    held = []
    for i, ip in enumerate(addresses):
        held += _open(ip, min(per_address, total - i * per_address))
    opened = len(held)
    time.sleep(1)
    early = sum(1 for s in held if closed_by_server(s, 0.001))
    latencies = serve()
    slowest = max(latencies) if latencies else None
    # An idle connection sends no request: the gateway closes it after its idle time (30 s).
    deadline = time.monotonic() + HEADER_SECONDS + 15
    poll = select.poll()
    open_ = {s.fileno(): s for s in held}
    for fd in open_:
        poll.register(fd, select.POLLIN)
    while open_ and time.monotonic() < deadline:
        for fd, _ in poll.poll(1000):
            try:
                if open_[fd].recv(1024):
                    continue
            except OSError:
                pass
            poll.unregister(fd)
            del open_[fd]
    for s in held:
        s.close()
    ok = (opened == total and early == 0 and slowest is not None and slowest < 2.0 and not open_)
    return ok, (f"{opened} of {total} idle connections from {len(addresses)} addresses opened, {early} cut "
                f"early; {len(latencies)} requests meanwhile, slowest {slowest and round(slowest, 3)} s; "
                f"{len(open_)} still open {HEADER_SECONDS + 15} s later")


def connection_cap(serve_from):
    """CAP connections from one address stay open, the ones beyond are closed at once, and the
    address is served again as soon as it holds fewer."""
    if CAP <= 0:
        return False, "GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=0: the gateway has no cap"
    ip = "127.0.2.77"
    held = _open(ip, CAP)
    extra = _open(ip, 20)
    time.sleep(0.5)
    cut = sum(1 for s in extra if closed_by_server(s, 1.0))
    kept = sum(1 for s in held if not closed_by_server(s, 0.001))
    refused = serve_from(ip) is None
    for s in extra + held[:10]:
        s.close()
    time.sleep(0.5)
    served = serve_from(ip) is not None
    for s in held[10:]:
        s.close()
    ok = len(held) == CAP and kept == CAP and cut == len(extra) and refused and served
    return ok, (f"cap {CAP}: {kept} of {len(held)} kept, {cut} of {len(extra)} beyond the cap closed at once, "
                f"a request over the cap {'refused' if refused else 'served'}, "
                f"{'served' if served else 'refused'} again below it")


def run_all(idle_total, serve, serve_from):
    """Runs every check at once (the slow ones take half a minute); returns [(name, ok, detail)]."""
    checks = [
        ("slow headers are cut after 30 s", slow_headers),
        ("slow bodies are cut after 15 s", slow_body),
        ("oversized headers are answered 431", oversized_headers),
        ("oversized bodies are answered 413 without reading them", oversized_body),
        (f"{idle_total} idle connections are served alongside and closed when idle",
         lambda: idle_connections(idle_total, serve)),
    ]
    results = {}

    def run(name, fn):
        try:
            results[name] = fn()
        except Exception as e:  # a crashed check is a failed check with its reason
            results[name] = (False, f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=c) for c in checks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # After the idle ones are gone: the cap counts every connection of an address.
    run(f"more than {CAP} connections from one address are closed at once", lambda: connection_cap(serve_from))
    return [(name, *results[name]) for name, _ in checks] + \
        [(f"more than {CAP} connections from one address are closed at once",
          *results[f"more than {CAP} connections from one address are closed at once"])]

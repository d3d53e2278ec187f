"""Helpers for black-box tests of the running platform (started by infra/test.sh)."""
import http.client
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

GATEWAY = os.environ.get("KX_TEST_GATEWAY_URL", "")
ROOT = os.environ.get("KX_TEST_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
STATE = os.environ.get("KX_TEST_STATE_DIR", "")
PASSWORD = "Sonnenblume-7-Fenster"

if not GATEWAY:
    raise SystemExit("KX_TEST_GATEWAY_URL is not set: run the tests through infra/test.sh")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def set_cookies(self):
        return self.headers.get_all("Set-Cookie") or []


def _from_address(ip):
    """A urllib handler whose connections leave from `ip` (Linux routes all of 127.0.0.0/8 to the
    loopback interface, so 127.0.0.2, 127.0.0.3, ... are distinct client addresses locally)."""
    class Connection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            kwargs["source_address"] = (ip, 0)
            super().__init__(*args, **kwargs)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    return Handler()


class Browser:
    """A client that keeps cookies and sends the CSRF token like the dashboard does; with
    `source_ip` its requests come from that loopback address (the gateway sees it as the client)."""

    def __init__(self, source_ip=None):
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)]
        if source_ip:
            handlers.append(_from_address(source_ip))
        self.opener = urllib.request.build_opener(*handlers)

    def cookie(self, name):
        for c in self.jar:
            if c.name == name:
                return c.value
        return None

    def request(self, method, path, body=None, headers=None, raw=None, csrf=True):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(GATEWAY + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        token = self.cookie("kx_csrf")
        if csrf and token and method not in ("GET", "HEAD"):
            req.add_header("X-CSRF-Token", token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=30) as res:
                return Response(res.status, res.headers, res.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)


def new_email(prefix="test"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}@salon-beispiel.de"


def signed_up(prefix="owner", verified=True):
    """A browser with a fresh account, signed in; its e-mail address confirmed through the link of
    the verification mail unless verified=False."""
    b = Browser()
    b.get("/")
    email = new_email(prefix)
    res = b.post("/api/auth/register", {"email": email, "password": PASSWORD, "name": "Test Inhaberin"})
    assert res.status == 201, res.body
    user = res.json()["user"]
    if verified:
        user = verify_email(b, email)
    return b, email, user


VERIFY_SUBJECT = "Bitte bestätigen Sie Ihre E-Mail-Adresse"


def link_token(address, page, known=(), timeout=60.0):
    """The token of the newest mail to `address` with a link to PUBLIC_ORIGIN/<page>?token=…,
    skipping tokens in `known` (links of earlier mails)."""
    pattern = re.compile(re.escape(page) + r"\?token=([A-Za-z0-9_-]{43})")

    def newest():
        for listed in mails(address):
            found = pattern.search(mail(listed["id"])["text"] or "")
            if found and found.group(1) not in known:
                return found.group(1)
        return None

    return eventually(newest, timeout=timeout, interval=0.2)


def verify_email(b, address):
    """Confirms the address of the signed-in browser `b` with its verification mail's link; asks
    for the mail again if it does not come (another test may have cleared the mailbox)."""
    for attempt in range(3):
        try:
            token = link_token(address, "/verify-email", timeout=20)
            break
        except AssertionError:
            if attempt == 2:
                raise
            res = b.post("/api/auth/verify/resend")
            assert res.status == 202, res.body
    res = b.post("/api/auth/verify", {"token": token})
    assert res.status == 200, res.body
    user = res.json()["user"]
    # The agent service learns of it from user.updated; until then it keeps agents from going live.
    eventually(lambda: psql("SELECT email_verified FROM agent.owners "
                            f"WHERE user_id = '{user['id']}'") == "t", timeout=30)
    return user


def psql(sql):
    """Runs SQL as the superuser against the platform's database; returns stripped output."""
    uri = os.environ["KX_TEST_PG_URI"]
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", uri, "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def eventually(fn, timeout=20.0, interval=0.2):
    """Polls fn until it returns a truthy value; returns it or raises AssertionError."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")


def replica_urls(service):
    """The base URLs of a service's replicas on the test platform (its *_URL list, see
    infra/lib.sh: one for a service started once, N for N replicas)."""
    value = os.environ[service.upper().replace("-", "_") + "_URL"]
    return [u.strip().rstrip("/") for u in value.split(",") if u.strip()]


def service_url(service):
    """The base URL of a service of the test platform (its first replica)."""
    return replica_urls(service)[0]


def replicas(service):
    """A service's processes as (name, port, pid file): ("billing", port, ".../billing.pid") when
    it runs once, ("billing-1", ...), ("billing-2", ...) ... when it runs as replicas."""
    urls = replica_urls(service)
    names = [service] if len(urls) == 1 else [f"{service}-{i + 1}" for i in range(len(urls))]
    return [(name, int(url.rsplit(":", 1)[1]), os.path.join(STATE, "pids", f"{name}.pid"))
            for name, url in zip(names, urls)]


def replica_pids(service):
    """The pids of a service's running processes, by process name."""
    out = {}
    for name, _, pid_file in replicas(service):
        with open(pid_file) as f:
            out[name] = int(f.read().strip())
    return out


def metrics(url):
    """A process's Prometheus text from /metrics as {(name, frozenset(labels)): value}."""
    with urllib.request.urlopen(url + "/metrics", timeout=5) as res:
        text = res.read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, rest = series.partition("{")
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', rest))
        out[(name, labels)] = float(value)
    return out


def consumed(service, topic):
    """How many events of `topic` the service's consumers (all replicas) have finished with
    (handled, skipped as duplicates, dead-lettered, rejected or ignored), from their /metrics."""
    total = 0.0
    for url in replica_urls(service):
        for (name, labels), value in metrics(url).items():
            if name == "kx_events_consumed_total" and ("topic", topic) in labels:
                total += value
    return int(total)


def wait_consumed(service, topic, n, timeout=60.0):
    """Waits until the service has finished with at least n events of `topic` (see consumed)."""
    return eventually(lambda: consumed(service, topic) >= n, timeout=timeout, interval=0.05)


def assert_error(test, res, status, code=None):
    test.assertEqual(res.status, status, res.body[:300])
    body = res.json()
    test.assertIn("error", body)
    test.assertIsInstance(body["error"].get("message"), str)
    test.assertTrue(body["error"].get("request_id"))
    if code:
        test.assertEqual(body["error"]["code"], code)
    return body["error"]


def alive(pid):
    """Whether the process exists (a killed one is gone once the kernel reaped it)."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def kill_broker():
    """SIGKILLs the platform's dev broker (its messages and committed offsets go with it) and
    waits until it is gone."""
    with open(os.path.join(STATE, "pids", "broker.pid")) as f:
        pid = int(f.read().strip())
    os.kill(pid, signal.SIGKILL)
    eventually(lambda: not alive(pid), timeout=10, interval=0.01)


def service_env(service, port):
    """The environment a service of the test platform runs with, on another port if asked. The
    broker's address comes from the platform's state folder: a test that restarted the dev broker
    (it comes back on new ports) leaves the address there, not in this process's environment."""
    env = dict(os.environ)
    bootstrap_file = os.path.join(STATE, "kafka.bootstrap")
    if os.path.exists(bootstrap_file):
        with open(bootstrap_file) as f:
            env["KAFKA_BOOTSTRAP"] = f.read().strip()
    s = service.replace("-", "_")
    env["SERVICE_PORT"] = str(port)
    # The broker's address as it is now: the fault suite restarts the dev broker on new ports.
    with open(os.path.join(STATE, "kafka.bootstrap")) as f:
        env["KAFKA_BOOTSTRAP"] = f.read().strip()
    if service == "gateway":
        env["ADMIN_PORT"] = os.environ.get("GATEWAY_ADMIN_PORT", "0")
        env["WEB_ROOT"] = os.path.join(ROOT, "web")
        return env
    env["DATABASE_URL"] = database_url(s)
    return env


def database_url(schema):
    """A service's DATABASE_URL as infra/lib.sh's db_url makes it: through the platform's Unix
    socket when it has one."""
    password = os.environ["DB_PASSWORD_" + schema.upper()]
    port = os.environ["PG_PORT"]
    socket_file = os.path.join(STATE, "postgres.socket")
    if os.path.exists(socket_file) and os.path.getsize(socket_file) > 0:
        with open(socket_file) as f:
            return f"postgresql://kx_{schema}:{password}@/kametrix?host={f.read().strip()}&port={port}"
    return f"postgresql://kx_{schema}:{password}@127.0.0.1:{port}/kametrix"


def start_service(service, port, log_name, extra_env=None):
    """Starts a service's process the way infra/lib.sh does (detached, logging to STATE/logs) and
    waits until it is ready; returns its pid. `extra_env` overrides settings."""
    binary = os.path.join(ROOT, f"build/services/{service}/kx-{service}")
    env = service_env(service, port)
    env.update(extra_env or {})
    out = subprocess.run(["bash", "-c", 'setsid "$0" >>"$1" 2>&1 </dev/null & echo $!', binary,
                          os.path.join(STATE, "logs", log_name)],
                         env=env, capture_output=True, text=True, check=True)
    pid = int(out.stdout.strip())

    def ready():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as res:
                return res.status == 200
        except OSError:
            assert alive(pid), f"{service} on port {port} exited; see {log_name}"
            return False

    eventually(ready, timeout=60)
    return pid


def kill_platform_service(service, replica=None):
    """SIGKILLs the platform's processes of `service` (all its replicas, or the one named like
    "billing-2"); returns a function that starts them again on their ports (recorded in their pid
    files, so stopping the platform stops the new ones) and returns the new pid (of the last)."""
    killed = [(name, port, pid_file) for name, port, pid_file in replicas(service)
              if replica in (None, name)]
    assert killed, f"{service} has no replica {replica!r}"
    for _, _, pid_file in killed:
        with open(pid_file) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGKILL)
        eventually(lambda: not alive(pid), timeout=10, interval=0.01)

    def restart():
        pid = None
        for name, port, pid_file in killed:
            pid = start_service(service, port, f"{name}.log")
            with open(pid_file, "w") as f:
                f.write(str(pid))
        return pid

    return restart


def stop(pid):
    os.kill(pid, signal.SIGTERM)
    try:
        eventually(lambda: not alive(pid), timeout=30)
    except AssertionError:
        os.kill(pid, signal.SIGKILL)


# --- the platform's mail: the SMTP server (infra/dev/mailserver.py) and the sandbox's view ---

MAIL_PORT = int(os.environ.get("MAIL_PORT", "0"))
SANDBOX = os.environ.get("SANDBOX_URL", "")


def _sandbox(method, path):
    req = urllib.request.Request(SANDBOX + path, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return Response(res.status, res.headers, res.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())


def mails(to=None):
    """The mails the platform's SMTP server received, newest first (GET <sandbox>/mail/api/messages:
    id, to, from, subject, date, received_at, message_id, size); only those to `to` when given."""
    query = "?limit=1000" + (f"&to={urllib.parse.quote(to)}" if to else "")
    res = _sandbox("GET", "/mail/api/messages" + query)
    assert res.status == 200, res.body
    return res.json()


def mail(mail_id):
    """One received mail with its decoded text and html parts (None when absent)."""
    res = _sandbox("GET", f"/mail/api/messages/{mail_id}")
    assert res.status == 200, res.body
    return res.json()


def raw_mail(mail_id):
    """The message exactly as the SMTP server received it (bytes)."""
    res = _sandbox("GET", f"/mail/api/messages/{mail_id}/raw")
    assert res.status == 200, res.body
    return res.body


def wait_mails(to, count=1, timeout=60.0):
    """Waits until at least `count` mails to `to` arrived; returns them, newest first."""
    def arrived():
        found = mails(to)
        return found if len(found) >= count else None

    return eventually(arrived, timeout=timeout, interval=0.2)


def clear_mails():
    res = _sandbox("DELETE", "/mail/api/messages")
    assert res.status == 204, res.body


def _mail_pid_file():
    return os.path.join(STATE, "pids", "mail.pid")


def stop_mail_server():
    """Stops the platform's SMTP server (SIGTERM, as infra/down.sh would): senders then find
    nothing listening on MAIL_PORT until start_mail_server()."""
    with open(_mail_pid_file()) as f:
        pid = int(f.read().strip())
    stop(pid)


def start_mail_server():
    """Starts the SMTP server again the way infra/lib.sh does (detached, same port, folder and
    log, recorded in the pid file so stopping the platform stops it); returns once it listens."""
    ready = os.path.join(STATE, "mail.ready")
    if os.path.exists(ready):
        os.remove(ready)
    out = subprocess.run(
        ["bash", "-c", 'setsid "$@" >>"$0" 2>&1 </dev/null & echo $!',
         os.path.join(STATE, "logs", "mail.log"), "/usr/bin/python3",
         os.path.join(ROOT, "infra/dev/mailserver.py"), "--host", "127.0.0.1", "--port", str(MAIL_PORT),
         "--dir", os.path.join(STATE, "mail"), "--ready-file", ready],
        capture_output=True, text=True, check=True)
    pid = int(out.stdout.strip())
    with open(_mail_pid_file(), "w") as f:
        f.write(str(pid))

    def listening():
        assert alive(pid), "the mail server exited; see logs/mail.log"
        return os.path.exists(ready)

    eventually(listening, timeout=30, interval=0.05)
    return pid

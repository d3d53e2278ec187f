"""The faults the suite injects into the running platform: a service process killed with SIGKILL
(and started again), PostgreSQL stopped for a while, and the dev broker killed and started again
with every service (the in-memory broker forgets everything and comes back on new ports)."""
import glob
import os
import re
import signal
import subprocess
import urllib.error
import urllib.request

from kxplatform import ROOT, STATE, alive, eventually, start_service

SERVICES = ["auth", "agent", "telephony-webhook", "billing", "integrations"]
HERE = os.path.dirname(os.path.abspath(__file__))


def processes(service):
    """The running processes of a service as {process name: pid}: "billing" when it runs once,
    "billing-1" … "billing-N" when it runs as replicas (the pid files of infra/lib.sh)."""
    out = {}
    for path in glob.glob(os.path.join(STATE, "pids", f"{service}*.pid")):
        name = os.path.basename(path)[:-4]
        if name == service or re.fullmatch(re.escape(service) + r"-[0-9]", name):
            with open(path) as f:
                out[name] = int(f.read().strip())
    return out


def port_of(service, process):
    base = int(os.environ[service.upper().replace("-", "_") + "_PORT"])
    replica = 1 if process == service else int(process.rsplit("-", 1)[1])
    return base + 100 * (replica - 1)


def ready(port, timeout=2):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=timeout) as res:
            return res.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def every_process():
    """(service, process, pid) of every service and gateway process."""
    return [(s, p, pid) for s in SERVICES + ["gateway"] for p, pid in sorted(processes(s).items())]


def all_ready():
    return all(ready(port_of(s, p)) for s, p, _ in every_process())


def kill(service, process):
    """SIGKILLs one process of a service and starts it again on its port (recorded in its pid
    file, so stopping the platform stops the new one); returns (killed pid, new pid)."""
    pid_file = os.path.join(STATE, "pids", f"{process}.pid")
    killed = processes(service)[process]
    os.kill(killed, signal.SIGKILL)
    eventually(lambda: not alive(killed), timeout=10, interval=0.01)
    pid = start_service(service, port_of(service, process), f"{process}.log")
    with open(pid_file, "w") as f:
        f.write(str(pid))
    return killed, pid


def postgres(command):
    args = [os.path.join(ROOT, "infra/postgres/pg.sh"), command, STATE]
    if command == "up":
        args.append(os.environ["PG_PORT"])
    subprocess.run(args, check=True, capture_output=True, timeout=120)


def kill_broker():
    with open(os.path.join(STATE, "pids", "broker.pid")) as f:
        pid = int(f.read().strip())
    os.kill(pid, signal.SIGKILL)
    eventually(lambda: not alive(pid), timeout=10, interval=0.01)


def start_broker_with_services():
    """Stops the services, starts the dev broker and starts them again (tests/faults/broker.sh);
    the new bootstrap address goes into this process's environment for what it starts later.
    Returns how many seconds the services took to stop (SIGTERM; infra/lib.sh kills what is
    still running after 20 s)."""
    out = subprocess.run([os.path.join(HERE, "broker.sh")], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise AssertionError(f"broker.sh failed: {out.stderr[-2000:]}")
    with open(os.path.join(STATE, "kafka.bootstrap")) as f:
        bootstrap = f.read().strip()
    os.environ["KAFKA_BOOTSTRAP"] = bootstrap
    os.environ["KX_TEST_KAFKA_BOOTSTRAP"] = bootstrap
    return int(re.search(r"stopped_seconds=(\d+)", out.stdout).group(1))

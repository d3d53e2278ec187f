"""The faults the suite injects into the running platform: a service process killed with SIGKILL
(and started again), PostgreSQL stopped for a while, and the dev broker killed and started again
with every service (the in-memory broker forgets everything and comes back on new ports)."""
import os
import re
import subprocess
import urllib.error
import urllib.request

from kxplatform import ROOT, STATE, kill_broker, kill_platform_service, replicas

SERVICES = ["auth", "agent", "telephony-webhook", "billing", "integrations"]
HERE = os.path.dirname(os.path.abspath(__file__))


def ready(port, timeout=2):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=timeout) as res:
            return res.status == 200
    except (OSError, urllib.error.HTTPError):
        return False


def every_process():
    """(process name, port, pid) of every service and gateway process ("billing" when a service
    runs once, "billing-1" … "billing-N" when it runs as replicas)."""
    out = []
    for service in SERVICES + ["gateway"]:
        for name, port, pid_file in replicas(service):
            with open(pid_file) as f:
                out.append((name, port, int(f.read().strip())))
    return out


def all_ready():
    return all(ready(port) for _, port, _ in every_process())


def kill(service):
    """SIGKILLs the first process of a service and starts it again; returns (name, port, killed
    pid, new pid)."""
    name, port, pid_file = replicas(service)[0]
    with open(pid_file) as f:
        killed = int(f.read().strip())
    pid = kill_platform_service(service, replica=name)()
    return name, port, killed, pid


def postgres(command):
    args = [os.path.join(ROOT, "infra/postgres/pg.sh"), command, STATE]
    if command == "up":
        args.append(os.environ["PG_PORT"])
    subprocess.run(args, check=True, capture_output=True, timeout=120)


def start_broker_with_services():
    """Stops the services, starts the dev broker and starts them again (tests/faults/broker.sh;
    kxplatform starts later processes with the new bootstrap address from the state folder).
    Returns how many seconds the services took to stop (SIGTERM; infra/lib.sh kills what is
    still running after 20 s)."""
    out = subprocess.run([os.path.join(HERE, "broker.sh")], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise AssertionError(f"broker.sh failed: {out.stderr[-2000:]}")
    return int(re.search(r"stopped_seconds=(\d+)", out.stdout).group(1))

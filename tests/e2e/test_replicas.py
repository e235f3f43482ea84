"""Two replicas behind nginx, sticky by cookie: deploy/nginx.conf as shipped, on loopback.

Two ``streamlit run app.py`` replicas and Debian's nginx (``make test`` installs it) run with the
config rendered from deploy/nginx.conf (ports and file paths swapped, nothing else). Plain HTTP
clients, each with its own cookie jar, check that a new client gets the routing cookie, that each
client keeps reaching one replica (nginx names it in X-DL-Replica), that its Streamlit session
survives reconnects and reruns there, that clients spread over both replicas, and that killing
one replica moves only its own clients (who lose their session) while the other's keep theirs.
"""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ARTIFACTS, ROOT, Server, free_port
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROUTE_COOKIE = re.compile(r"dl_route=([0-9a-f]{32}); Path=/; HttpOnly; SameSite=Lax")
MOST_CLIENTS = 16  # new clients tried before giving up on seeing both replicas twice
TIMEOUT_S = 20


def render_nginx_conf(folder: Path, listen_port: int, replica_ports: list[int]) -> Path:
    """deploy/nginx.conf with loopback ports and every file inside ``folder``; each swap must match exactly once."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    temp_paths = "".join(f"\n    {kind}_temp_path {folder}/{kind};" for kind in
                         ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    servers = "\n        ".join(f"server 127.0.0.1:{port} \\1;" for port in replica_ports)
    for pattern, replacement in [
        (r"^worker_processes .*;$", "worker_processes 1;"),
        (r"^pid .*;$", f"pid {folder}/nginx.pid;"),
        (r"^error_log .*;$", f"error_log {folder}/error.log info;"),
        (r"^    access_log .*;$", f"    access_log {folder}/access.log;{temp_paths}"),
        (r"^        server app:8501 (.*);$", servers),
        (r"^        listen 80;$", f"        listen 127.0.0.1:{listen_port};"),
    ]:
        text, count = re.subn(pattern, replacement, text, flags=re.M)
        assert count == 1, f"deploy/nginx.conf no longer has one line matching {pattern}"
    path = folder / "nginx.conf"
    path.write_text(text)
    return path


class Nginx:
    """Debian's nginx in the foreground, with its pid, logs and temp files in a folder of its own."""

    def __init__(self, folder: Path, replica_ports: list[int]):
        if not Path(NGINX).exists():
            pytest.fail(f"nginx not found at {NGINX}: `make test` installs Debian's nginx")
        self.port = free_port()
        conf = render_nginx_conf(folder, self.port, replica_ports)
        self.log = open(folder / "nginx-stderr.log", "w")
        self.process = subprocess.Popen([NGINX, "-p", f"{folder}/", "-c", str(conf), "-g", "daemon off;"],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not start: {(folder / 'nginx-stderr.log').read_text()[-2000:]}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


class Client:
    """One browser, as far as nginx and Streamlit can tell: a cookie jar and a Streamlit session id."""

    def __init__(self, proxy_port: int):
        self.base = f"http://127.0.0.1:{proxy_port}"
        self.jar = http.cookiejar.CookieJar()
        # No proxy from the environment: every request stays on loopback.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar))
        self.session_id: str | None = None

    def get(self, path: str) -> tuple[str, str | None]:
        """(the replica that answered, the routing cookie nginx set or None); Streamlit's own cookies are not ours."""
        with self.opener.open(self.base + path, timeout=TIMEOUT_S) as response:
            assert response.status == 200
            response.read()
            routing = [c for c in response.headers.get_all("Set-Cookie", []) if c.startswith("dl_route=")]
            assert len(routing) <= 1
            return answered_by(response.headers["X-DL-Replica"]), (routing[0] if routing else None)

    @property
    def route(self) -> str:
        return next(c.value for c in self.jar if c.name == "dl_route")

    def rerun(self) -> tuple[str, str]:
        """Opens the app's websocket through nginx, resuming this client's session if it has one, asks for a rerun,
        and returns (the session id the server ran it in, the replica that answered)."""
        offered = ["streamlit", "no-xsrf"] + ([self.session_id] if self.session_id else [])
        with connect(f"ws://127.0.0.1:{self.base.rsplit(':', 1)[1]}/_stcore/stream", subprotocols=offered,
                     additional_headers={"Cookie": f"dl_route={self.route}"}, proxy=None,
                     open_timeout=TIMEOUT_S, close_timeout=2) as websocket:
            replica = answered_by(websocket.response.headers["X-DL-Replica"])
            rerun = BackMsg()
            rerun.rerun_script.SetInParent()
            websocket.send(rerun.SerializeToString())
            deadline = time.time() + TIMEOUT_S
            while time.time() < deadline:
                message = ForwardMsg.FromString(websocket.recv(timeout=max(0.1, deadline - time.time())))
                if message.WhichOneof("type") == "new_session":
                    self.session_id = message.new_session.initialize.session_id
                    return self.session_id, replica
        raise AssertionError("no new_session message from the server")


def answered_by(upstream_addr: str) -> str:
    """nginx lists every replica it tried ("A, B" after A refused); the last one answered."""
    return upstream_addr.split(",")[-1].strip()


@pytest.fixture
def replicas_behind_nginx(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    started: list = []
    try:
        replicas = [Server() for _ in range(2)]
        started += replicas
        nginx = Nginx(tmp_path, [r.port for r in replicas])
        started.append(nginx)
        yield replicas, nginx
    finally:
        for process in reversed(started):
            process.stop()


def test_each_client_sticks_to_one_replica_and_a_dead_replica_loses_only_its_own_sessions(replicas_behind_nginx):
    replicas, nginx = replicas_behind_nginx
    address = {f"127.0.0.1:{r.port}": r for r in replicas}

    # New clients get the routing cookie on their first response, and spread over both replicas.
    clients: dict[str, list[Client]] = {a: [] for a in address}
    for _ in range(MOST_CLIENTS):
        client = Client(nginx.port)
        replica, set_cookie = client.get("/")
        assert set_cookie is not None and ROUTE_COOKIE.fullmatch(set_cookie), set_cookie
        clients[replica].append(client)
        if all(len(c) >= 2 for c in clients.values()):
            break
    assert all(len(c) >= 2 for c in clients.values()), {a: len(c) for a, c in clients.items()}

    # Each client keeps reaching its replica, is not given a new cookie, and keeps its session across reruns.
    sessions = {}
    for replica, group in clients.items():
        for client in group:
            for path in ("/_stcore/health", "/", "/_stcore/health"):
                assert client.get(path) == (replica, None)
            session_id, answered = client.rerun()
            assert answered == replica
            for _ in range(2):
                assert client.rerun() == (session_id, replica)
            sessions[client] = session_id

    # One replica dies: its clients move to the survivor and start new sessions; the survivor's keep theirs.
    killed, survivor = list(address)
    address[killed].process.kill()
    address[killed].process.wait(timeout=10)
    for client in clients[survivor]:
        assert client.get("/") == (survivor, None)
        assert client.rerun() == (sessions[client], survivor)
    for client in clients[killed]:
        assert client.get("/") == (survivor, None)
        session_id, answered = client.rerun()
        assert answered == survivor and session_id != sessions[client]
        assert client.rerun() == (session_id, survivor)  # and from now on they stay there

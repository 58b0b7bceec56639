"""The scaled deployment on one machine, on loopback: PostgreSQL (tracker store), Redis (lock store
and channel state), nginx in front of N Rasa replicas, M stateless action servers.

    python -m bot.local_stack [--replicas 2] [--action-servers 1] [--port 8080] [--dir var/scaled]

Used by ``scripts/run_scaled.sh`` (runs until Ctrl-C), by ``tests/scale/`` and by
``scripts/bench.sh``. Everything runs as the current user from ``--dir`` (PostgreSQL as the
``postgres`` user when started as root: it refuses root); ports are free ports unless given.
Passwords are generated per data directory (``secrets.env``, mode 600) unless ``POSTGRES_PASSWORD``
/ ``REDIS_PASSWORD`` are set; the Rasa replicas read them from the environment only
(``bot/endpoints.scaled.yml``).
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "policy-assistant.tar.gz"
VENV_BIN = Path(sys.executable).parent
PACKAGES = {"postgres": "postgresql", "redis-server": "redis-server", "nginx": "nginx-light"}


TRACKER_DB = "rasa"  # Rasa's SQL tracker store
EVENTS_DB = "rasa_events"  # Rasa's SQL event broker (curator report); its table is also "events"


class StackError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Optional[Path]:
    for c in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(c, "initdb").exists() and Path(c, "pg_ctl").exists():
            return Path(c)
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def _missing() -> List[str]:
    missing = []
    if _pg_bin() is None:
        missing.append(PACKAGES["postgres"])
    for binary in ("redis-server", "nginx"):
        if not (shutil.which(binary) or Path("/usr/sbin", binary).exists()):
            missing.append(PACKAGES[binary])
    return missing


def ensure_packages() -> None:
    """Install PostgreSQL, Redis and nginx from the Debian packages when missing (apt-get)."""
    missing = _missing()
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"==> installing {' '.join(missing)} (apt-get)", file=sys.stderr)
    for cmd in (sudo + ["apt-get", "update", "-qq"], sudo + ["apt-get", "install", "-y", "-qq", *missing]):
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise StackError(
                f"could not install {' '.join(missing)} with apt-get (needs root or sudo and "
                f"the Debian mirrors): {' '.join(cmd)} exited {r.returncode}\n{r.stderr[-2000:]}"
            )
    if _missing():
        raise StackError(f"still missing after apt-get: {' '.join(_missing())}")


def _binary(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def wait_until(check, timeout: float, what: str, proc: Optional[subprocess.Popen] = None, log: Optional[Path] = None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise StackError(f"{what} exited early ({proc.returncode}), see {log}:\n{tail}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.3)
    raise StackError(f"{what} not up after {timeout:.0f} s" + (f", see {log}" if log else ""))


class Stack:
    def __init__(
        self,
        workdir: Path,
        replicas: int = 2,
        action_servers: int = 1,
        port: int = 0,
        env: Optional[Dict[str, str]] = None,
    ) -> None:
        self.dir = Path(workdir).resolve()
        self.replicas_wanted, self.action_servers_wanted = replicas, action_servers
        self.port = port or free_port()
        self.extra_env = env or {}
        self.logs = self.dir / "logs"
        self.pg_port, self.redis_port = free_port(), free_port()
        self.procs: Dict[str, subprocess.Popen] = {}
        self.rasa_ports: List[int] = []
        self.action_ports: List[int] = []
        self.run_as_postgres = os.geteuid() == 0
        self.secrets = self._secrets()
        if self.run_as_postgres:
            # PostgreSQL refuses to run as root: it runs as "postgres", which must reach the directory.
            self.dir.chmod(0o711)
            if subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(self.dir)]).returncode != 0:
                raise StackError(
                    f"the postgres user cannot enter {self.dir} (a parent directory is private): "
                    "use a directory under /tmp or var/"
                )

    # -- secrets -------------------------------------------------------------------------------
    def _secrets(self) -> Dict[str, str]:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / "secrets.env"
        known: Dict[str, str] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                k, _, v = line.partition("=")
                known[k] = v
        values = {
            "POSTGRES_PASSWORD": os.environ.get("POSTGRES_PASSWORD")
            or known.get("POSTGRES_PASSWORD")
            or secrets.token_hex(16),
            "REDIS_PASSWORD": os.environ.get("REDIS_PASSWORD") or known.get("REDIS_PASSWORD") or secrets.token_hex(16),
            "ACTION_SERVER_TOKEN": os.environ.get("ACTION_SERVER_TOKEN")
            or known.get("ACTION_SERVER_TOKEN")
            or secrets.token_hex(16),
        }
        old = os.umask(0o077)
        try:
            path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        finally:
            os.umask(old)
        return values

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def redis_url(self) -> str:
        return f"redis://:{self.secrets['REDIS_PASSWORD']}@127.0.0.1:{self.redis_port}/1"

    @property
    def events_url(self) -> str:
        return f"postgresql://rasa:{self.secrets['POSTGRES_PASSWORD']}@127.0.0.1:{self.pg_port}/{EVENTS_DB}"

    def rasa_env(self, action_port: int) -> Dict[str, str]:
        return {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
            "ACTIONS_HOST": "127.0.0.1",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
            "ACTION_SERVER_TOKEN": self.secrets["ACTION_SERVER_TOKEN"],
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(self.pg_port),
            "DB_NAME": TRACKER_DB,
            "EVENTS_DB_NAME": EVENTS_DB,
            "EVENTS_DB_URL": self.events_url,  # the curator report reads what the broker wrote
            "DB_USER": "rasa",
            "DB_PASSWORD": self.secrets["POSTGRES_PASSWORD"],
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(self.redis_port),
            "REDIS_PASSWORD": self.secrets["REDIS_PASSWORD"],
            "REDIS_LOCK_DB": "0",
            "CHANNEL_STATE_REDIS_URL": self.redis_url,
            **self.extra_env,
        }

    # -- PostgreSQL ----------------------------------------------------------------------------
    def _pg(self, args: List[str], **kw) -> subprocess.CompletedProcess:
        cmd = [str(_pg_bin() / args[0]), *args[1:]]
        if self.run_as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, **kw)

    def start_postgres(self) -> None:
        data = self.dir / "pg"
        sock = self.dir / "pgsock"
        sock.mkdir(exist_ok=True)
        if self.run_as_postgres:
            shutil.chown(sock, "postgres")
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            pwfile = self.dir / "pg.pw"
            pwfile.write_text(self.secrets["POSTGRES_PASSWORD"] + "\n")
            if self.run_as_postgres:
                for p in (data, pwfile):
                    shutil.chown(p, "postgres")
            r = self._pg(
                [
                    "initdb",
                    "-D",
                    str(data),
                    "-U",
                    "rasa",
                    "--pwfile",
                    str(pwfile),
                    "-A",
                    "scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale",
                    "C.UTF-8",
                ]
            )
            pwfile.unlink()
            if r.returncode != 0:
                raise StackError(f"initdb failed: {r.stderr[-2000:]}")
        self.pg_log = self.logs / "postgres.log"
        self.pg_log.touch()
        if self.run_as_postgres:
            shutil.chown(self.pg_log, "postgres")
        opts = (
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {sock} -c max_connections=200 "
            f"-c shared_buffers=128MB -c synchronous_commit=on -c fsync=on"
        )
        r = self._pg(["pg_ctl", "-D", str(data), "-l", str(self.pg_log), "-o", opts, "-w", "-t", "60", "start"])
        if r.returncode != 0:
            raise StackError(f"PostgreSQL did not start: {r.stderr[-1000:]}\n{self.pg_log.read_text()[-2000:]}")
        for name in (TRACKER_DB, EVENTS_DB):
            if self.psql(f"SELECT 1 FROM pg_database WHERE datname='{name}'", database="postgres") != "1":
                env = {**os.environ, "PGPASSWORD": self.secrets["POSTGRES_PASSWORD"]}
                r = subprocess.run(
                    [str(_pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "rasa", name],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if r.returncode != 0:
                    raise StackError(f"createdb {name} failed: {r.stderr}")

    def stop_postgres(self, mode: str = "fast") -> None:
        self._pg(["pg_ctl", "-D", str(self.dir / "pg"), "-m", mode, "-w", "stop"])

    def psql(self, sql: str, database: str = TRACKER_DB) -> str:
        env = {**os.environ, "PGPASSWORD": self.secrets["POSTGRES_PASSWORD"]}
        r = subprocess.run(
            [
                str(_pg_bin() / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "rasa",
                "-d",
                database,
                "-tAc",
                sql,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if r.returncode != 0:
            raise StackError(f"psql failed: {r.stderr}")
        return r.stdout.strip()

    # -- Redis ---------------------------------------------------------------------------------
    def start_redis(self) -> None:
        data = self.dir / "redis"
        data.mkdir(exist_ok=True)
        conf = self.dir / "redis.conf"
        conf.write_text(
            f"bind 127.0.0.1\nport {self.redis_port}\nprotected-mode yes\ndaemonize no\n"
            f'dir {data}\nappendonly yes\nappendfsync everysec\nsave ""\n'
            f"logfile {self.logs / 'redis.log'}\nmaxmemory 512mb\nmaxmemory-policy noeviction\n"
            f"requirepass {self.secrets['REDIS_PASSWORD']}\n"
        )
        conf.chmod(0o600)
        self.procs["redis"] = subprocess.Popen(
            [_binary("redis-server"), str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.redis_port, password=self.secrets["REDIS_PASSWORD"])
        wait_until(client.ping, 30, "Redis", self.procs["redis"], self.logs / "redis.log")

    def stop_redis(self) -> None:
        self._stop("redis")

    # -- action servers and Rasa replicas --------------------------------------------------
    def _port(self, ports: List[int], i: int) -> int:
        """The i-th port of a kind of process: the one it had (a restart), else a new free one."""
        if i >= len(ports):
            ports.append(free_port())
        return ports[i]

    def _launch(self, name: str, what: str, cmd: List[str], env: Dict[str, str], health_url: str) -> None:
        """Start one process, its output in logs/<name>.log; it is ready when ``health_url`` answers."""
        log = self.logs / f"{name}.log"
        self.procs[name] = p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self._pending.append((lambda: requests.get(health_url, timeout=2).ok, what, p, log))

    def start_action_server(self, i: int) -> None:
        port = self._port(self.action_ports, i)
        cmd = [sys.executable, "-m", "bot.action_server", "--port", str(port)]
        self._launch(f"actions-{i}", f"action server {i}", cmd, self.rasa_env(port), f"http://127.0.0.1:{port}/health")

    def start_replica(self, i: int, wait: bool = True) -> None:
        if not MODEL.exists():
            raise StackError(f"no trained model at {MODEL}: run scripts/run.sh or scripts/test.sh first")
        port = self._port(self.rasa_ports, i)
        env = self.rasa_env(self.action_ports[i % len(self.action_ports)])
        api = ["--enable-api", "--auth-token", env["RASA_API_TOKEN"]] if env.get("RASA_API_TOKEN") else []
        cmd = [
            str(VENV_BIN / "rasa"),
            "run",
            "--model",
            str(MODEL),
            "--endpoints",
            str(ROOT / "bot" / "endpoints.scaled.yml"),
            "--credentials",
            str(self.credentials),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            *api,
        ]
        self._launch(f"rasa-{i}", f"Rasa replica {i}", cmd, env, f"http://127.0.0.1:{port}/webhooks/rest/")
        if wait:
            self._wait_pending()

    def _wait_pending(self, timeout: float = 300) -> None:
        for check, what, proc, log in self._pending:
            wait_until(check, timeout, what, proc, log)
        self._pending = []

    def add_replica(self) -> int:
        """One more Rasa replica, added to nginx's upstreams (reload without dropping connections)."""
        i = len(self.rasa_ports)
        self.start_replica(i)
        self.reload_nginx()
        return i

    def reload_nginx(self) -> None:
        (self.dir / "nginx.conf").write_text(self.nginx_conf())
        self.procs["nginx"].send_signal(signal.SIGHUP)
        time.sleep(1.0)

    def kill_replica(self, i: int, sig: int = signal.SIGKILL) -> None:
        p = self.procs.pop(f"rasa-{i}")
        p.send_signal(sig)
        p.wait(timeout=30)

    # -- nginx ---------------------------------------------------------------------------------
    def nginx_conf(self) -> str:
        servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in self.rasa_ports)
        tmp = self.dir / "nginx"
        user = pwd.getpwuid(os.geteuid()).pw_name
        return f"""# generated by bot/local_stack.py (see deploy/nginx/policy-assistant.conf for real hosts)
{"user " + user + ";" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {self.logs}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  client_max_body_size 128k;
  upstream rasa_round_robin {{
{servers}    keepalive 64;
  }}
  upstream rasa_sticky {{
    ip_hash;
{servers}  }}
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen 127.0.0.1:{self.port};
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_read_timeout 60s;
    proxy_next_upstream error timeout http_502;
    location /socket.io/ {{
      proxy_pass http://rasa_sticky;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
    }}
    location / {{
      proxy_pass http://rasa_round_robin;
      proxy_set_header Connection "";
    }}
  }}
}}
"""

    def start_nginx(self) -> None:
        tmp = self.dir / "nginx"
        tmp.mkdir(exist_ok=True)
        conf = self.dir / "nginx.conf"
        conf.write_text(self.nginx_conf())
        log = self.logs / "nginx.log"
        self.procs["nginx"] = p = subprocess.Popen(
            [_binary("nginx"), "-c", str(conf), "-p", str(tmp)], stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        wait_until(lambda: requests.get(f"{self.url}/webhooks/rest/", timeout=2).status_code < 500, 30, "nginx", p, log)

    # -- all -----------------------------------------------------------------------------------
    def start(self) -> "Stack":
        ensure_packages()
        self.logs.mkdir(parents=True, exist_ok=True)
        self._pending: list = []
        self.credentials = self.dir / "credentials.yml"
        creds = (ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8")
        if self.extra_env.get("WECHAT_TOKEN") or os.environ.get("WECHAT_TOKEN"):
            creds += "\nbot.channels.wechat.WeChatInput:\n  token: ${WECHAT_TOKEN}\n"
        self.credentials.write_text(creds, encoding="utf-8")
        try:
            self.start_postgres()
            self.start_redis()
            for i in range(self.action_servers_wanted):
                self.start_action_server(i)
            self._wait_pending()
            for i in range(self.replicas_wanted):
                self.start_replica(i, wait=False)
            self._wait_pending()
            self.start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def _stop(self, name: str) -> None:
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)

    def stop(self) -> None:
        for name in (
            [n for n in self.procs if n == "nginx"]
            + [n for n in self.procs if n.startswith("rasa")]
            + [n for n in self.procs if n.startswith("actions")]
            + ["redis"]
        ):
            self._stop(name)
        if (self.dir / "pg" / "postmaster.pid").exists():
            self.stop_postgres()

    def pids(self) -> Dict[str, int]:
        out = {n: p.pid for n, p in self.procs.items() if p.poll() is None}
        pidfile = self.dir / "pg" / "postmaster.pid"
        if pidfile.exists():
            try:
                out["postgres"] = int(pidfile.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        return out

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", 2)))
    parser.add_argument("--action-servers", type=int, default=int(os.environ.get("ACTION_SERVERS", 1)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)))
    parser.add_argument("--dir", default=os.environ.get("SCALED_DIR", str(ROOT / "var" / "scaled")))
    args = parser.parse_args(argv)
    stack = Stack(Path(args.dir), args.replicas, args.action_servers, args.port)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        stack.start()
        print(
            f"""
政策助手（多副本）已启动 / The scaled assistant is running:
  nginx (entry):   {stack.url}   REST {stack.url}/webhooks/rest/webhook, web chat {stack.url}/webhooks/web/
  Rasa replicas:   {", ".join(f"127.0.0.1:{p}" for p in stack.rasa_ports)}
  action servers:  {", ".join(f"127.0.0.1:{p}" for p in stack.action_ports)}
  PostgreSQL:      127.0.0.1:{stack.pg_port} (data {stack.dir / "pg"})   Redis: 127.0.0.1:{stack.redis_port}
  secrets:         {stack.dir / "secrets.env"}   logs: {stack.logs}
Press Ctrl-C to stop everything.""",
            flush=True,
        )
        while not stop and all(p.poll() is None for p in stack.procs.values()):
            time.sleep(1)
        dead = [n for n, p in stack.procs.items() if p.poll() is not None]
        if dead:
            print(f"stopped: {', '.join(dead)} exited (see {stack.logs})", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        pass
    except StackError as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

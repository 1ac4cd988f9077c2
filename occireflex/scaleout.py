"""Scale-out mode: ``occireflex serve-scaled --workers N --port P`` (``make run-scaled``).

N Reflex backends (one granian worker each, on 127.0.0.1:8001…800N) keep every session's
state in Redis (Reflex's Redis state manager), behind nginx on one address, with the
scheduler sidecar beside them (its database lease lets exactly one sweep, however many
machines start one). Each backend also serves the compiled pages: the page policy (CSP)
lists each page's inline scripts by hash, computed by the app from the document it sends,
so nginx only balances. Reflex's socket is websocket-only, so no stickiness is needed: a
reconnect may land on any backend and loads the session's state from Redis.

Start-up, in order: Redis' ``notify-keyspace-events`` set to what Reflex needs (and said
so, with the previous value), the frontend built once (``reflex export``) with the API at
nginx's address (reused while sources and address are unchanged), the backends, nginx
(config and logs in the run dir, never /etc), the scheduler. The Redis setting, the build
stamp and the nginx config are in ``scaleout_setup.py``. A backend that dies is restarted
after a few seconds; meanwhile nginx skips it. SIGTERM/SIGINT stop everything (the
scheduler finishes its batch and frees the lease).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from occireflex.scaleout_setup import (
    BUILD_STAMP,
    ScaleoutError,
    build_fingerprint,
    configure_redis,
    find_nginx,
    nginx_config,
    nginx_user,
)
from occireflex.settings import PROJECT_ROOT, settings

BACKEND_PORT = 8001
RESTART_DELAY = 5.0
READY_TIMEOUT = 180.0

log = logging.getLogger("occireflex.escalado")


# --------------------------------------------------------------------------- processes


def backend_env(base: dict[str, str], redis_url: str, port: int, ignore_config: bool) -> dict:
    env = dict(base)
    env.update({
        "REFLEX_REDIS_URL": redis_url,
        "REFLEX_ENV_MODE": "prod",
        "GRANIAN_WORKERS": "1",  # one process per backend: nginx balances between them
        "REFLEX_TRUSTED_PROXY_HOPS": "1",  # the client's IP from nginx's X-Forwarded-For
        "OCCIREFLEX_TRUSTED_PROXY_HOPS": "1",  # the same for the IP rules (domain/network.py)
        "OCCIREFLEX_BACKEND_PORT": str(port),
    })
    # the oplock keeps state in the worker for seconds: a SIGKILL would lose it (README)
    env.setdefault("REFLEX_OPLOCK_ENABLED", "false")
    if ignore_config:
        env["REFLEX_IGNORE_REDIS_CONFIG_ERROR"] = "true"
    return env


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    died_at: float | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, cwd=PROJECT_ROOT, env=self.env,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.died_at = None

    def signal_group(self, signum: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass


@dataclass
class Launcher:
    workers: int
    port: int
    run_dir: Path
    backend_port: int = BACKEND_PORT
    build: bool = True
    scheduler: bool = True
    redis_url: str = field(default_factory=lambda: settings.redis_url)
    stopping: bool = False
    children: list[Child] = field(default_factory=list)

    @property
    def backend_ports(self) -> list[int]:
        return [self.backend_port + i for i in range(self.workers)]

    def _base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("OCCIREFLEX_ALLOWED_ORIGINS",
                       f"http://localhost:{self.port},http://127.0.0.1:{self.port}")
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def check(self) -> str:
        if not settings.db_url.startswith("postgresql"):
            raise ScaleoutError("El modo escalado necesita PostgreSQL: defina OCCIREFLEX_DB_URL "
                                "(p. ej. postgresql://usuario@host:5432/base).")
        nginx = find_nginx()
        if nginx is None:
            raise ScaleoutError("nginx no está instalado: make scaled-deps (apt-get install nginx).")
        return nginx

    def build_frontend(self, env: dict[str, str]) -> None:
        env = dict(env)
        env.setdefault("REFLEX_API_URL", f"http://localhost:{self.port}")
        web = PROJECT_ROOT / env.get("REFLEX_WEB_WORKDIR", ".web")
        stamp, fingerprint = web / BUILD_STAMP, build_fingerprint(env["REFLEX_API_URL"])
        if (web / "build" / "client").is_dir() and stamp.is_file() \
                and stamp.read_text() == fingerprint:
            log.info("Frontend ya compilado para %s con este código: se reutiliza.",
                     env["REFLEX_API_URL"])
            return
        log.info("Compilando el frontend una vez (API en %s)…", env["REFLEX_API_URL"])
        stamp.unlink(missing_ok=True)
        reflex = Path(sys.executable).with_name("reflex")
        result = subprocess.run([str(reflex), "export", "--frontend-only", "--no-zip",
                                 "--env", "prod"], cwd=PROJECT_ROOT, env=env)
        if result.returncode != 0:
            raise ScaleoutError(f"La compilación del frontend falló (código {result.returncode}).")
        stamp.write_text(fingerprint)

    def prepare(self) -> tuple[str, bool]:
        nginx = self.check()
        line, ignore = configure_redis(self.redis_url)
        log.info("%s", line)
        base = self._base_env()
        if self.build:
            self.build_frontend(base)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "tmp").mkdir(exist_ok=True)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_config(self.port, self.backend_ports, self.run_dir,
                                     user=nginx_user()))
        test = subprocess.run([nginx, "-t", "-q", "-p", str(self.run_dir), "-c", str(conf)],
                              capture_output=True, text=True)
        if test.returncode != 0:
            raise ScaleoutError(f"La configuración de nginx no es válida:\n{test.stderr}")
        py = sys.executable
        for port in self.backend_ports:
            self.children.append(Child(f"backend {port}", [py, "-m", "occireflex.scaleout",
                                                           "backend", str(port)],
                                       backend_env(base, self.redis_url, port, ignore)))
        self.children.append(Child("nginx", [nginx, "-p", str(self.run_dir), "-c", str(conf),
                                             "-g", "daemon off;"], base))
        if self.scheduler:
            self.children.append(Child("programador", [py, "-m", "occireflex.scheduler"], base))
        return line, ignore

    def _wait_ready(self, url: str, child: Child) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not _http_ok(url):
            if self.stopping:
                return
            if child.proc is not None and child.proc.poll() is not None:
                raise ScaleoutError(f"{child.name} terminó al arrancar "
                                    f"(código {child.proc.returncode}).")
            if time.monotonic() > deadline:
                raise ScaleoutError(f"{child.name} no respondió en {READY_TIMEOUT:.0f} s.")
            time.sleep(0.5)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            log.info("Señal %s recibida: se detiene el modo escalado.", signal.Signals(signum).name)
        self.stopping = True

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        try:
            self.prepare()
            backends = [c for c in self.children if c.name.startswith("backend")]
            for child in self.children:
                if child.name == "nginx":
                    for backend, port in zip(backends, self.backend_ports, strict=True):
                        self._wait_ready(f"http://127.0.0.1:{port}/ping", backend)
                if not self.stopping:
                    child.start()
            nginx = next(c for c in self.children if c.name == "nginx")
            self._wait_ready(f"http://127.0.0.1:{self.port}/ping", nginx)
            if not self.stopping:
                log.info("OcciReflex escalado en http://localhost:%d: %d backends (puertos %s) "
                         "detrás de nginx, estado de Reflex en Redis%s.", self.port,
                         self.workers, ", ".join(map(str, self.backend_ports)),
                         ", programador con concesión" if self.scheduler else "")
            self._watch()
        except ScaleoutError as exc:
            log.error("%s", exc)
            return 1
        finally:
            self.stop()
        return 0

    def _watch(self) -> None:
        while not self.stopping:
            time.sleep(0.3)
            for child in self.children:
                if child.proc is None or child.proc.poll() is None:
                    continue
                if child.died_at is None:
                    code = child.proc.returncode
                    how = (f"señal {signal.Signals(-code).name}" if code < 0 else f"código {code}")
                    child.signal_group(signal.SIGKILL)  # its granian worker, if orphaned
                    if child.name == "nginx":
                        raise ScaleoutError(f"nginx terminó ({how}); ver "
                                            f"{self.run_dir / 'nginx-error.log'}.")
                    log.warning("%s terminó (%s): se reinicia en %.0f s; nginx lo omite mientras "
                                "tanto.", child.name.capitalize(), how, RESTART_DELAY)
                    child.died_at = time.monotonic()
                elif time.monotonic() - child.died_at >= RESTART_DELAY:
                    log.info("Reiniciando %s.", child.name)
                    child.start()

    def stop(self) -> None:
        self.stopping = True
        order = sorted(self.children, key=lambda c: c.name != "nginx")  # nginx first
        for child in order:
            if child.proc is not None and child.proc.poll() is None:
                child.signal_group(signal.SIGQUIT if child.name == "nginx" else signal.SIGTERM)
        deadline = time.monotonic() + 30
        for child in order:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.signal_group(signal.SIGKILL)
                child.proc.wait(timeout=10)
            child.signal_group(signal.SIGKILL)  # leftovers of its process group
        if self.children:
            log.info("Modo escalado detenido.")


# --------------------------------------------------------------------------- entry points


def run_backend(port: int) -> int:
    """One backend (``python -m occireflex.scaleout backend PORT``), env from the launcher:
    what ``reflex run --env prod --single-port`` does after its build, minus the build."""
    from reflex.utils.exec import run_granian_backend_prod
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    # Reflex-internal switches (their variables are «__REFLEX_…»): set them its own way
    environment.REFLEX_SKIP_COMPILE.set(True)  # the launcher built the frontend once
    environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.set(True)  # pages served with our headers
    host = os.environ.get("OCCIREFLEX_BACKEND_HOST", "127.0.0.1")
    run_granian_backend_prod(host, port, get_config().loglevel.subprocess_level())
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=2,
                        help="backends (procesos) detrás de nginx (predeterminado 2)")
    parser.add_argument("--port", type=int, default=3000,
                        help="puerto de nginx, la dirección del portal (predeterminado 3000)")
    parser.add_argument("--backend-port", type=int, default=BACKEND_PORT,
                        help=f"puerto del primer backend (predeterminado {BACKEND_PORT})")
    parser.add_argument("--run-dir", default=None,
                        help="configuración y registro de nginx (predeterminado "
                             "INSTANCE_DIR/escalado)")
    parser.add_argument("--no-build", action="store_true",
                        help="no compilar el frontend (ya compilado con la misma dirección)")
    parser.add_argument("--no-scheduler", action="store_true",
                        help="sin programador en esta máquina")


def configure_logging() -> None:
    logging.addLevelName(logging.WARNING, "AVISO")
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, force=True,
                        format="%(asctime)s %(levelname)s escalado: %(message)s")


def run(args: argparse.Namespace) -> int:
    configure_logging()
    if not 1 <= args.workers <= 64:
        log.error("--workers debe estar entre 1 y 64.")
        return 2
    run_dir = Path(args.run_dir) if args.run_dir else settings.instance_dir / "escalado"
    return Launcher(workers=args.workers, port=args.port, run_dir=run_dir.resolve(),
                    backend_port=args.backend_port, build=not args.no_build,
                    scheduler=not args.no_scheduler).run()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["backend"] and len(argv) == 2 and argv[1].isdigit():
        return run_backend(int(argv[1]))
    parser = argparse.ArgumentParser(
        prog="python -m occireflex.scaleout",
        description="OcciReflex escalado: N backends con estado en Redis detrás de nginx.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

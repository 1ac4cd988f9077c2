"""Scale-out mode, without a browser: the Redis setting Reflex needs is set by our start-up
and said so (the value Reflex's source sets, the previous value, flags it drops, a managed
Redis that forbids CONFIG), the nginx configuration nginx accepts, and the backends' env.
The real start-up line and the server's value are asserted again in tests/e2e/test_scaleout.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from occireflex import scaleout, scaleout_setup
from tests.redis_server import private_redis


@pytest.fixture
def redis_url(tmp_path) -> str:
    with private_redis(tmp_path) as url:
        yield url


def config_value(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url)
    try:
        value = client.config_get("notify-keyspace-events")["notify-keyspace-events"]
        return value.decode() if isinstance(value, bytes) else value
    finally:
        client.close()


def test_the_value_is_the_one_reflex_sets():
    from reflex.istate.manager.redis import NOTIFY_KEYSPACE_EVENTS

    assert scaleout_setup.REDIS_KEYSPACE_EVENTS == NOTIFY_KEYSPACE_EVENTS == "K$sgxe"  # README too
    readme = (Path(scaleout.__file__).parents[1] / "README.md").read_text()
    assert "notify-keyspace-events K$sgxe" in readme


def test_start_up_sets_it_and_says_so_with_the_previous_value(redis_url):
    assert config_value(redis_url) == ""  # a fresh server: Reflex has not touched it
    line, ignore = scaleout_setup.configure_redis(redis_url)
    assert set(config_value(redis_url)) == set("K$sgxe")  # Redis reorders the flags
    assert not ignore
    assert "notify-keyspace-events = «K$sgxe» (antes: «»)" in line
    assert "Reflex" in line and "base 3" in line


def test_flags_another_application_needed_are_named_when_dropped(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.config_set("notify-keyspace-events", "Elh")
    client.close()
    line, _ = scaleout_setup.configure_redis(redis_url)
    assert "Se quitan «Ehl»" in line
    assert set(config_value(redis_url)) == set("K$sgxe")


def test_a_redis_that_forbids_config_must_be_set_out_of_band(redis_url):
    import redis

    admin = redis.Redis.from_url(redis_url)
    admin.acl_setuser("portal", enabled=True, passwords=["+clave"], keys=["*"], channels=["*"],
                      commands=["+@all", "-config", "+config|get"])
    limited = redis_url.replace("redis://", "redis://portal:clave@")
    with pytest.raises(scaleout_setup.ScaleoutError, match="notify-keyspace-events K\\$sgxe"):
        scaleout_setup.configure_redis(limited)
    admin.config_set("notify-keyspace-events", "KA")  # the operator did it (a superset)
    admin.close()
    line, ignore = scaleout_setup.configure_redis(limited)
    assert ignore  # the backends then get REFLEX_IGNORE_REDIS_CONFIG_ERROR
    assert "fuera de banda" in line
    env = scaleout.backend_env({}, limited, 8001, ignore)
    assert env["REFLEX_IGNORE_REDIS_CONFIG_ERROR"] == "true"


def test_no_redis_is_a_spanish_error():
    with pytest.raises(scaleout_setup.ScaleoutError, match="No hay conexión con Redis"):
        scaleout_setup.configure_redis("redis://127.0.0.1:1/3")


def test_backend_env():
    env = scaleout.backend_env({"PATH": "/bin"}, "redis://h:6379/3", 8002, False)
    assert env["REFLEX_REDIS_URL"] == "redis://h:6379/3"
    assert env["REFLEX_ENV_MODE"] == "prod" and env["GRANIAN_WORKERS"] == "1"
    assert env["REFLEX_OPLOCK_ENABLED"] == "false"  # a SIGKILL would lose the held state
    assert env["REFLEX_TRUSTED_PROXY_HOPS"] == "1"
    assert "REFLEX_IGNORE_REDIS_CONFIG_ERROR" not in env
    assert scaleout.backend_env({"REFLEX_OPLOCK_ENABLED": "true"}, "r", 1, False)[
        "REFLEX_OPLOCK_ENABLED"] == "true"  # the operator's explicit choice stands


def test_nginx_config_balances_websockets_and_skips_dead_backends(tmp_path):
    conf = scaleout_setup.nginx_config(3000, [8001, 8002, 8003], tmp_path)
    for port in (8001, 8002, 8003):
        assert f"server 127.0.0.1:{port} max_fails=1" in conf
    assert "listen 3000;" in conf
    assert "proxy_next_upstream error timeout http_502 http_503;" in conf
    assert "proxy_next_upstream_tries 3;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "location /_event" in conf and "location = /_upload" in conf
    assert "ip_hash" not in conf and "sticky" not in conf  # websocket-only: no stickiness
    assert str(tmp_path) in conf and "/etc/" not in conf
    nginx = scaleout_setup.find_nginx()
    if nginx is None:
        pytest.skip("nginx no está instalado (make scaled-deps): solo se revisó el texto")
    (tmp_path / "tmp").mkdir()
    path = tmp_path / "nginx.conf"
    path.write_text(scaleout_setup.nginx_config(3000, [8001, 8002], tmp_path,
                                          user=scaleout_setup.nginx_user()))
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_launcher_refuses_sqlite_and_a_missing_nginx(tmp_path, monkeypatch):
    launcher = scaleout.Launcher(workers=2, port=3000, run_dir=tmp_path)
    monkeypatch.setattr(scaleout, "settings", type("S", (), {"db_url": "sqlite:///x.db"}))
    with pytest.raises(scaleout_setup.ScaleoutError, match="necesita PostgreSQL"):
        launcher.check()
    monkeypatch.setattr(scaleout, "settings", type("S", (), {"db_url": "postgresql://x/y"}))
    monkeypatch.setattr(scaleout, "find_nginx", lambda: None)
    with pytest.raises(scaleout_setup.ScaleoutError, match="make scaled-deps"):
        launcher.check()



# --------------------------------------------------------------------------- failover

_HOLDER = """
import asyncio, sys
import redis.asyncio as aredis
from occireflex.web.failover import FailoverTokenManager

async def main():
    manager = FailoverTokenManager(aredis.Redis.from_url(sys.argv[1]))
    assert await manager.link_token_to_sid("tok", "sid-a") is None
    print("enlazado", flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def test_a_killed_backends_browser_keeps_its_token_a_live_ones_second_tab_does_not(redis_url):
    import asyncio
    import os
    import signal
    import sys

    import redis.asyncio as aredis
    from reflex.utils.token_manager import RedisTokenManager

    from occireflex.web.failover import FailoverTokenManager

    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, redis_url], stdout=subprocess.PIPE,
                              text=True, cwd=Path(scaleout.__file__).parents[1],
                              env=os.environ | {"PYTHONUNBUFFERED": "1"})
    try:
        assert holder.stdout.readline().strip() == "enlazado"

        async def link(manager_class, sid: str) -> str | None:
            client = aredis.Redis.from_url(redis_url)
            try:
                return await manager_class(client).link_token_to_sid("tok", sid)
            finally:
                await client.aclose()

        # the backend lives: a second tab with the same token gets a new one (Reflex's rule)
        assert asyncio.run(link(FailoverTokenManager, "sid-b")) not in (None, "tok")
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        # Reflex alone would hand the reconnecting browser a new token (an empty state)
        assert asyncio.run(link(RedisTokenManager, "sid-c")) not in (None, "tok")
        # ours sees the record's backend is gone, at once, and keeps the token
        assert asyncio.run(link(FailoverTokenManager, "sid-d")) is None
    finally:
        if holder.poll() is None:
            holder.kill()

"""A browser whose backend died keeps its session state on the next backend (scale-out mode).

With Redis, Reflex records which backend instance holds each browser's socket. A backend
that stops cleanly deletes its records; one killed (SIGKILL, out of memory) leaves them
for an hour, and when the browser reconnects to another backend Reflex takes the record
for a second tab with the same token and hands the browser a NEW token: an empty state
(a half-filled form, the chosen convenio, the open dialog: all gone).

Here each backend instance holds a subscription to its own Redis channel while it lives;
Redis drops it the moment the process dies (its connection closes). On a reconnect, a
record whose instance has no subscriber is an orphan: it is deleted (only if unchanged)
and Reflex keeps the browser's token and its state. A live second tab is never taken over.
"""

from __future__ import annotations

import asyncio
import logging
import pickle

from reflex.utils.tasks import ensure_task
from reflex.utils.token_manager import RedisTokenManager

log = logging.getLogger("occireflex.failover")

ALIVE_PREFIX = "occireflex:backend-vivo:"
READY_TIMEOUT = 2.0
# delete the record only if it is still the orphan we read
_DELETE_IF_SAME = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class FailoverTokenManager(RedisTokenManager):
    """Reflex's Redis token manager, plus: a dead instance's socket records are orphans."""

    def __init__(self, redis) -> None:  # noqa: ANN001
        super().__init__(redis)
        self._alive_task: asyncio.Task | None = None
        self._alive_ready: asyncio.Event | None = None
        self._alive_channel = ""

    @staticmethod
    def alive_channel(instance_id: str) -> str:
        return f"{ALIVE_PREFIX}{instance_id}"

    async def _hold_alive(self) -> None:
        channel = self.alive_channel(self.instance_id)
        async with self.redis.pubsub() as pubsub:
            await pubsub.subscribe(channel)
            async for message in pubsub.listen():
                if message["type"] == "subscribe":
                    self._alive_channel = channel
                    self._alive_ready.set()

    async def _ensure_alive(self) -> None:
        if self._alive_channel == self.alive_channel(self.instance_id):
            return
        if self._alive_ready is None:
            self._alive_ready = asyncio.Event()
        ensure_task(owner=self, task_attribute="_alive_task", coro_function=self._hold_alive,
                    suppress_exceptions=[Exception])
        try:
            await asyncio.wait_for(self._alive_ready.wait(), READY_TIMEOUT)
        except TimeoutError:
            log.warning("La suscripción de vida del backend no se confirmó en %.0f s.",
                        READY_TIMEOUT)

    async def _drop_orphan(self, token: str) -> None:
        key = self._get_redis_key(token)
        raw = await self.redis.get(key)
        if raw is None:
            return
        record = pickle.loads(raw)
        if record.instance_id == self.instance_id:
            return
        [(_channel, listeners)] = await self.redis.pubsub_numsub(
            self.alive_channel(record.instance_id))
        if listeners == 0 and await self.redis.eval(_DELETE_IF_SAME, 1, key, raw):
            log.info("Sesión retomada de un backend que ya no existe (%s).",
                     record.instance_id[:8])

    async def link_token_to_sid(self, token: str, sid: str) -> str | None:
        try:
            await self._ensure_alive()
            await self._drop_orphan(token)
        except Exception as exc:  # Redis trouble: Reflex's own behaviour (a new token)
            log.error("No se pudo revisar el dueño del token (%s).", type(exc).__name__)
        return await super().link_token_to_sid(token, sid)


def use_failover_token_manager(app) -> None:  # noqa: ANN001
    """Swap the app's Redis token manager for ours; nothing changes without Redis."""
    namespace = app.event_namespace
    if namespace is None:
        return
    current = namespace._token_manager
    if isinstance(current, RedisTokenManager) and not isinstance(current, FailoverTokenManager):
        namespace._token_manager = FailoverTokenManager(current.redis)

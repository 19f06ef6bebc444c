"""Stream mode with the official dingtalk-stream SDK: no public URL needed (platforms.md D2).

The SDK awaits a handler's `process()` before it acknowledges (each frame in a task of its own).
Our handler stores the message first, on a worker thread so the socket and its keepalive never
wait, and acknowledges only then: a crash in between leaves the frame unacknowledged for
DingTalk to deliver again, and storing is idempotent by msgId (R6, R7). Everything the bot says
back runs afterwards on its worker pool. The connection is opened against DINGTALK_API_URL (the SDK reads its
own base URL from the environment at import time; we do not rely on that).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import platform
import threading
import time
from typing import Any

import dingtalk_stream  # type: ignore[import-untyped]
import httpx
from dingtalk_stream import AckMessage, CallbackHandler, CallbackMessage, ChatbotMessage
from dingtalk_stream.version import VERSION_STRING  # type: ignore[import-untyped]

from bot.ops.metrics import METRICS
from bot.platforms.dingtalk.app import DingTalkBot
from bot.platforms.dingtalk.settings import DingTalkSettings

log = logging.getLogger(__name__)


class RobotMessages(CallbackHandler):  # type: ignore[misc]
    """Store each robot message, then acknowledge it; answers follow on the bot's pool."""

    def __init__(self, bot: DingTalkBot) -> None:
        super().__init__()
        self.bot = bot
        self.accepting = True  # False once stopping: DingTalk delivers the frame again later
        self.in_flight = 0

    def pending(self) -> int:
        return self.in_flight

    async def raw_process(self, callback: CallbackMessage) -> AckMessage:
        started = time.perf_counter()
        ack = AckMessage()
        self.in_flight += 1  # only ever changed on the event loop's thread
        try:
            if not self.accepting:
                raise RuntimeError("stopping")
            await asyncio.get_running_loop().run_in_executor(None, self.bot.receive, callback.data)
            ack.code = AckMessage.STATUS_OK
        except Exception as error:
            if self.accepting:
                METRICS.errors.inc(where="dingtalk")
                log.exception("dingtalk: a Stream message could not be handled: %s", error)
            ack.code = AckMessage.STATUS_SYSTEM_EXCEPTION
        finally:
            self.in_flight -= 1
        METRICS.ack.observe(time.perf_counter() - started, platform="dingtalk")
        ack.headers.message_id = callback.headers.message_id
        ack.headers.content_type = "application/json"
        ack.message = "OK"
        ack.data = {"response": None}
        return ack


class StreamClient(dingtalk_stream.DingTalkStreamClient):  # type: ignore[misc]
    """The SDK's client, opening its connection at our configured OpenAPI base URL."""

    def __init__(self, settings: DingTalkSettings) -> None:
        super().__init__(
            dingtalk_stream.Credential(settings.client_id, settings.client_secret),
            logger=logging.getLogger("dingtalk_stream"),
        )
        self.api_url = settings.api_url

    def open_connection(self) -> dict[str, Any] | None:
        topics = [{"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map]
        body = {
            "clientId": self.credential.client_id,
            "clientSecret": self.credential.client_secret,
            "subscriptions": topics,
            "ua": f"values-bot dingtalk-stream/{VERSION_STRING}",
            "localIp": "",
        }
        try:
            response = httpx.post(
                f"{self.api_url}/v1.0/gateway/connections/open",
                content=json.dumps(body),
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": f"values-bot Python/{platform.python_version()}",
                },
                timeout=10,
            )
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.error("dingtalk: the Stream connection could not be opened: %s", error)
            return None
        if not isinstance(answer, dict) or "endpoint" not in answer or "ticket" not in answer:
            log.error("dingtalk: the Stream gateway answered without endpoint and ticket")
            return None
        log.info("dingtalk: Stream endpoint %s", answer["endpoint"])
        return answer

    def run_until(self, stop: threading.Event) -> None:
        """Serve until `stop` is set, then close the socket (the SDK's own loop never ends)."""
        asyncio.run(self._until(stop))

    async def _until(self, stop: threading.Event) -> None:
        task = asyncio.create_task(self.start())
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        if self.websocket is not None:
            with contextlib.suppress(Exception):
                await self.websocket.close()
        while not task.done():  # the SDK catches one cancellation and sleeps: cancel again
            task.cancel()
            await asyncio.wait([task], timeout=0.2)


def stream_client(
    settings: DingTalkSettings, bot: DingTalkBot
) -> tuple[StreamClient, RobotMessages]:
    client = StreamClient(settings)
    handler = RobotMessages(bot)
    client.register_callback_handler(ChatbotMessage.TOPIC, handler)
    return client, handler

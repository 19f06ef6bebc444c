"""Stream mode with the official dingtalk-stream SDK: no public URL needed (platforms.md D2).

The SDK awaits a handler's `process()` before it acknowledges, and blocking work there stalls
the whole socket, keepalive included. Our handler acknowledges at once and hands the message
to the bot's worker pool. The connection is opened against DINGTALK_API_URL (the SDK reads its
own base URL from the environment at import time; we do not rely on that).
"""

from __future__ import annotations

import json
import logging
import platform
from typing import Any

import dingtalk_stream  # type: ignore[import-untyped]
import httpx
from dingtalk_stream import AckMessage, CallbackHandler, CallbackMessage, ChatbotMessage
from dingtalk_stream.version import VERSION_STRING  # type: ignore[import-untyped]

from bot.adapters.dingtalk.app import DingTalkBot
from bot.config import Settings

log = logging.getLogger(__name__)


class RobotMessages(CallbackHandler):  # type: ignore[misc]
    """Acknowledge each robot message first, then let the bot work on it."""

    def __init__(self, bot: DingTalkBot) -> None:
        super().__init__()
        self.bot = bot

    async def raw_process(self, callback: CallbackMessage) -> AckMessage:
        self.bot.later(self.bot.receive, callback.data)
        ack = AckMessage()
        ack.code = AckMessage.STATUS_OK
        ack.headers.message_id = callback.headers.message_id
        ack.headers.content_type = "application/json"
        ack.message = "OK"
        ack.data = {"response": None}
        return ack


class StreamClient(dingtalk_stream.DingTalkStreamClient):  # type: ignore[misc]
    """The SDK's client, opening its connection at our configured OpenAPI base URL."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            dingtalk_stream.Credential(
                settings.dingtalk_client_id, settings.dingtalk_client_secret
            ),
            logger=logging.getLogger("dingtalk_stream"),
        )
        self.api_url = settings.dingtalk_api_url

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


def stream_client(settings: Settings, bot: DingTalkBot) -> StreamClient:
    client = StreamClient(settings)
    client.register_callback_handler(ChatbotMessage.TOPIC, RobotMessages(bot))
    return client

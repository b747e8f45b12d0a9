"""The agent loop of one turn: model call → events, until the model stops.

Tool calling arrives in a later issue; today one model call answers the turn's user messages.
"""

from __future__ import annotations

from typing import Any

from generated.models import (
    InputTokensBreakdown,
    ModelMessageEvent,
    ModelMessageUsage,
    TurnMetrics,
    TurnStateDone,
)
from server.domain import events, execution
from server.domain.execution import TurnJob
from server.executor.models import ModelRequest, provider_for
from server.ids import new_ulid
from server.store.redis import Store
from server.timestamps import now_iso


def _text_of(item: dict[str, Any]) -> str:
    content = item.get("content", "")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if part.get("type") == "text")


class TurnRun:
    """One execution of a turn; keeps its token counts so a cancelled turn still reports them."""

    def __init__(self, store: Store, job: TurnJob) -> None:
        self.store = store
        self.job = job
        self.input_tokens = 0
        self.output_tokens = 0

    def metrics(self) -> TurnMetrics:
        return TurnMetrics(
            total_input_tokens=self.input_tokens,
            total_output_tokens=self.output_tokens,
            total_tokens=self.input_tokens + self.output_tokens,
        )

    async def _emit(self, event_json: str) -> None:
        await execution.append(self.store, self.job.tenant, self.job.turn_id, event_json)

    async def run(self) -> TurnStateDone:
        model = self.job.manifest.get("model", {})
        provider = provider_for(model.get("name", ""))
        messages = [
            {"role": "user", "content": _text_of(i)} for i in self.job.input if i["type"] == "user.message"
        ]
        request = ModelRequest(
            model["name"], model.get("params") or {}, self.job.manifest.get("instructions"), messages
        )

        message_id = new_ulid()
        created_at = now_iso()
        await self._emit(events.model_message_base(message_id, created_at))
        content, finish_reason = "", None
        usage: ModelMessageUsage | None = None
        async for chunk in provider.stream(request):
            if chunk.content:
                content += chunk.content
                self.output_tokens += len(chunk.content.split()) or 0
                await self._emit(events.model_message_delta(message_id, now_iso(), chunk.content))
            if chunk.finish_reason:
                finish_reason = chunk.finish_reason
            if chunk.usage:
                self.input_tokens = chunk.usage.get("input_tokens", self.input_tokens)
                self.output_tokens = chunk.usage.get("output_tokens", self.output_tokens)
                usage = ModelMessageUsage(
                    input_tokens=self.input_tokens,
                    output_tokens=self.output_tokens,
                    input_tokens_breakdown=InputTokensBreakdown(
                        harness=0, skills=0, instructions=0, tool_definitions=0, messages=self.input_tokens
                    ),
                )
        output = ModelMessageEvent.model_validate(
            {
                "type": "model.message",
                "id": message_id,
                "thread_id": events.MAIN_THREAD,
                "created_at": created_at,
                "content": content,
                "finish_reason": finish_reason,
                "usage": usage,
            }
        )
        return TurnStateDone.model_validate(
            {
                "status": "done",
                "output": output,
                "required_actions": [],
                "completed_at": now_iso(),
                "metrics": self.metrics(),
            }
        )

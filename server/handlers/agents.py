"""Agent registry operations."""

from __future__ import annotations

from typing import Any

from connexion import NoContent

from generated.models import GetAgentResponse, ListAgentsResponse, TokenPagination
from server.domain import agents
from server.domain.events import to_dict
from server.handlers.context import call_context


async def create_agent(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    agent = await agents.create(call_context(), body)
    return to_dict(GetAgentResponse(data=agent)), 201


async def list_agents(limit: int = 10, page_token: str | None = None) -> dict[str, Any]:
    page, next_token = await agents.list_page(call_context(), page_token, limit)
    return to_dict(
        ListAgentsResponse(data=page, pagination=TokenPagination(limit=limit, next_page_token=next_token))
    )


async def get_agent(agent_name: str) -> dict[str, Any]:
    return to_dict(GetAgentResponse(data=await agents.get(call_context(), agent_name)))


async def replace_agent(agent_name: str, body: dict[str, Any]) -> dict[str, Any]:
    return to_dict(GetAgentResponse(data=await agents.replace(call_context(), agent_name, body)))


async def delete_agent(agent_name: str) -> tuple[Any, int]:
    await agents.delete(call_context(), agent_name)
    return NoContent, 204

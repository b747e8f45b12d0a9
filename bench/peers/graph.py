"""The trivial graphs `make bench-peers` serves with `langgraph dev` (run by .venv-peers, not by the
project's venv): `echo`, one node that answers the last message at once (the peer of a zero-delay
`scripted/echo` turn), and `ticker`, one node that emits a custom event every 50 ms for 50 s (the
peer of the bench's slow turn, something running to cancel)."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

TICKS = 1000
TICK_SECONDS = 0.05


class State(TypedDict):
    messages: list[dict[str, Any]]


async def answer(state: State) -> dict[str, Any]:
    last = state["messages"][-1]["content"] if state["messages"] else ""
    return {"messages": [*state["messages"], {"role": "assistant", "content": last}]}


async def tick(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    for index in range(TICKS):
        write({"tick": index})
        await asyncio.sleep(TICK_SECONDS)
    return {"messages": state["messages"]}


def _one_node(name: str, node: Any) -> Any:
    builder = StateGraph(State)
    builder.add_node(name, node)
    builder.add_edge(START, name)
    builder.add_edge(name, END)
    return builder.compile()


echo = _one_node("answer", answer)
ticker = _one_node("tick", tick)

"""The operator subcommands of `agent-harness`: agents, sessions, turn, subscribe, cancel.

Every API call goes through a generated operation (`generated.client.api`); `server/cli.py` registers
these next to `serve` and `executor`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from generated.client import AuthenticatedClient, Client
from generated.client.api.agent_harness import (
    cancel_session,
    create_session,
    delete_session,
    get_session,
    list_sessions,
)
from generated.client.api.agent_registry import (
    create_agent,
    delete_agent,
    get_agent,
    list_agents,
    replace_agent,
)
from generated.client.models import (
    AgentManifest,
    CancelSessionResponse,
    CreateSessionRequest,
    GetAgentResponse,
    GetSessionResponse,
    ListAgentsResponse,
    ListSessionsResponse,
)
from generated.client.types import UNSET, Unset
from harness_cli import conformance
from harness_cli.api import ApiError, expect, expect_status
from harness_cli.connection import Connection, connection_flags
from harness_cli.follow import EXIT_INTERRUPTED, follow_cancelling_on_interrupt, follow_until_interrupt
from harness_cli.render import TurnPrinter
from harness_cli.streaming import approval, subscribe_request, turn_stream_request

ApiClient = AuthenticatedClient | Client
Handler = Callable[[ApiClient, argparse.Namespace], Awaitable[int]]


# --- agents ---


class InputError(Exception):
    """Something wrong with what the user gave the command (a file, a flag), before any request."""


def _manifests(paths: list[str]) -> list[dict[str, Any]]:
    """Every YAML document in the given files (`-` reads stdin), read and checked before any is sent."""
    found = []
    for path in paths:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text()
            documents = list(yaml.safe_load_all(text))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read it ({exc})") from exc
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML ({exc})") from exc
        for document in documents:
            if document is None:
                continue
            if not isinstance(document, dict):
                raise InputError(f"{path}: a manifest must be a mapping, got {type(document).__name__}")
            found.append(document)
    if not found:
        raise InputError(f"no agent manifest in {', '.join(paths)}")
    return found


async def _agents_apply(client: ApiClient, args: argparse.Namespace) -> int:
    for document in _manifests(args.file):
        try:
            manifest = AgentManifest.from_dict(document)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not an agent manifest ({type(exc).__name__}: {exc})") from exc
        response = await _as_written(client, create_agent, document, body=manifest)
        if response.status_code == 409:  # the name is taken: apply means replace
            response = await _as_written(client, replace_agent, document, manifest.name, body=manifest)
            verb = "replaced"
        else:
            verb = "created"
        agent = expect(response, GetAgentResponse).data
        print(f"agent {agent.name} {verb} (version {agent.version})")
    return 0


async def _as_written(
    client: ApiClient, operation: Any, document: dict[str, Any], *path: str, body: AgentManifest
) -> Any:
    """Call a create/replace operation with the manifest as the file has it: the generated model's
    `to_dict` leaves out fields the spec does not list, and the server names those (a typo)."""
    request = operation._get_kwargs(*path, body=body)
    request["json"] = document
    response = await client.get_async_httpx_client().request(**request)
    return operation._build_response(client=client, response=response)


async def _agents_list(client: ApiClient, args: argparse.Namespace) -> int:
    page = expect(
        await list_agents.asyncio_detailed(client=client, limit=args.limit, page_token=_opt(args.page_token)),
        ListAgentsResponse,
    )
    if args.json:
        return _print_json(page.to_dict())
    rows = [
        [a.name, str(a.version), a.manifest.model.name, a.updated_at.isoformat(timespec="seconds")]
        for a in page.data
    ]
    _table(["NAME", "VERSION", "MODEL", "UPDATED"], rows)
    _next_page(page.pagination.next_page_token)
    return 0


async def _agents_get(client: ApiClient, args: argparse.Namespace) -> int:
    agent = expect(await get_agent.asyncio_detailed(args.name, client=client), GetAgentResponse)
    return _print_json(agent.to_dict())


async def _agents_delete(client: ApiClient, args: argparse.Namespace) -> int:
    expect_status(await delete_agent.asyncio_detailed(args.name, client=client), 204)
    print(f"agent {args.name} deleted")
    return 0


# --- sessions ---


async def _sessions_create(client: ApiClient, args: argparse.Namespace) -> int:
    body = CreateSessionRequest(agent_name=args.agent)
    session = expect(await create_session.asyncio_detailed(client=client, body=body), GetSessionResponse)
    if args.json:
        return _print_json(session.to_dict())
    print(session.data.id)
    return 0


async def _sessions_list(client: ApiClient, args: argparse.Namespace) -> int:
    page = expect(
        await list_sessions.asyncio_detailed(
            client=client,
            agent_name=args.agent,
            limit=args.limit,
            order=_opt(args.order),
            page_token=_opt(args.page_token),
        ),
        ListSessionsResponse,
    )
    if args.json:
        return _print_json(page.to_dict())
    rows = [
        [
            s.id,
            s.agent_name,
            s.created_by_subject.subject_id,
            s.created_at.isoformat(timespec="seconds"),
            s.title if isinstance(s.title, str) else "",
        ]
        for s in page.data
    ]
    _table(["ID", "AGENT", "CREATED BY", "CREATED", "TITLE"], rows)
    _next_page(page.pagination.next_page_token)
    return 0


async def _sessions_get(client: ApiClient, args: argparse.Namespace) -> int:
    session = expect(await get_session.asyncio_detailed(args.session_id, client=client), GetSessionResponse)
    return _print_json(session.to_dict())


async def _sessions_delete(client: ApiClient, args: argparse.Namespace) -> int:
    expect_status(await delete_session.asyncio_detailed(args.session_id, client=client), 204)
    print(f"session {args.session_id} deleted")
    return 0


# --- turns ---


async def _turn(client: ApiClient, args: argparse.Namespace) -> int:
    answers = [approval(call, allow=True, thread_id=args.thread) for call in args.approve]
    answers += [approval(call, allow=False, reason=args.reason, thread_id=args.thread) for call in args.deny]
    if args.message is None and not answers:
        print("error: give a message, or answer pending tool calls with --approve / --deny", file=sys.stderr)
        return 2
    printer = TurnPrinter(sys.stdout, raw=args.json)
    request = turn_stream_request(args.session_id, args.message, answers)
    return await follow_cancelling_on_interrupt(client, args.session_id, request, printer)


async def _subscribe(client: ApiClient, args: argparse.Namespace) -> int:
    printer = TurnPrinter(sys.stdout, raw=args.json)
    request = subscribe_request(args.session_id, args.turn_id, after=args.after)
    # The resume position is `--after`, so the turn's id is known before the first frame.
    printer.turn_id = args.turn_id
    if args.after is not None:
        printer.last_sequence_number = args.after
    return await follow_until_interrupt(client, args.session_id, request, printer)


async def _cancel(client: ApiClient, args: argparse.Namespace) -> int:
    expect(await cancel_session.asyncio_detailed(args.session_id, client=client), CancelSessionResponse)
    print(f"session {args.session_id}: nothing running any more")
    return 0


# --- output helpers ---


def _opt(value: Any) -> Any:
    return UNSET if value is None else value


def _print_json(document: dict[str, Any]) -> int:
    print(json.dumps(document, indent=2, default=str))
    return 0


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _next_page(token: str | Unset | None) -> None:
    if isinstance(token, str):
        print(f"(more: --page-token {token})", file=sys.stderr)


# --- wiring ---


def _run(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def call() -> int:
            last: list[httpx.Response] = []

            async def remember(response: httpx.Response) -> None:
                last[:] = [response]

            async with Connection.from_args(args).client(on_response=remember) as client:
                try:
                    return await handler(client, args)
                except (KeyError, TypeError, ValueError) as exc:
                    # The generated client parses every documented status as the spec says; a body
                    # that is not (a proxy's HTML page, an empty 500) fails there.
                    if not last:
                        raise
                    raise ApiError.unexpected(last[0].status_code, _body(last[0])) from exc

        try:
            return asyncio.run(call())
        except (ApiError, InputError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except httpx.HTTPError as exc:
            print(f"error: {ApiError.transport(exc)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED

    return run


def _body(response: httpx.Response) -> bytes:
    try:
        return response.content
    except httpx.ResponseNotRead:
        return b""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the client subcommands to the `agent-harness` parser."""
    connection = connection_flags()
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")
    paging = argparse.ArgumentParser(add_help=False)
    paging.add_argument("--limit", type=int, default=20, help="page size (1-100, default %(default)s)")
    paging.add_argument("--page-token", help="next_page_token of a previous page")

    agents = commands.add_parser("agents", help="register and list agents").add_subparsers(
        dest="agents_command", required=True
    )
    apply = agents.add_parser(
        "apply", parents=[connection], help="create or replace agents from manifest files"
    )
    apply.add_argument(
        "-f", "--file", action="append", required=True, help="YAML manifest (repeatable; - for stdin)"
    )
    apply.set_defaults(func=_run(_agents_apply))
    agents.add_parser("list", parents=[connection, json_flag, paging], help="list agents").set_defaults(
        func=_run(_agents_list)
    )
    get = agents.add_parser("get", parents=[connection, json_flag], help="show an agent as JSON")
    get.add_argument("name")
    get.set_defaults(func=_run(_agents_get))
    delete = agents.add_parser("delete", parents=[connection], help="delete an agent")
    delete.add_argument("name")
    delete.set_defaults(func=_run(_agents_delete))

    sessions = commands.add_parser("sessions", help="create, list and show sessions").add_subparsers(
        dest="sessions_command", required=True
    )
    create = sessions.add_parser(
        "create", parents=[connection, json_flag], help="create a session; prints its id"
    )
    create.add_argument("--agent", required=True, help="agent name")
    create.set_defaults(func=_run(_sessions_create))
    listing = sessions.add_parser(
        "list", parents=[connection, json_flag, paging], help="list your sessions of an agent"
    )
    listing.add_argument("--agent", required=True, help="agent name (the API lists one agent's sessions)")
    listing.add_argument("--order", choices=["asc", "desc"], help="by creation time (server default: desc)")
    listing.set_defaults(func=_run(_sessions_list))
    show = sessions.add_parser("get", parents=[connection, json_flag], help="show a session as JSON")
    show.add_argument("session_id")
    show.set_defaults(func=_run(_sessions_get))
    remove = sessions.add_parser("delete", parents=[connection], help="delete a session")
    remove.add_argument("session_id")
    remove.set_defaults(func=_run(_sessions_delete))

    turn = commands.add_parser(
        "turn",
        parents=[connection],
        help="send a message and stream the turn live (Ctrl-C cancels it)",
        description="Create a turn and stream its events until turn.done. Ctrl-C cancels the turn "
        "through the API, shows the cancelled terminal state and exits 130.",
    )
    turn.add_argument("session_id")
    turn.add_argument("message", nargs="?", help="the user message (optional when answering tool calls)")
    turn.add_argument(
        "--approve", action="append", default=[], metavar="TOOL_CALL_ID", help="allow a pending tool call"
    )
    turn.add_argument(
        "--deny", action="append", default=[], metavar="TOOL_CALL_ID", help="refuse a pending tool call"
    )
    turn.add_argument("--reason", help="why, told to the model with --deny")
    turn.add_argument("--thread", default="main", help="thread of the pending tool calls (default main)")
    turn.add_argument("--json", action="store_true", help="print each event as a JSON line")
    turn.set_defaults(func=_run(_turn))

    subscribe = commands.add_parser(
        "subscribe", parents=[connection], help="follow a turn's stream (replay, then live)"
    )
    subscribe.add_argument("session_id")
    subscribe.add_argument("turn_id")
    subscribe.add_argument("--after", type=int, help="resume after this sequence number")
    subscribe.add_argument("--json", action="store_true", help="print each event as a JSON line")
    subscribe.set_defaults(func=_run(_subscribe))

    cancel = commands.add_parser("cancel", parents=[connection], help="cancel a session's running turn")
    cancel.add_argument("session_id")
    cancel.set_defaults(func=_run(_cancel))

    conformance.register(commands, connection)

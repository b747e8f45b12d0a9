from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_turn_request import CreateTurnRequest
from ...models.get_turn_response import GetTurnResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import Response


def _get_kwargs(
    session_id: str,
    *,
    body: CreateTurnRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agents/sessions/{session_id}/turns".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetTurnResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = GetTurnResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = RequestErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = RequestErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = RequestErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = RequestErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = RequestErrorResponse.from_dict(response.json())

        return response_409

    if response.status_code == 412:
        response_412 = RequestErrorResponse.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = RequestErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = RequestErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 424:
        response_424 = RequestErrorResponse.from_dict(response.json())

        return response_424

    if response.status_code == 429:
        response_429 = RequestErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = RequestErrorResponse.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = RequestErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GetTurnResponse | RequestErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateTurnRequest,
) -> Response[GetTurnResponse | RequestErrorResponse]:
    """Create a turn in a session

     Starts a turn and streams its events as Server-Sent Events: each message's `event:` is the event
    type, `data:` the event as JSON (carrying its `sequence_number`) and `id:` that sequence number. The
    stream ends after the terminal `turn.done`. Closing the connection does not cancel the turn. With
    `"stream": false` the created (running) turn is returned as JSON at once. Only one turn runs per
    session. What creating a turn does while another runs is the request's `if_running`, else the
    agent's `config.if_running`: `reject` (the default) answers 409; `interrupt` cancels the running
    turn (reason `cancelled-for-next-turn`), waits until its terminal state is recorded, then starts the
    new turn, or answers 424 when the executor does not confirm the cancellation in time (no turn is
    created then).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CreateTurnRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetTurnResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateTurnRequest,
) -> GetTurnResponse | RequestErrorResponse | None:
    """Create a turn in a session

     Starts a turn and streams its events as Server-Sent Events: each message's `event:` is the event
    type, `data:` the event as JSON (carrying its `sequence_number`) and `id:` that sequence number. The
    stream ends after the terminal `turn.done`. Closing the connection does not cancel the turn. With
    `"stream": false` the created (running) turn is returned as JSON at once. Only one turn runs per
    session. What creating a turn does while another runs is the request's `if_running`, else the
    agent's `config.if_running`: `reject` (the default) answers 409; `interrupt` cancels the running
    turn (reason `cancelled-for-next-turn`), waits until its terminal state is recorded, then starts the
    new turn, or answers 424 when the executor does not confirm the cancellation in time (no turn is
    created then).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CreateTurnRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetTurnResponse | RequestErrorResponse
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateTurnRequest,
) -> Response[GetTurnResponse | RequestErrorResponse]:
    """Create a turn in a session

     Starts a turn and streams its events as Server-Sent Events: each message's `event:` is the event
    type, `data:` the event as JSON (carrying its `sequence_number`) and `id:` that sequence number. The
    stream ends after the terminal `turn.done`. Closing the connection does not cancel the turn. With
    `"stream": false` the created (running) turn is returned as JSON at once. Only one turn runs per
    session. What creating a turn does while another runs is the request's `if_running`, else the
    agent's `config.if_running`: `reject` (the default) answers 409; `interrupt` cancels the running
    turn (reason `cancelled-for-next-turn`), waits until its terminal state is recorded, then starts the
    new turn, or answers 424 when the executor does not confirm the cancellation in time (no turn is
    created then).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CreateTurnRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetTurnResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: CreateTurnRequest,
) -> GetTurnResponse | RequestErrorResponse | None:
    """Create a turn in a session

     Starts a turn and streams its events as Server-Sent Events: each message's `event:` is the event
    type, `data:` the event as JSON (carrying its `sequence_number`) and `id:` that sequence number. The
    stream ends after the terminal `turn.done`. Closing the connection does not cancel the turn. With
    `"stream": false` the created (running) turn is returned as JSON at once. Only one turn runs per
    session. What creating a turn does while another runs is the request's `if_running`, else the
    agent's `config.if_running`: `reject` (the default) answers 409; `interrupt` cancels the running
    turn (reason `cancelled-for-next-turn`), waits until its terminal state is recorded, then starts the
    new turn, or answers 424 when the executor does not confirm the cancellation in time (no turn is
    created then).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CreateTurnRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetTurnResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            body=body,
        )
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.request_error_response import RequestErrorResponse
from ...models.subscribe_turn_request import SubscribeTurnRequest
from ...models.turn_event_frame import TurnEventFrame
from ...types import UNSET, Response, Unset


def _get_kwargs(
    session_id: str,
    turn_id: str,
    *,
    body: SubscribeTurnRequest | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(last_event_id, Unset):
        headers["Last-Event-ID"] = last_event_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agents/sessions/{session_id}/turns/{turn_id}/subscribe".format(
            session_id=quote(str(session_id), safe=""),
            turn_id=quote(str(turn_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> RequestErrorResponse | TurnEventFrame | None:
    if response.status_code == 200:
        response_200 = TurnEventFrame.from_dict(response.text)

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

    if response.status_code == 412:
        response_412 = RequestErrorResponse.from_dict(response.json())

        return response_412

    if response.status_code == 413:
        response_413 = RequestErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = RequestErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = RequestErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = RequestErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[RequestErrorResponse | TurnEventFrame]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SubscribeTurnRequest | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Response[RequestErrorResponse | TurnEventFrame]:
    """Subscribe to a turn's events

     Server-Sent Events of the turn, replayed from its event log and then live until `turn.done`. Resume
    with `after_sequence_number` (exclusive); when it is absent the `Last-Event-ID` header is used; with
    neither the stream starts at the first event. A position at or past the turn's last event waits for
    the turn to end and then ends (at once when it has ended already). A stream can also end before
    `turn.done`, always after a complete event: when the server stops, when it loses its store, or when
    the turn's log expires; resume it with `Last-Event-ID`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        last_event_id (str | Unset):
        body (SubscribeTurnRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[RequestErrorResponse | TurnEventFrame]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        turn_id=turn_id,
        body=body,
        last_event_id=last_event_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SubscribeTurnRequest | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> RequestErrorResponse | TurnEventFrame | None:
    """Subscribe to a turn's events

     Server-Sent Events of the turn, replayed from its event log and then live until `turn.done`. Resume
    with `after_sequence_number` (exclusive); when it is absent the `Last-Event-ID` header is used; with
    neither the stream starts at the first event. A position at or past the turn's last event waits for
    the turn to end and then ends (at once when it has ended already). A stream can also end before
    `turn.done`, always after a complete event: when the server stops, when it loses its store, or when
    the turn's log expires; resume it with `Last-Event-ID`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        last_event_id (str | Unset):
        body (SubscribeTurnRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        RequestErrorResponse | TurnEventFrame
    """

    return sync_detailed(
        session_id=session_id,
        turn_id=turn_id,
        client=client,
        body=body,
        last_event_id=last_event_id,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SubscribeTurnRequest | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Response[RequestErrorResponse | TurnEventFrame]:
    """Subscribe to a turn's events

     Server-Sent Events of the turn, replayed from its event log and then live until `turn.done`. Resume
    with `after_sequence_number` (exclusive); when it is absent the `Last-Event-ID` header is used; with
    neither the stream starts at the first event. A position at or past the turn's last event waits for
    the turn to end and then ends (at once when it has ended already). A stream can also end before
    `turn.done`, always after a complete event: when the server stops, when it loses its store, or when
    the turn's log expires; resume it with `Last-Event-ID`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        last_event_id (str | Unset):
        body (SubscribeTurnRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[RequestErrorResponse | TurnEventFrame]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        turn_id=turn_id,
        body=body,
        last_event_id=last_event_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: SubscribeTurnRequest | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> RequestErrorResponse | TurnEventFrame | None:
    """Subscribe to a turn's events

     Server-Sent Events of the turn, replayed from its event log and then live until `turn.done`. Resume
    with `after_sequence_number` (exclusive); when it is absent the `Last-Event-ID` header is used; with
    neither the stream starts at the first event. A position at or past the turn's last event waits for
    the turn to end and then ends (at once when it has ended already). A stream can also end before
    `turn.done`, always after a complete event: when the server stops, when it loses its store, or when
    the turn's log expires; resume it with `Last-Event-ID`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        last_event_id (str | Unset):
        body (SubscribeTurnRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        RequestErrorResponse | TurnEventFrame
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            turn_id=turn_id,
            client=client,
            body=body,
            last_event_id=last_event_id,
        )
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_events_order import ListEventsOrder
from ...models.list_events_response import ListEventsResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    session_id: str,
    turn_id: str,
    *,
    page_token: str | Unset = UNSET,
    limit: int | Unset = 25,
    order: ListEventsOrder | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page_token"] = page_token

    params["limit"] = limit

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order

    params["order"] = json_order

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/agents/sessions/{session_id}/turns/{turn_id}/events".format(
            session_id=quote(str(session_id), safe=""),
            turn_id=quote(str(turn_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListEventsResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = ListEventsResponse.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = RequestErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ListEventsResponse | RequestErrorResponse]:
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
    page_token: str | Unset = UNSET,
    limit: int | Unset = 25,
    order: ListEventsOrder | Unset = UNSET,
) -> Response[ListEventsResponse | RequestErrorResponse]:
    """List a finished turn's events

     The persisted content events of a terminal turn (no `turn.created`, `turn.done` or deltas: streamed
    deltas are merged into their `model.message`). While the turn runs, use subscribe (409 here).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        page_token (str | Unset):
        limit (int | Unset):  Default: 25.
        order (ListEventsOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListEventsResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        turn_id=turn_id,
        page_token=page_token,
        limit=limit,
        order=order,
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
    page_token: str | Unset = UNSET,
    limit: int | Unset = 25,
    order: ListEventsOrder | Unset = UNSET,
) -> ListEventsResponse | RequestErrorResponse | None:
    """List a finished turn's events

     The persisted content events of a terminal turn (no `turn.created`, `turn.done` or deltas: streamed
    deltas are merged into their `model.message`). While the turn runs, use subscribe (409 here).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        page_token (str | Unset):
        limit (int | Unset):  Default: 25.
        order (ListEventsOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListEventsResponse | RequestErrorResponse
    """

    return sync_detailed(
        session_id=session_id,
        turn_id=turn_id,
        client=client,
        page_token=page_token,
        limit=limit,
        order=order,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_token: str | Unset = UNSET,
    limit: int | Unset = 25,
    order: ListEventsOrder | Unset = UNSET,
) -> Response[ListEventsResponse | RequestErrorResponse]:
    """List a finished turn's events

     The persisted content events of a terminal turn (no `turn.created`, `turn.done` or deltas: streamed
    deltas are merged into their `model.message`). While the turn runs, use subscribe (409 here).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        page_token (str | Unset):
        limit (int | Unset):  Default: 25.
        order (ListEventsOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListEventsResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        turn_id=turn_id,
        page_token=page_token,
        limit=limit,
        order=order,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_token: str | Unset = UNSET,
    limit: int | Unset = 25,
    order: ListEventsOrder | Unset = UNSET,
) -> ListEventsResponse | RequestErrorResponse | None:
    """List a finished turn's events

     The persisted content events of a terminal turn (no `turn.created`, `turn.done` or deltas: streamed
    deltas are merged into their `model.message`). While the turn runs, use subscribe (409 here).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).
        page_token (str | Unset):
        limit (int | Unset):  Default: 25.
        order (ListEventsOrder | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListEventsResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            turn_id=turn_id,
            client=client,
            page_token=page_token,
            limit=limit,
            order=order,
        )
    ).parsed

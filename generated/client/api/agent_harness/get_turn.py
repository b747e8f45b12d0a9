from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_turn_response import GetTurnResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import Response


def _get_kwargs(
    session_id: str,
    turn_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/agents/sessions/{session_id}/turns/{turn_id}".format(
            session_id=quote(str(session_id), safe=""),
            turn_id=quote(str(turn_id), safe=""),
        ),
    }

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
) -> Response[GetTurnResponse | RequestErrorResponse]:
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
) -> Response[GetTurnResponse | RequestErrorResponse]:
    """Get a turn

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetTurnResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        turn_id=turn_id,
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
) -> GetTurnResponse | RequestErrorResponse | None:
    """Get a turn

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetTurnResponse | RequestErrorResponse
    """

    return sync_detailed(
        session_id=session_id,
        turn_id=turn_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetTurnResponse | RequestErrorResponse]:
    """Get a turn

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetTurnResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        turn_id=turn_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    turn_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> GetTurnResponse | RequestErrorResponse | None:
    """Get a turn

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        turn_id (str): Turn identifier (<ulid>.<zone>.<executor>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetTurnResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            turn_id=turn_id,
            client=client,
        )
    ).parsed

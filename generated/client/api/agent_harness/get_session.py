from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_session_response import GetSessionResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import Response


def _get_kwargs(
    session_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/agents/sessions/{session_id}".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetSessionResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = GetSessionResponse.from_dict(response.json())

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
) -> Response[GetSessionResponse | RequestErrorResponse]:
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
) -> Response[GetSessionResponse | RequestErrorResponse]:
    """Get a session

     Visible to the session's creator and to callers holding the admin role.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetSessionResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> GetSessionResponse | RequestErrorResponse | None:
    """Get a session

     Visible to the session's creator and to callers holding the admin role.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetSessionResponse | RequestErrorResponse
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[GetSessionResponse | RequestErrorResponse]:
    """Get a session

     Visible to the session's creator and to callers holding the admin role.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetSessionResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> GetSessionResponse | RequestErrorResponse | None:
    """Get a session

     Visible to the session's creator and to callers holding the admin role.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetSessionResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
        )
    ).parsed

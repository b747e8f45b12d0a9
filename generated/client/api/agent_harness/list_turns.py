from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_turns_response import ListTurnsResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    session_id: str,
    *,
    page_token: str | Unset = UNSET,
    limit: int | Unset = 10,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["page_token"] = page_token

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/agents/sessions/{session_id}/turns".format(
            session_id=quote(str(session_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListTurnsResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = ListTurnsResponse.from_dict(response.json())

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
) -> Response[ListTurnsResponse | RequestErrorResponse]:
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
    page_token: str | Unset = UNSET,
    limit: int | Unset = 10,
) -> Response[ListTurnsResponse | RequestErrorResponse]:
    """List turns

     Newest first, walking the ancestor chain from the session's last turn (or from the turn named by
    `page_token`).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        page_token (str | Unset): Turn identifier (<ulid>.<zone>.<executor>).
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListTurnsResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        page_token=page_token,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_token: str | Unset = UNSET,
    limit: int | Unset = 10,
) -> ListTurnsResponse | RequestErrorResponse | None:
    """List turns

     Newest first, walking the ancestor chain from the session's last turn (or from the turn named by
    `page_token`).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        page_token (str | Unset): Turn identifier (<ulid>.<zone>.<executor>).
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListTurnsResponse | RequestErrorResponse
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
        page_token=page_token,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_token: str | Unset = UNSET,
    limit: int | Unset = 10,
) -> Response[ListTurnsResponse | RequestErrorResponse]:
    """List turns

     Newest first, walking the ancestor chain from the session's last turn (or from the turn named by
    `page_token`).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        page_token (str | Unset): Turn identifier (<ulid>.<zone>.<executor>).
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListTurnsResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        page_token=page_token,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_token: str | Unset = UNSET,
    limit: int | Unset = 10,
) -> ListTurnsResponse | RequestErrorResponse | None:
    """List turns

     Newest first, walking the ancestor chain from the session's last turn (or from the turn named by
    `page_token`).

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        page_token (str | Unset): Turn identifier (<ulid>.<zone>.<executor>).
        limit (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListTurnsResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            page_token=page_token,
            limit=limit,
        )
    ).parsed

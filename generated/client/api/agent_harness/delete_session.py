from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.request_error_response import RequestErrorResponse
from ...types import Response


def _get_kwargs(
    session_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/agents/sessions/{session_id}".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | RequestErrorResponse | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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

    if response.status_code == 424:
        response_424 = RequestErrorResponse.from_dict(response.json())

        return response_424

    if response.status_code == 500:
        response_500 = RequestErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | RequestErrorResponse]:
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
) -> Response[Any | RequestErrorResponse]:
    """Delete a session

     Cancels a running turn (reason `client-cancelled`) and marks the session deleted. A deleted session
    is no longer usable: every later operation on it, including a second delete, answers 412 until its
    retention ends.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | RequestErrorResponse]
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
) -> Any | RequestErrorResponse | None:
    """Delete a session

     Cancels a running turn (reason `client-cancelled`) and marks the session deleted. A deleted session
    is no longer usable: every later operation on it, including a second delete, answers 412 until its
    retention ends.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | RequestErrorResponse
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any | RequestErrorResponse]:
    """Delete a session

     Cancels a running turn (reason `client-cancelled`) and marks the session deleted. A deleted session
    is no longer usable: every later operation on it, including a second delete, answers 412 until its
    retention ends.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | RequestErrorResponse]
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
) -> Any | RequestErrorResponse | None:
    """Delete a session

     Cancels a running turn (reason `client-cancelled`) and marks the session deleted. A deleted session
    is no longer usable: every later operation on it, including a second delete, answers 412 until its
    retention ends.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
        )
    ).parsed

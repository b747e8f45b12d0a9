from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_session_request import CancelSessionRequest
from ...models.cancel_session_response import CancelSessionResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    session_id: str,
    *,
    body: CancelSessionRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agents/sessions/{session_id}/cancel".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CancelSessionResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = CancelSessionResponse.from_dict(response.json())

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
) -> Response[CancelSessionResponse | RequestErrorResponse]:
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
    body: CancelSessionRequest | Unset = UNSET,
) -> Response[CancelSessionResponse | RequestErrorResponse]:
    """Cancel a running turn in a session

     Cancel the running last turn for a session. Answers 200 once the turn's terminal `cancelled` state
    is recorded, or at once when nothing is running (idempotent). When the last turn is paused for human
    input (`done` with `required_actions`), its pending actions are cleared: a later
    `user.tool_approval` for them is refused, the tool calls never run, and the next turn may start with
    a `user.message`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CancelSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelSessionResponse | RequestErrorResponse]
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
    body: CancelSessionRequest | Unset = UNSET,
) -> CancelSessionResponse | RequestErrorResponse | None:
    """Cancel a running turn in a session

     Cancel the running last turn for a session. Answers 200 once the turn's terminal `cancelled` state
    is recorded, or at once when nothing is running (idempotent). When the last turn is paused for human
    input (`done` with `required_actions`), its pending actions are cleared: a later
    `user.tool_approval` for them is refused, the tool calls never run, and the next turn may start with
    a `user.message`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CancelSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelSessionResponse | RequestErrorResponse
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
    body: CancelSessionRequest | Unset = UNSET,
) -> Response[CancelSessionResponse | RequestErrorResponse]:
    """Cancel a running turn in a session

     Cancel the running last turn for a session. Answers 200 once the turn's terminal `cancelled` state
    is recorded, or at once when nothing is running (idempotent). When the last turn is paused for human
    input (`done` with `required_actions`), its pending actions are cleared: a later
    `user.tool_approval` for them is refused, the tool calls never run, and the next turn may start with
    a `user.message`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CancelSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelSessionResponse | RequestErrorResponse]
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
    body: CancelSessionRequest | Unset = UNSET,
) -> CancelSessionResponse | RequestErrorResponse | None:
    """Cancel a running turn in a session

     Cancel the running last turn for a session. Answers 200 once the turn's terminal `cancelled` state
    is recorded, or at once when nothing is running (idempotent). When the last turn is paused for human
    input (`done` with `required_actions`), its pending actions are cleared: a later
    `user.tool_approval` for them is refused, the tool calls never run, and the next turn may start with
    a `user.message`.

    Args:
        session_id (str): Session identifier (<ulid>.<zone>).
        body (CancelSessionRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelSessionResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            body=body,
        )
    ).parsed

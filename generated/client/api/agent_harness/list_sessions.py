import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_sessions_order import ListSessionsOrder
from ...models.list_sessions_response import ListSessionsResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    agent_name: str,
    limit: int | Unset = 10,
    order: ListSessionsOrder | Unset = UNSET,
    page_token: str | Unset = UNSET,
    start_timestamp: datetime.datetime | Unset = UNSET,
    end_timestamp: datetime.datetime | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["agent_name"] = agent_name

    params["limit"] = limit

    json_order: str | Unset = UNSET
    if not isinstance(order, Unset):
        json_order = order

    params["order"] = json_order

    params["page_token"] = page_token

    json_start_timestamp: str | Unset = UNSET
    if not isinstance(start_timestamp, Unset):
        json_start_timestamp = start_timestamp.isoformat()
    params["start_timestamp"] = json_start_timestamp

    json_end_timestamp: str | Unset = UNSET
    if not isinstance(end_timestamp, Unset):
        json_end_timestamp = end_timestamp.isoformat()
    params["end_timestamp"] = json_end_timestamp

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/agents/sessions",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListSessionsResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = ListSessionsResponse.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = RequestErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ListSessionsResponse | RequestErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    agent_name: str,
    limit: int | Unset = 10,
    order: ListSessionsOrder | Unset = UNSET,
    page_token: str | Unset = UNSET,
    start_timestamp: datetime.datetime | Unset = UNSET,
    end_timestamp: datetime.datetime | Unset = UNSET,
) -> Response[ListSessionsResponse | RequestErrorResponse]:
    """List sessions of an agent

     Lists the caller's sessions of one agent (all sessions for callers holding the admin role), newest
    first by default, keyset-paginated. Pass `page_token` to fetch the next page, keeping the other
    query parameters constant.

    Args:
        agent_name (str):
        limit (int | Unset):  Default: 10.
        order (ListSessionsOrder | Unset):
        page_token (str | Unset): Session identifier (<ulid>.<zone>).
        start_timestamp (datetime.datetime | Unset):
        end_timestamp (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListSessionsResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        agent_name=agent_name,
        limit=limit,
        order=order,
        page_token=page_token,
        start_timestamp=start_timestamp,
        end_timestamp=end_timestamp,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    agent_name: str,
    limit: int | Unset = 10,
    order: ListSessionsOrder | Unset = UNSET,
    page_token: str | Unset = UNSET,
    start_timestamp: datetime.datetime | Unset = UNSET,
    end_timestamp: datetime.datetime | Unset = UNSET,
) -> ListSessionsResponse | RequestErrorResponse | None:
    """List sessions of an agent

     Lists the caller's sessions of one agent (all sessions for callers holding the admin role), newest
    first by default, keyset-paginated. Pass `page_token` to fetch the next page, keeping the other
    query parameters constant.

    Args:
        agent_name (str):
        limit (int | Unset):  Default: 10.
        order (ListSessionsOrder | Unset):
        page_token (str | Unset): Session identifier (<ulid>.<zone>).
        start_timestamp (datetime.datetime | Unset):
        end_timestamp (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListSessionsResponse | RequestErrorResponse
    """

    return sync_detailed(
        client=client,
        agent_name=agent_name,
        limit=limit,
        order=order,
        page_token=page_token,
        start_timestamp=start_timestamp,
        end_timestamp=end_timestamp,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    agent_name: str,
    limit: int | Unset = 10,
    order: ListSessionsOrder | Unset = UNSET,
    page_token: str | Unset = UNSET,
    start_timestamp: datetime.datetime | Unset = UNSET,
    end_timestamp: datetime.datetime | Unset = UNSET,
) -> Response[ListSessionsResponse | RequestErrorResponse]:
    """List sessions of an agent

     Lists the caller's sessions of one agent (all sessions for callers holding the admin role), newest
    first by default, keyset-paginated. Pass `page_token` to fetch the next page, keeping the other
    query parameters constant.

    Args:
        agent_name (str):
        limit (int | Unset):  Default: 10.
        order (ListSessionsOrder | Unset):
        page_token (str | Unset): Session identifier (<ulid>.<zone>).
        start_timestamp (datetime.datetime | Unset):
        end_timestamp (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListSessionsResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        agent_name=agent_name,
        limit=limit,
        order=order,
        page_token=page_token,
        start_timestamp=start_timestamp,
        end_timestamp=end_timestamp,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    agent_name: str,
    limit: int | Unset = 10,
    order: ListSessionsOrder | Unset = UNSET,
    page_token: str | Unset = UNSET,
    start_timestamp: datetime.datetime | Unset = UNSET,
    end_timestamp: datetime.datetime | Unset = UNSET,
) -> ListSessionsResponse | RequestErrorResponse | None:
    """List sessions of an agent

     Lists the caller's sessions of one agent (all sessions for callers holding the admin role), newest
    first by default, keyset-paginated. Pass `page_token` to fetch the next page, keeping the other
    query parameters constant.

    Args:
        agent_name (str):
        limit (int | Unset):  Default: 10.
        order (ListSessionsOrder | Unset):
        page_token (str | Unset): Session identifier (<ulid>.<zone>).
        start_timestamp (datetime.datetime | Unset):
        end_timestamp (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListSessionsResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            agent_name=agent_name,
            limit=limit,
            order=order,
            page_token=page_token,
            start_timestamp=start_timestamp,
            end_timestamp=end_timestamp,
        )
    ).parsed

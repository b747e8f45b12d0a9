from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.readiness_response import ReadinessResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/readyz",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ReadinessResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = ReadinessResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = RequestErrorResponse.from_dict(response.json())

        return response_400

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
) -> Response[ReadinessResponse | RequestErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[ReadinessResponse | RequestErrorResponse]:
    """Readiness probe

     Ready when the Redis of the replica's home zone answers; the state of every zone it serves is listed
    either way. Zones fail alone: another zone being down leaves the replica ready, and only that zone's
    requests answer 400 `store_unavailable`. Answers within the Redis timeout
    (`HARNESS_REDIS_TIMEOUT_SECONDS`) whatever hangs.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ReadinessResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> ReadinessResponse | RequestErrorResponse | None:
    """Readiness probe

     Ready when the Redis of the replica's home zone answers; the state of every zone it serves is listed
    either way. Zones fail alone: another zone being down leaves the replica ready, and only that zone's
    requests answer 400 `store_unavailable`. Answers within the Redis timeout
    (`HARNESS_REDIS_TIMEOUT_SECONDS`) whatever hangs.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ReadinessResponse | RequestErrorResponse
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[ReadinessResponse | RequestErrorResponse]:
    """Readiness probe

     Ready when the Redis of the replica's home zone answers; the state of every zone it serves is listed
    either way. Zones fail alone: another zone being down leaves the replica ready, and only that zone's
    requests answer 400 `store_unavailable`. Answers within the Redis timeout
    (`HARNESS_REDIS_TIMEOUT_SECONDS`) whatever hangs.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ReadinessResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> ReadinessResponse | RequestErrorResponse | None:
    """Readiness probe

     Ready when the Redis of the replica's home zone answers; the state of every zone it serves is listed
    either way. Zones fail alone: another zone being down leaves the replica ready, and only that zone's
    requests answer 400 `store_unavailable`. Answers within the Redis timeout
    (`HARNESS_REDIS_TIMEOUT_SECONDS`) whatever hangs.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ReadinessResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.agent_manifest import AgentManifest
from ...models.get_agent_response import GetAgentResponse
from ...models.request_error_response import RequestErrorResponse
from ...types import Response


def _get_kwargs(
    agent_name: str,
    *,
    body: AgentManifest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/registry/agents/{agent_name}".format(
            agent_name=quote(str(agent_name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GetAgentResponse | RequestErrorResponse | None:
    if response.status_code == 200:
        response_200 = GetAgentResponse.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = RequestErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = RequestErrorResponse.from_dict(response.json())

        return response_415

    if response.status_code == 500:
        response_500 = RequestErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GetAgentResponse | RequestErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    agent_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: AgentManifest,
) -> Response[GetAgentResponse | RequestErrorResponse]:
    """Replace an agent's manifest

     Stores a new version. Existing sessions keep the version they started with. The manifest's `name`
    must equal the path's `agentName`. Only the agent's creator or an admin may replace it.

    Args:
        agent_name (str):
        body (AgentManifest): An agent: its model, instructions and MCP servers. Fields not listed
            are refused (400), each one named.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetAgentResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        agent_name=agent_name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    agent_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: AgentManifest,
) -> GetAgentResponse | RequestErrorResponse | None:
    """Replace an agent's manifest

     Stores a new version. Existing sessions keep the version they started with. The manifest's `name`
    must equal the path's `agentName`. Only the agent's creator or an admin may replace it.

    Args:
        agent_name (str):
        body (AgentManifest): An agent: its model, instructions and MCP servers. Fields not listed
            are refused (400), each one named.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetAgentResponse | RequestErrorResponse
    """

    return sync_detailed(
        agent_name=agent_name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    agent_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: AgentManifest,
) -> Response[GetAgentResponse | RequestErrorResponse]:
    """Replace an agent's manifest

     Stores a new version. Existing sessions keep the version they started with. The manifest's `name`
    must equal the path's `agentName`. Only the agent's creator or an admin may replace it.

    Args:
        agent_name (str):
        body (AgentManifest): An agent: its model, instructions and MCP servers. Fields not listed
            are refused (400), each one named.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GetAgentResponse | RequestErrorResponse]
    """

    kwargs = _get_kwargs(
        agent_name=agent_name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    agent_name: str,
    *,
    client: AuthenticatedClient | Client,
    body: AgentManifest,
) -> GetAgentResponse | RequestErrorResponse | None:
    """Replace an agent's manifest

     Stores a new version. Existing sessions keep the version they started with. The manifest's `name`
    must equal the path's `agentName`. Only the agent's creator or an admin may replace it.

    Args:
        agent_name (str):
        body (AgentManifest): An agent: its model, instructions and MCP servers. Fields not listed
            are refused (400), each one named.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GetAgentResponse | RequestErrorResponse
    """

    return (
        await asyncio_detailed(
            agent_name=agent_name,
            client=client,
            body=body,
        )
    ).parsed

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_model import AgentModel
    from ..models.agent_runtime_config import AgentRuntimeConfig
    from ..models.agent_tool import AgentTool


T = TypeVar("T", bound="AgentManifest")


@_attrs_define
class AgentManifest:
    """An agent: its model, instructions and MCP servers. Fields not listed are refused (400), each one named.

    Attributes:
        name (str):
        model (AgentModel):
        description (str | Unset):
        instructions (str | Unset):
        tools (list[AgentTool] | Unset):
        mcp_servers (list[Any] | Unset):
        config (AgentRuntimeConfig | Unset):
    """

    name: str
    model: AgentModel
    description: str | Unset = UNSET
    instructions: str | Unset = UNSET
    tools: list[AgentTool] | Unset = UNSET
    mcp_servers: list[Any] | Unset = UNSET
    config: AgentRuntimeConfig | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        model = self.model.to_dict()

        description = self.description

        instructions = self.instructions

        tools: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tools, Unset):
            tools = []
            for tools_item_data in self.tools:
                tools_item = tools_item_data.to_dict()
                tools.append(tools_item)

        mcp_servers: list[Any] | Unset = UNSET
        if not isinstance(self.mcp_servers, Unset):
            mcp_servers = []
            for mcp_servers_item_data in self.mcp_servers:
                mcp_servers_item: Any
                mcp_servers_item = mcp_servers_item_data
                mcp_servers.append(mcp_servers_item)

        config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.config, Unset):
            config = self.config.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "model": model,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if instructions is not UNSET:
            field_dict["instructions"] = instructions
        if tools is not UNSET:
            field_dict["tools"] = tools
        if mcp_servers is not UNSET:
            field_dict["mcp_servers"] = mcp_servers
        if config is not UNSET:
            field_dict["config"] = config

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.agent_model import AgentModel
        from ..models.agent_runtime_config import AgentRuntimeConfig
        from ..models.agent_tool import AgentTool

        d = dict(src_dict)
        name = d.pop("name")

        model = AgentModel.from_dict(d.pop("model"))

        description = d.pop("description", UNSET)

        instructions = d.pop("instructions", UNSET)

        _tools = d.pop("tools", UNSET)
        tools: list[AgentTool] | Unset = UNSET
        if _tools is not UNSET:
            tools = []
            for tools_item_data in _tools:
                tools_item = AgentTool.from_dict(tools_item_data)

                tools.append(tools_item)

        _mcp_servers = d.pop("mcp_servers", UNSET)
        mcp_servers: list[Any] | Unset = UNSET
        if _mcp_servers is not UNSET:
            mcp_servers = []
            for mcp_servers_item_data in _mcp_servers:

                def _parse_mcp_servers_item(data: object) -> Any:
                    return cast(Any, data)

                mcp_servers_item = _parse_mcp_servers_item(mcp_servers_item_data)

                mcp_servers.append(mcp_servers_item)

        _config = d.pop("config", UNSET)
        config: AgentRuntimeConfig | Unset
        if isinstance(_config, Unset):
            config = UNSET
        else:
            config = AgentRuntimeConfig.from_dict(_config)

        agent_manifest = cls(
            name=name,
            model=model,
            description=description,
            instructions=instructions,
            tools=tools,
            mcp_servers=mcp_servers,
            config=config,
        )

        return agent_manifest

"""Contains all the data models used in inputs/outputs"""

from .agent import Agent
from .agent_info import AgentInfo
from .agent_info_type import AgentInfoType
from .agent_manifest import AgentManifest
from .agent_model import AgentModel
from .agent_model_params import AgentModelParams
from .agent_parent import AgentParent
from .agent_runtime_config import AgentRuntimeConfig
from .agent_tool import AgentTool
from .approval_allow import ApprovalAllow
from .approval_allow_status import ApprovalAllowStatus
from .approval_deny import ApprovalDeny
from .approval_deny_status import ApprovalDenyStatus
from .cancel_session_request import CancelSessionRequest
from .cancel_session_response import CancelSessionResponse
from .chat_completion_content_part_refusal import ChatCompletionContentPartRefusal
from .chat_completion_content_part_refusal_type import (
    ChatCompletionContentPartRefusalType,
)
from .chat_completion_content_part_text import ChatCompletionContentPartText
from .chat_completion_content_part_text_type import ChatCompletionContentPartTextType
from .create_session_request import CreateSessionRequest
from .create_turn_request import CreateTurnRequest
from .extended_chunk_delta_tool_call import ExtendedChunkDeltaToolCall
from .extended_chunk_delta_tool_call_provider_specific_fields import (
    ExtendedChunkDeltaToolCallProviderSpecificFields,
)
from .extended_chunk_delta_tool_call_type import ExtendedChunkDeltaToolCallType
from .file_content import FileContent
from .file_content_type import FileContentType
from .finish_reason import FinishReason
from .get_agent_response import GetAgentResponse
from .get_session_response import GetSessionResponse
from .get_turn_response import GetTurnResponse
from .health_response import HealthResponse
from .health_response_status import HealthResponseStatus
from .if_running import IfRunning
from .input_tokens_breakdown import InputTokensBreakdown
from .list_agents_response import ListAgentsResponse
from .list_events_order import ListEventsOrder
from .list_events_response import ListEventsResponse
from .list_session_events_response import ListSessionEventsResponse
from .list_sessions_order import ListSessionsOrder
from .list_sessions_response import ListSessionsResponse
from .list_turns_response import ListTurnsResponse
from .mcp_auth_required_event import McpAuthRequiredEvent
from .mcp_auth_required_event_type import McpAuthRequiredEventType
from .mcp_initialize_event import McpInitializeEvent
from .mcp_initialize_event_type import McpInitializeEventType
from .mcp_server_auth_info import McpServerAuthInfo
from .mcp_server_init_info import McpServerInitInfo
from .mcp_server_init_info_transport_type import McpServerInitInfoTransportType
from .mcp_tool_info import McpToolInfo
from .mcp_tool_info_type import McpToolInfoType
from .model_message_delta_event import ModelMessageDeltaEvent
from .model_message_delta_event_type import ModelMessageDeltaEventType
from .model_message_event import ModelMessageEvent
from .model_message_event_type import ModelMessageEventType
from .model_message_usage import ModelMessageUsage
from .previous_turn_id_input_type_0 import PreviousTurnIdInputType0
from .readiness_response import ReadinessResponse
from .readiness_response_status import ReadinessResponseStatus
from .request_error_response import RequestErrorResponse
from .request_error_response_error import RequestErrorResponseError
from .sandbox_created_event import SandboxCreatedEvent
from .sandbox_created_event_type import SandboxCreatedEventType
from .scripted_step import ScriptedStep
from .scripted_tool_call import ScriptedToolCall
from .scripted_tool_call_arguments import ScriptedToolCallArguments
from .session import Session
from .session_event_item import SessionEventItem
from .session_type import SessionType
from .subject import Subject
from .subscribe_turn_request import SubscribeTurnRequest
from .text_content import TextContent
from .text_content_type import TextContentType
from .thread_created_event import ThreadCreatedEvent
from .thread_created_event_type import ThreadCreatedEventType
from .thread_done_event import ThreadDoneEvent
from .thread_done_event_type import ThreadDoneEventType
from .thread_state_done import ThreadStateDone
from .thread_state_done_status import ThreadStateDoneStatus
from .thread_state_error import ThreadStateError
from .thread_state_error_status import ThreadStateErrorStatus
from .token_pagination import TokenPagination
from .tool_approval_required_event import ToolApprovalRequiredEvent
from .tool_approval_required_event_type import ToolApprovalRequiredEventType
from .tool_call import ToolCall
from .tool_call_delta_function import ToolCallDeltaFunction
from .tool_call_function import ToolCallFunction
from .tool_call_provider_specific_fields import ToolCallProviderSpecificFields
from .tool_call_ref import ToolCallRef
from .tool_call_type import ToolCallType
from .tool_response_event import ToolResponseEvent
from .tool_response_event_type import ToolResponseEventType
from .tool_response_required_event import ToolResponseRequiredEvent
from .tool_response_required_event_type import ToolResponseRequiredEventType
from .true_foundry_system_tool_info import TrueFoundrySystemToolInfo
from .true_foundry_system_tool_info_type import TrueFoundrySystemToolInfoType
from .turn import Turn
from .turn_created_event import TurnCreatedEvent
from .turn_created_event_type import TurnCreatedEventType
from .turn_done_event import TurnDoneEvent
from .turn_done_event_type import TurnDoneEventType
from .turn_event_frame import TurnEventFrame
from .turn_metrics import TurnMetrics
from .turn_state_cancelled import TurnStateCancelled
from .turn_state_cancelled_reason import TurnStateCancelledReason
from .turn_state_cancelled_status import TurnStateCancelledStatus
from .turn_state_done import TurnStateDone
from .turn_state_done_status import TurnStateDoneStatus
from .turn_state_error import TurnStateError
from .turn_state_error_status import TurnStateErrorStatus
from .turn_state_running import TurnStateRunning
from .turn_state_running_status import TurnStateRunningStatus
from .user_message import UserMessage
from .user_message_type import UserMessageType
from .user_tool_approval_event import UserToolApprovalEvent
from .user_tool_approval_event_type import UserToolApprovalEventType
from .user_tool_response_event import UserToolResponseEvent
from .user_tool_response_event_type import UserToolResponseEventType
from .zone_states import ZoneStates
from .zone_states_additional_property import ZoneStatesAdditionalProperty

__all__ = (
    "Agent",
    "AgentInfo",
    "AgentInfoType",
    "AgentManifest",
    "AgentModel",
    "AgentModelParams",
    "AgentParent",
    "AgentRuntimeConfig",
    "AgentTool",
    "ApprovalAllow",
    "ApprovalAllowStatus",
    "ApprovalDeny",
    "ApprovalDenyStatus",
    "CancelSessionRequest",
    "CancelSessionResponse",
    "ChatCompletionContentPartRefusal",
    "ChatCompletionContentPartRefusalType",
    "ChatCompletionContentPartText",
    "ChatCompletionContentPartTextType",
    "CreateSessionRequest",
    "CreateTurnRequest",
    "ExtendedChunkDeltaToolCall",
    "ExtendedChunkDeltaToolCallProviderSpecificFields",
    "ExtendedChunkDeltaToolCallType",
    "FileContent",
    "FileContentType",
    "FinishReason",
    "GetAgentResponse",
    "GetSessionResponse",
    "GetTurnResponse",
    "HealthResponse",
    "HealthResponseStatus",
    "IfRunning",
    "InputTokensBreakdown",
    "ListAgentsResponse",
    "ListEventsOrder",
    "ListEventsResponse",
    "ListSessionEventsResponse",
    "ListSessionsOrder",
    "ListSessionsResponse",
    "ListTurnsResponse",
    "McpAuthRequiredEvent",
    "McpAuthRequiredEventType",
    "McpInitializeEvent",
    "McpInitializeEventType",
    "McpServerAuthInfo",
    "McpServerInitInfo",
    "McpServerInitInfoTransportType",
    "McpToolInfo",
    "McpToolInfoType",
    "ModelMessageDeltaEvent",
    "ModelMessageDeltaEventType",
    "ModelMessageEvent",
    "ModelMessageEventType",
    "ModelMessageUsage",
    "PreviousTurnIdInputType0",
    "ReadinessResponse",
    "ReadinessResponseStatus",
    "RequestErrorResponse",
    "RequestErrorResponseError",
    "SandboxCreatedEvent",
    "SandboxCreatedEventType",
    "ScriptedStep",
    "ScriptedToolCall",
    "ScriptedToolCallArguments",
    "Session",
    "SessionEventItem",
    "SessionType",
    "Subject",
    "SubscribeTurnRequest",
    "TextContent",
    "TextContentType",
    "ThreadCreatedEvent",
    "ThreadCreatedEventType",
    "ThreadDoneEvent",
    "ThreadDoneEventType",
    "ThreadStateDone",
    "ThreadStateDoneStatus",
    "ThreadStateError",
    "ThreadStateErrorStatus",
    "TokenPagination",
    "ToolApprovalRequiredEvent",
    "ToolApprovalRequiredEventType",
    "ToolCall",
    "ToolCallDeltaFunction",
    "ToolCallFunction",
    "ToolCallProviderSpecificFields",
    "ToolCallRef",
    "ToolCallType",
    "ToolResponseEvent",
    "ToolResponseEventType",
    "ToolResponseRequiredEvent",
    "ToolResponseRequiredEventType",
    "TrueFoundrySystemToolInfo",
    "TrueFoundrySystemToolInfoType",
    "Turn",
    "TurnCreatedEvent",
    "TurnCreatedEventType",
    "TurnDoneEvent",
    "TurnDoneEventType",
    "TurnEventFrame",
    "TurnMetrics",
    "TurnStateCancelled",
    "TurnStateCancelledReason",
    "TurnStateCancelledStatus",
    "TurnStateDone",
    "TurnStateDoneStatus",
    "TurnStateError",
    "TurnStateErrorStatus",
    "TurnStateRunning",
    "TurnStateRunningStatus",
    "UserMessage",
    "UserMessageType",
    "UserToolApprovalEvent",
    "UserToolApprovalEventType",
    "UserToolResponseEvent",
    "UserToolResponseEventType",
    "ZoneStates",
    "ZoneStatesAdditionalProperty",
)

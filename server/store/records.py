"""The records the harness keeps in Redis hashes: each owns its field names and their encoding.

Nothing outside `server/store/` spells a hash field: the domain and the executor read these records
and write through the store's functions (`store/sessions.py`, `store/turns.py`, `store/agents.py`).
The Lua scripts (store/lua.py) use the same names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generated.models import Agent, Session, Turn
from server.store.turn_states import Status, is_terminal


class SessionField:
    DOC = "doc"
    """The wire Session without `updated_at` (JSON)."""
    OWNER = "owner"
    """The creator's caller id: it names the owner's session index."""
    MANIFEST = "manifest"
    """The agent's manifest as it was when the session was created (JSON)."""
    UPDATED_AT = "updated_at"
    LAST_TURN = "last_turn"
    RUNNING = "running"
    """The one running turn's id: the session's lock."""
    DELETED = "deleted"
    """The delete call's time: the session is a tombstone."""


class TurnField:
    DOC = "doc"
    """The wire Turn without `state` (JSON)."""
    STATUS = "status"
    STATE = "state"
    SEQ = "seq"
    """The log's last sequence number."""
    EXECUTOR = "executor"
    LEASE = "lease"
    """The lease's expiry (ms, Redis's clock) while the turn runs: renewed by its executor's heartbeats."""
    PREV = "prev"
    ANCESTRY = "ancestry"
    """The ids of the turn's ancestors, newest first, comma-separated (at most turns.ANCESTRY_LIMIT)."""
    CANCEL = "cancel"
    """The first recorded cancel reason."""
    PENDING = "pending"
    """The tool call ids a paused turn waits on (JSON list)."""
    HISTORY = "history"
    FINISHED_BY = "finished_by"
    TRACE = "trace"


class AgentField:
    VERSION = "version"
    MANIFEST = "manifest"
    CREATED_BY = "created_by"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@dataclass(frozen=True)
class SessionRecord:
    """A session as stored: its wire doc plus what only the server needs."""

    session: Session
    owner: str
    manifest: dict[str, Any]
    last_turn: str | None
    running: str | None
    deleted: bool

    @property
    def id(self) -> str:
        return self.session.id

    @classmethod
    def decode(cls, fields: dict[str, str]) -> SessionRecord:
        return cls(
            session=listed_session(fields[SessionField.DOC], fields[SessionField.UPDATED_AT]),
            owner=fields[SessionField.OWNER],
            manifest=json.loads(fields[SessionField.MANIFEST]),
            last_turn=fields.get(SessionField.LAST_TURN) or None,
            running=fields.get(SessionField.RUNNING) or None,
            deleted=bool(fields.get(SessionField.DELETED)),
        )


def new_session_fields(doc: dict[str, Any], owner: str, manifest_json: str, now: str) -> dict[str, str]:
    return {
        SessionField.DOC: json.dumps(doc),
        SessionField.OWNER: owner,
        SessionField.MANIFEST: manifest_json,
        SessionField.UPDATED_AT: now,
    }


def listed_session(doc: str, updated_at: str) -> Session:
    return Session.model_validate({**json.loads(doc), "updated_at": updated_at})


LISTED_SESSION_FIELDS = (SessionField.DOC, SessionField.UPDATED_AT, SessionField.DELETED)
"""What a listing reads of each session: a deleted one (or one gone) is not listed."""


@dataclass(frozen=True)
class TurnRecord:
    """A turn as stored."""

    doc: dict[str, Any]
    state: dict[str, Any]
    status: Status
    seq: int
    executor: str
    ancestry: list[str]
    """The turn's ancestors, newest (its parent) first."""
    cancel: str | None
    """The reason of the first cancel recorded, if any."""
    pending: str
    """The JSON list of tool call ids the paused turn waits on, "" for none."""
    trace: str | None

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def session_id(self) -> str:
        return str(self.doc["session_id"])

    @property
    def previous_turn_id(self) -> str | None:
        return self.doc.get("previous_turn_id")

    @property
    def input(self) -> list[dict[str, Any]]:
        return list(self.doc.get("input") or [])

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)

    def turn(self) -> Turn:
        return Turn.model_validate({**self.doc, "state": self.state})

    @classmethod
    def decode(cls, fields: dict[str, str]) -> TurnRecord:
        return cls(
            doc=json.loads(fields[TurnField.DOC]),
            state=json.loads(fields[TurnField.STATE]),
            status=Status(fields[TurnField.STATUS]),
            seq=int(fields.get(TurnField.SEQ, 0)),
            executor=fields.get(TurnField.EXECUTOR, ""),
            ancestry=[a for a in fields.get(TurnField.ANCESTRY, "").split(",") if a],
            cancel=fields.get(TurnField.CANCEL) or None,
            pending=fields.get(TurnField.PENDING) or "",
            trace=fields.get(TurnField.TRACE) or None,
        )


@dataclass(frozen=True)
class AgentRecord:
    name: str
    version: int
    manifest: dict[str, Any]
    created_by: dict[str, Any]
    """The creator's subject."""
    created_at: str
    updated_at: str

    def agent(self) -> Agent:
        return Agent.model_validate(
            {
                "name": self.name,
                "version": self.version,
                "manifest": self.manifest,
                "created_by_subject": self.created_by,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            }
        )

    @classmethod
    def decode(cls, name: str, fields: dict[str, str]) -> AgentRecord:
        return cls(
            name=name,
            version=int(fields[AgentField.VERSION]),
            manifest=json.loads(fields[AgentField.MANIFEST]),
            created_by=json.loads(fields[AgentField.CREATED_BY]),
            created_at=fields[AgentField.CREATED_AT],
            updated_at=fields[AgentField.UPDATED_AT],
        )

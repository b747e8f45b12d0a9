"""Agent manifests loaded from YAML files at startup (`agent-harness serve --agents PATH`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from generated.models import Subject
from server.auth import Caller
from server.domain import agents
from server.domain.context import CallContext
from server.errors import BadRequest, Conflict
from server.runtime import Runtime

log = logging.getLogger(__name__)

SYSTEM = Caller(
    Subject(subject_id="agent-harness", subject_type="serviceaccount", subject_slug="agent-harness"),
    tenant=None,
    is_admin=True,
    may_manage_agents=True,  # the operator's own files, not a caller's request
)


def manifest_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path])
    return found


def read_manifests(paths: list[Path]) -> list[dict[str, Any]]:
    manifests = []
    for file in manifest_files(paths):
        document = yaml.safe_load(file.read_text())
        if not isinstance(document, dict):
            raise ValueError(f"{file}: an agent manifest must be a mapping")
        manifests.append(document)
    return manifests


async def apply(runtime: Runtime, tenant: str, manifests: list[dict[str, Any]]) -> None:
    """Create each agent, or replace it when its manifest changed (a new version)."""
    ctx = CallContext(runtime.store, runtime.settings, tenant, SYSTEM)
    for manifest in manifests:
        try:
            wanted = agents.normalise(manifest)
            try:
                await agents.create(ctx, manifest)
                log.info("agent %r registered for tenant %r", wanted.name, tenant)
            except Conflict:
                current = await agents.get(ctx, wanted.name)
                if current.manifest != wanted:
                    await agents.replace(ctx, wanted.name, manifest)
                    log.info("agent %r updated for tenant %r", wanted.name, tenant)
        except BadRequest as exc:
            # Checked like a caller's manifest (declared secrets, egress, stdio servers): the server
            # does not start with an agent it would refuse over the API.
            name = manifest.get("name")
            raise ValueError(f"agent manifest {name!r}: {exc.message}") from None

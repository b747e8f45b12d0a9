"""Which pictures a run draws: one CDF per latency scenario, its series the topologies (load
group), the cancel scenarios (cancel group), or this project beside LangGraph (peers group)."""

from __future__ import annotations

import re
from pathlib import Path

from bench.cancel_scenarios import ScenarioResult
from bench.load import TopologyRun
from bench.peers_group import PeersResult, peers_series
from bench.plots import cdf_png


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def draw(
    directory: Path,
    cancel: list[ScenarioResult],
    load: list[TopologyRun],
    peers: PeersResult | None,
) -> list[Path]:
    """Writes the PNG files into `directory`; returns those written."""
    pictures: dict[str, tuple[str, dict[str, list[float]]]] = {}
    if cancel:
        series = {r.name.strip(): [1000 * s.to_200 for s in r.run.samples] for r in cancel}
        pictures["cancel"] = ("cancel → 200 (cancel group)", series)
    for run in load:
        for outcome in run.outcomes:
            for what, samples in outcome.samples.items():
                stem = "load-" + _slug(what.split(",")[0])
                pictures.setdefault(stem, (what, {}))[1][run.topology.label] = samples
    if peers is not None:
        pictures.update(peers_series(peers))
    written = []
    for stem, (title, series) in pictures.items():
        if (path := cdf_png(directory / f"{stem}.png", title, series)) is not None:
            written.append(path)
    return written

"""harness_cli/conformance/grading.py and junit.py: MUST / SHOULD / MAY, known failures, JUnit XML;
and the CLI's hint for a base URL that already holds the tenant."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness_cli.conformance import junit
from harness_cli.conformance.grading import Check, Grades, Level, read_known_failures, status
from harness_cli.connection import Connection


@pytest.mark.parametrize(
    ("level", "passed", "listed", "expected"),
    [
        ("MUST", True, False, "pass"),
        ("MUST", False, False, "FAIL"),
        ("SHOULD", False, False, "reported"),
        ("MAY", False, False, "FAIL"),  # declared, so it must work
        ("MAY", None, False, "not run"),
        ("MUST", False, True, "known failure"),
        ("MUST", True, True, "STALE"),
        ("SHOULD", True, True, "STALE"),
    ],
)
def test_each_checks_status(level: Level, passed: bool | None, listed: bool, expected: str) -> None:
    known = frozenset({"c"} if listed else set())
    assert status(Check("c", "a check", level, passed), known) == expected


def test_only_a_failing_must_a_declared_may_or_a_stale_baseline_fails_the_run() -> None:
    reported = [
        Check("s", "s", "SHOULD", False),
        Check("m", "m", "MAY", None),
        Check("ok", "ok", "MUST", True),
    ]
    assert Grades(reported, frozenset()).passed
    assert not Grades([*reported, Check("x", "x", "MUST", False)], frozenset()).passed
    assert Grades([*reported, Check("x", "x", "MUST", False)], frozenset({"x"})).passed
    assert not Grades(reported, frozenset({"ok"})).passed  # listed, yet it passes
    grades = Grades(reported, frozenset({"ok", "typo"}))
    assert grades.unknown_ids == ["typo"]
    assert grades.summary() == "levels: MUST 1/1, SHOULD 0/1 passed, 1 STALE known failure(s) now passing"


def test_known_failures_file_takes_one_id_a_line_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "known"
    path.write_text("# baseline of 2026-12\ncancel.again-200  # issue 7\n\n  outside.unknown-path-404\n")
    assert read_known_failures(path) == {"cancel.again-200", "outside.unknown-path-404"}


def test_junit_xml_has_a_case_per_check_with_failures_and_skips(tmp_path: Path) -> None:
    checks = [
        Check("a", "a", "MUST", True),
        Check("b", "b", "MUST", False, "HTTP 500\nbody"),
        Check("c", "c", "SHOULD", False, "HTTP 400"),
        Check("d", "d", "MAY", None, "not declared"),
        Check("e", "e", "MUST", True),
    ]
    path = tmp_path / "report.xml"
    junit.write(Grades(checks, frozenset({"e"})), path, target="http://h/t")
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "2", "2")
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert cases["a"].find("failure") is None and cases["a"].find("skipped") is None
    failure = cases["b"].find("failure")
    assert failure is not None and failure.get("message") == "HTTP 500"
    assert cases["c"].find("skipped") is not None and cases["d"].find("skipped") is not None
    stale = cases["e"].find("failure")
    assert stale is not None and "trim the baseline" in (stale.get("message") or "")
    assert cases["c"].get("classname") == "conformance.SHOULD"


@pytest.mark.parametrize(
    ("base_url", "doubled"),
    [
        ("http://h/truefoundry", True),
        ("http://h/truefoundry/", True),
        ("http://h/truefoundry/v1", True),
        ("http://h", False),
        ("http://h/", False),
        ("http://h/gateway", False),
        ("http://h/truefoundry-eu", False),
    ],
)
def test_a_base_url_that_holds_the_tenant_gets_a_hint(base_url: str, doubled: bool) -> None:
    hint = Connection(base_url, "truefoundry", None).base_url_hint()
    assert (hint is not None) == doubled
    if hint:
        assert "already contains the tenant 'truefoundry'" in hint
        assert hint.endswith("give the server root instead (--base-url http://h)")

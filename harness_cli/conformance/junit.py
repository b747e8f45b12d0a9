"""`--junit-xml FILE`: the graded checks as JUnit XML, which CI systems show as a test report."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness_cli.conformance.grading import Grades


def write(grades: Grades, path: Path, *, target: str) -> None:
    suite = ET.Element("testsuite", name="agent-harness conformance", hostname=target)
    counts = {"tests": 0, "failures": 0, "skipped": 0}
    for check in grades.checks:
        counts["tests"] += 1
        case = ET.SubElement(suite, "testcase", classname=f"conformance.{check.level}", name=check.id)
        ET.SubElement(ET.SubElement(case, "properties"), "property", name="level", value=check.level)
        status = grades.status(check)
        if status in ("FAIL", "STALE"):
            counts["failures"] += 1
            message = "listed as a known failure but passes: trim the baseline" if status == "STALE" else ""
            failure = ET.SubElement(case, "failure", message=message or check.detail.split("\n", 1)[0])
            failure.text = f"{check.name}\n{check.detail}"
        elif status != "pass":  # reported SHOULD, known failure, MAY not declared
            counts["skipped"] += 1
            ET.SubElement(case, "skipped", message=f"{status}: {check.detail}".rstrip(": "))
    suite.attrib.update({name: str(value) for name, value in counts.items()})
    root = ET.Element("testsuites", {name: str(value) for name, value in counts.items()})
    root.append(suite)
    ET.indent(root)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))

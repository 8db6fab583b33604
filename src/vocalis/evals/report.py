"""Eval results for people and for CI: a pass/fail table, and JUnit XML (one test case per
scenario, its failed checks as the failure message)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

from .checks import Check
from .runner import ScenarioResult


def _mark(check: Check) -> str:
    return "skip" if check.skipped else "pass" if check.passed else "FAIL"


def write_table(results: list[ScenarioResult], out: TextIO) -> None:
    """One line per scenario, then one per check of those that failed (all with ``verbose``)."""
    for result in results:
        scenario = result.scenario
        status = "PASS" if result.passed else "FAIL"
        out.write(f"{status}  {scenario.name}  ({scenario.path}, {scenario.mode}, "
                  f"{result.seconds:.1f} s)\n")
        if result.error is not None:
            out.write(f"      error: {result.error}\n")
        for index, (outcome, checks) in enumerate(result.turns, 1):
            for check in checks:
                detail = f"  {check.detail}" if check.detail else ""
                out.write(f"      turn {index}  {_mark(check):<4}  {check.name}{detail}\n")
            if outcome.errors:
                out.write(f"      turn {index}  note  session errors: {outcome.errors}\n")
        if result.judge is not None:
            out.write(f"      judge   {_mark(result.judge):<4}  {result.judge.detail}\n")
    passed = sum(r.passed for r in results)
    out.write(f"\n{passed}/{len(results)} scenarios passed\n")


def write_junit(results: list[ScenarioResult], path: str | Path) -> None:
    suite = ET.Element("testsuite", {
        "name": "vocalis.eval", "tests": str(len(results)),
        "failures": str(sum(1 for r in results if not r.passed and r.error is None)),
        "errors": str(sum(1 for r in results if r.error is not None)),
        "time": f"{sum(r.seconds for r in results):.3f}",
    })
    for result in results:
        case = ET.SubElement(suite, "testcase", {
            "classname": str(result.scenario.path), "name": result.scenario.name,
            "time": f"{result.seconds:.3f}",
        })
        if result.error is not None:
            ET.SubElement(case, "error", {"message": result.error}).text = result.error
        failed = [c for c in result.checks if not c.passed and not c.skipped]
        if failed:
            message = "; ".join(f"{c.name}: {c.detail}" if c.detail else c.name for c in failed)
            ET.SubElement(case, "failure", {"message": message}).text = "\n".join(
                f"{c.name}: {c.detail}" for c in failed)
        lines = [f"turn {i}: {c.name}: {_mark(c)} {c.detail}".rstrip()
                 for i, (_, checks) in enumerate(result.turns, 1) for c in checks]
        ET.SubElement(case, "system-out").text = "\n".join(lines)
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)

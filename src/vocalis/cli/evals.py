"""``vocalis eval SCENARIO...``: run scenario files against their agent, print a pass/fail
table, write JUnit XML with ``--junit``, and exit 1 when anything failed."""

from __future__ import annotations

import argparse
import asyncio
from typing import TextIO

from ..evals import ScenarioError, load_scenario, run_scenario, write_junit, write_table
from .loader import AgentFile, load_agent_file


def run(args: argparse.Namespace, out: TextIO) -> int:
    return asyncio.run(_run(args, out))


async def _run(args: argparse.Namespace, out: TextIO) -> int:
    scenarios = [load_scenario(path) for path in args.scenarios]
    agents: dict[str, AgentFile] = {}
    results = []
    for scenario in scenarios:
        path = args.agent or (str(scenario.resolve(scenario.agent)) if scenario.agent else None)
        if path is None:
            raise ScenarioError(f"{scenario.path}: no agent: add 'agent: path/to/agent.py' "
                                "or pass --agent")
        if path not in agents:
            agents[path] = load_agent_file(path)
        results.append(await run_scenario(scenario, agents[path], judge=not args.no_judge,
                                          mode=args.mode))
    write_table(results, out)
    if args.junit:
        write_junit(results, args.junit)
        out.write(f"JUnit XML -> {args.junit}\n")
    return 0 if all(result.passed for result in results) else 1



"""Evals: scenario files (``vocalis eval scenarios/*.yaml``) that run an agent file turn by
turn, in text mode or over the real WebSocket transport, and check its tool calls, the facts
in its replies, its latency, and optionally an LLM judge's verdict; results as a table and as
JUnit XML.
"""

from .checks import Check, TurnOutcome, check_turn
from .report import write_junit, write_table
from .runner import ScenarioResult, run_scenario
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "Check",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "TurnOutcome",
    "check_turn",
    "load_scenario",
    "run_scenario",
    "write_junit",
    "write_table",
]

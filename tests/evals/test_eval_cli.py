"""``vocalis eval``: the shipped scenarios pass against examples/assistant.py with the test kit's
FakeLLM; failures are explained, in the table and in JUnit XML, with a non-zero exit; the LLM
judge grades through an OpenAI-compatible server."""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.fakes.openai_http import FakeOpenAIHTTP, chat_text_reply

from vocalis.cli import main
from vocalis.evals import ScenarioError, load_scenario
from vocalis.evals.checks import TurnOutcome
from vocalis.evals.judge import judge_conversation
from vocalis.evals.scenario import Judge

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "examples" / "scenarios").glob("*.yaml"))
ASSISTANT = ROOT / "examples" / "assistant.py"


@pytest.fixture(autouse=True)
def no_real_llm(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "VOCALIS_LLM_BASE_URL",
                 "VOCALIS_JUDGE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def run_eval(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["eval", *args], out=out)
    return code, out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text.replace("AGENT", str(ASSISTANT)), encoding="utf-8")
    return path


def test_the_shipped_scenarios_pass_with_the_fake_llm(tmp_path, monkeypatch):
    outside = tmp_path / "my-notes.json"
    monkeypatch.setenv("VOCALIS_NOTES_FILE", str(outside))
    assert len(SHIPPED) >= 4
    junit = tmp_path / "eval.xml"
    code, out = run_eval(*map(str, SHIPPED), "--junit", str(junit))
    assert code == 0, out
    assert f"{len(SHIPPED)}/{len(SHIPPED)} scenarios passed" in out
    assert "tool calculate(\"expression\": \"12 * 7\")" in out and "-> 12 * 7 = 84" in out
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == str(len(SHIPPED)) and suite.get("failures") == "0"
    assert not suite.findall(".//failure") and not suite.findall(".//error")
    # notes.yaml keeps its notes in a directory of its own, then puts the environment back.
    assert not outside.exists()
    assert os.environ["VOCALIS_NOTES_FILE"] == str(outside)


def test_failures_are_explained_and_exit_non_zero(tmp_path):
    scenario = write(tmp_path, "wrong.yaml", """
name: wrong expectations
agent: AGENT
llm:
  - tool_calls: [{name: calculate, arguments: {expression: "2 + 2"}}]
  - {text: "{tool_output}", ttft: 0.3}
turns:
  - user: What is two plus two?
    expect:
      tool_calls: [{name: calculate, arguments: {expression: "3 + 3"}}, {name: read_notes}]
      facts: ["four hundred"]
      patterns: ["^5$"]
      max_latency_ms: 100
""")
    junit = tmp_path / "eval.xml"
    code, out = run_eval(str(scenario), "--junit", str(junit))
    assert code == 1
    assert "FAIL  wrong expectations" in out
    assert 'FAIL  tool calculate("expression": "3 + 3")  called with "expression": "2 + 2"' in out
    assert "FAIL  tool read_notes()  not called (calls: ['calculate'])" in out
    assert "FAIL  fact 'four hundred'  reply was '2 + 2 = 4'" in out
    assert "FAIL  pattern /^5$/" in out
    measured = re.search(r"FAIL  latency <= 100 ms  (\d+) ms", out)
    assert measured and int(measured.group(1)) >= 300  # the scripted first token comes at 0.3 s
    assert "0/1 scenarios passed" in out
    (failure,) = ET.parse(junit).getroot().iter("failure")
    assert "four hundred" in failure.get("message")


def test_a_failing_llm_shows_in_the_turn_it_broke(tmp_path):
    scenario = write(tmp_path, "silent.yaml", """
name: the llm script runs out
agent: AGENT
llm: []
turn_timeout: 5
turns:
  - user: Hello?
    expect: {facts: [hello]}
""")
    code, out = run_eval(str(scenario))
    assert code == 1
    assert "FAIL  fact 'hello'  reply was \"Sorry, I'm having trouble answering" in out
    assert "session errors: [\"llm: the scenario's llm script has no step left" in out


@pytest.mark.parametrize(("text", "message"), [
    ("name: x\nturns: []\n", "turns"),
    ("name: x\nturns:\n  - {user: hi, audio: a.wav}\n", "exactly one of"),
    ("name: x\nturns:\n  - audio: a.wav\n", "mode: websocket"),
    ("name: x\nturns:\n  - {user: hi, expect: {patterns: ['(']}}\n", "bad pattern"),
    ("name: x\nturns:\n  - {user: hi, expect: {fact: [a]}}\n", "fact"),
    ("- just a list\n", "mapping"),
    ("name: [unclosed\n", "not valid YAML"),
])
def test_bad_scenario_files_are_refused_clearly(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml") as error:
        load_scenario(path)
    assert message in str(error.value)
    code, _ = run_eval(str(path), "--agent", str(ASSISTANT))
    assert code == 2


def test_a_scenario_without_an_agent_says_how_to_give_one(tmp_path, capsys):
    path = write(tmp_path, "noagent.yaml", "name: x\nturns:\n  - user: hi\n")
    code, _ = run_eval(str(path))
    assert code == 2
    assert "--agent" in capsys.readouterr().err


JUDGED = """
name: judged
agent: AGENT
llm:
  - text: It is sunny.
judge:
  rubric: The assistant answers the question about the weather.
  model: judge-model
turns:
  - user: How is the weather?
"""


async def test_the_judge_grades_the_conversation_through_an_openai_compatible_server(
    tmp_path, monkeypatch
):
    async with FakeOpenAIHTTP() as server:
        monkeypatch.setenv("VOCALIS_JUDGE_BASE_URL", server.base_url)
        server.chat_replies.append(chat_text_reply(
            'Verdict: {"pass": false, "reason": "it never mentions rain"}'))
        outcome = TurnOutcome(user="Will it rain?", reply="It is sunny.")
        check = await judge_conversation(Judge(rubric="Mentions rain.", model="m1"), [outcome])
        assert (check.passed, check.detail) == (False, "it never mentions rain")
        (request,) = server.of("/chat/completions")
        assert request.json["model"] == "m1"
        prompt = json.dumps(request.json["messages"])
        assert "Mentions rain." in prompt and "User: Will it rain?" in prompt
        assert "Assistant: It is sunny." in prompt

        server.chat_replies.append(chat_text_reply("I think it is fine."))
        check = await judge_conversation(Judge(rubric="r"), [outcome])
        assert not check.passed and "not a verdict" in check.detail


def test_the_judge_in_a_scenario_and_without_one_configured(tmp_path):
    scenario = write(tmp_path, "judged.yaml", JUDGED)
    code, out = run_eval(str(scenario))
    assert code == 1 and "no judge LLM: set OPENAI_API_KEY or OPENAI_BASE_URL" in out
    code, out = run_eval(str(scenario), "--no-judge")
    assert code == 0 and "judge   skip  skipped (--no-judge)" in out

"""What the benchmark's callers say, and the plan of each call.

Questions carry names, numbers and places (what a weak decode gets wrong first). Pause
sentences are spoken in two halves with 0.6 to 1.0 s of silence between them. A "story"
request makes the echo agent talk for a while, so the caller can speak over it: either
backchannels (which must not stop the agent) or an interruption (which must).
"""

from __future__ import annotations

from dataclasses import dataclass, field

QUESTIONS = (
    "What is the weather like in Paris today?",
    "My name is Alice and I live in Berlin.",
    "Can you book a flight to Tokyo for next Monday?",
    "How far is it from London to Manchester?",
    "Please remind me to call Doctor Patel at half past three.",
    "What time does the museum in Amsterdam open on Sunday?",
    "I need a table for six people at eight o'clock.",
    "Send twenty dollars to my brother James.",
    "Is there a pharmacy near the central station?",
    "My order number is four seven two nine.",
    "How many kilometers is it to Madrid?",
    "Who won the game between Chicago and Boston last night?",
    "I would like to cancel my subscription, please.",
    "Can you play some jazz music in the kitchen?",
    "What is twelve times fifteen?",
    "My flight to Sydney leaves at seven in the morning.",
    "Please set an alarm for six fifteen tomorrow.",
    "Where is the nearest train station in Rome?",
    "Add milk, eggs and bread to my shopping list.",
    "I was born on the fourth of July in nineteen ninety.",
    "Call my sister Maria on her mobile phone.",
    "How much does a ticket to New York cost?",
    "Turn off the lights in the living room.",
    "Is the bank on Oxford Street open on Saturday?",
)

PAUSE_SENTENCES = (
    ("I'd like to book a table for", "four people on Friday.", 0.8),
    ("My address is twelve", "Baker Street in London.", 0.7),
    ("Can you tell me how to get to", "the airport in Frankfurt?", 0.9),
    ("I want to transfer", "two hundred dollars to my savings account.", 0.6),
    ("The meeting with Sarah is on", "Tuesday at ten in the morning.", 1.0),
    ("Please send the report to", "John and Emily before lunch.", 0.8),
    ("My account number is", "three eight one five.", 0.7),
    ("Could you remind me to buy", "flowers for my mother tomorrow?", 0.9),
    ("I'm looking for a hotel near", "the old town in Vienna.", 0.6),
    ("We need a taxi for", "three people at half past six.", 1.0),
)
"""(first half, second half, seconds of silence between them)."""

BACKCHANNELS = ("Mm-hmm.", "Uh-huh.", "Yeah.", "Right.", "Okay.")
STORY_REQUESTS = (
    "Tell me a story.",
    "Please tell me a story.",
    "Can you tell me a story?",
)
INTERRUPTIONS = (
    "Wait, stop, I have a different question.",
    "Sorry, stop, can I ask something else?",
    "Hold on, stop, that is not what I asked.",
    "Stop, stop, please wait a moment.",
)


@dataclass(frozen=True)
class Step:
    """One exchange: a ``turn`` (a question), a ``pause`` sentence, or a ``story`` request
    with ``overlay`` spoken over the agent's long answer (backchannels or one interruption)."""

    kind: str
    text: str
    voice: str
    second_half: str = ""
    pause: float = 0.0
    overlay: tuple[str, ...] = ()
    overlay_kind: str = ""

    @property
    def full_text(self) -> str:
        return f"{self.text} {self.second_half}".strip()


@dataclass
class CallPlan:
    """The steps of one call, in order."""

    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class PlanSize:
    """How many of each step a call has."""

    questions: int
    pauses: int
    backchannel_trials: int  # two backchannels each
    interruptions: int


FULL_CLEAN = PlanSize(questions=8, pauses=10, backchannel_trials=3, interruptions=3)
FULL_NOISY = PlanSize(questions=8, pauses=0, backchannel_trials=0, interruptions=0)
QUICK = PlanSize(questions=2, pauses=1, backchannel_trials=1, interruptions=1)
QUICK_NOISY = PlanSize(questions=2, pauses=0, backchannel_trials=0, interruptions=0)


def plan_call(size: PlanSize, voices: list[str], seed: int) -> CallPlan:
    """A call of ``size``: questions, pause sentences and story steps, voices in rotation.

    ``seed`` shifts which questions and voices come first, so the calls of one run (one per
    noise level) use different pairs.
    """
    plan = CallPlan()
    nv = len(voices)
    for i in range(size.questions):
        text = QUESTIONS[(seed * size.questions + i) % len(QUESTIONS)]
        plan.steps.append(Step("turn", text, voices[(seed + i) % nv]))
    for i in range(size.pauses):
        first, second, pause = PAUSE_SENTENCES[(seed + i) % len(PAUSE_SENTENCES)]
        plan.steps.append(Step("pause", first, voices[(seed + i + 1) % nv], second, pause))
    for i in range(size.backchannel_trials):
        pair = (BACKCHANNELS[(2 * i) % len(BACKCHANNELS)], BACKCHANNELS[(2 * i + 1) % len(BACKCHANNELS)])
        plan.steps.append(Step("story", STORY_REQUESTS[i % len(STORY_REQUESTS)],
                               voices[(seed + i + 2) % nv], overlay=pair,
                               overlay_kind="backchannel"))
    for i in range(size.interruptions):
        plan.steps.append(Step("story", STORY_REQUESTS[(i + 1) % len(STORY_REQUESTS)],
                               voices[(seed + i + 3) % nv],
                               overlay=(INTERRUPTIONS[i % len(INTERRUPTIONS)],),
                               overlay_kind="interruption"))
    return plan

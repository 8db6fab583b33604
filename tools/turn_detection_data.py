"""Build the turn detector's labelled data: tests/data/turn_detection/{train,eval}.jsonl.

    python tools/turn_detection_data.py

Four sources, the first three expanded the same way (a finished turn gives unfinished ones by cutting it
after a word that cannot end a turn, inside a multi-word name, or by a trailing "and"/"um"):
- templates: finished turns in sources.txt, by domain, with {slots} filled here;
- values: numbers, codes, spellings, e-mails, addresses, lists and self-corrections of known
  length, whole (finished) or cut before the end (unfinished), see turn_detection_values.py;
- corpus: human chat turns from the chitchat-dataset package (BYU PCC lab, MIT licence), each
  after the other person's last message;
- clauses: phone turns built from clause pools (subordinate clauses before a dangling subject,
  coordinated clauses, open relative clauses, objects "it"/"that", subjects and auxiliaries,
  digit strings against the length asked for), cut where they are still open and labelled by
  construction, see turn_detection_clauses.py.
Each example is rendered as written and as a lower-case unpunctuated STT transcript. eval.jsonl
holds what is never trained on: whole template domains (travel, insurance), a tenth of the corpus
conversations, of the values and of the clause turns, and handwritten_eval.txt. The independent
sets (independent_eval_v*.txt) are not read here.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from turn_detection_clauses import clause_turns  # noqa: E402
from turn_detection_values import value_answers  # noqa: E402

from vocalis.plugins.turn_detector.dataset import read_labelled  # noqa: E402

DATA = ROOT / "tests" / "data" / "turn_detection"
HELD_OUT_DOMAINS = ("travel", "insurance")
CORPUS_TURNS = 1800
SEED = 7

SLOTS: dict[str, list[str]] = {
    "place": ["Luigi's", "the Golden Dragon", "Bella Vista", "Northwind", "Harbor", "Maple", "Acme"],
    "party": ["two", "four", "six", "3", "5", "eight", "ten", "2"],
    "kids": ["two", "three", "one", "2"],
    "time": ["seven", "7pm", "eight thirty", "6:30", "noon", "half past six", "nine o'clock"],
    "time2": ["eight", "9pm", "seven thirty", "5:45", "ten"],
    "day": ["Friday", "Saturday", "Monday", "Tuesday", "Thursday", "Sunday", "Wednesday"],
    "date": ["March 3rd", "the 12th of May", "June 21", "October first", "the 5th", "April 9th"],
    "date2": ["the 15th", "March 10th", "June 25", "October fourth"],
    "year": ["1985", "nineteen ninety", "1972", "two thousand one", "1968"],
    "nights": ["two", "three", "4", "five", "seven"],
    "roomno": ["312", "4B", "twelve", "1208", "7"],
    "first": ["John", "Maria", "Ahmed", "Li", "Sarah", "Kwame", "Olga", "Diego", "Emma"],
    "name": ["John Smith", "Maria Garcia", "Ahmed Khan", "Li Wei", "Sarah O'Connor", "Tom Becker"],
    "last": ["Smith", "Patel", "Nguyen", "Garcia", "Okafor", "Schmidt", "Rossi", "Chen"],
    "food": ["burger", "pepperoni pizza", "chicken wrap", "pad thai", "caesar salad", "taco"],
    "food2": ["veggie burger", "side salad", "garlic bread", "burrito"],
    "drink": ["coke", "lemonade", "iced tea", "latte", "sprite", "orange juice"],
    "street": ["42 Oak Street", "the Main Street office", "7 Pine Road", "12 Hill Avenue"],
    "addr": ["42 Oak Street, Springfield", "7 Pine Road", "1200 Lake Drive, Austin Texas",
             "15 Rue de la Paix", "221B Baker Street"],
    "device": ["iPhone", "laptop", "Galaxy phone", "tablet", "router", "smart TV"],
    "digits": ["4 5 6 7 8 9", "123456", "nine eight seven six five", "A B 1 2 3 4",
               "five five two one", "7 7 3 0 1"],
    "d4": ["4 4 1 2", "1234", "nine nine zero one", "0 0 7 5"],
    "phone": ["555 0192", "0 7 7 0 0 9 1 2 3", "four one five, five five five, two three",
              "(312) 555 0147", "eight hundred five five five one two one two"],
    "zip": ["90210", "1 0 0 0 1", "SW1A 1AA", "six oh six one four"],
    "amount": ["500 dollars", "two hundred euros", "$1,200", "fifty pounds", "a thousand dollars"],
    "subject": ["biology", "the French revolution", "algebra", "climate change", "Shakespeare"],
    "spelled": ["R O S S I", "L I", "S M I T H", "P A T E L", "G A R C I A", "O K A F O R",
                "C H E N", "K L E I N"],
    "spelled2": ["J O H N", "M A R I A", "L I", "E M M A"],
    "city": ["Paris", "Tokyo", "New York", "Berlin", "Lagos", "Sydney", "Toronto"],
    "city2": ["Rome", "Madrid", "Osaka", "Boston"],
}
#: Slots whose multi-word values may be cut inside ("pepperoni pizza" -> "pepperoni").
CUTTABLE_SLOTS = {"place", "subject", "city", "addr", "date"}
NAME_SLOT = re.compile(r"\{(\w+)\}")

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
#: Words after which a turn is (almost) never finished; a source cut after one is unfinished.
CUT_WORDS = set(
    ["a", "an", "the", "my", "your", "our", "his", "her", "their", "its", "this", "these", "those", "some", "any", "every", "each", "another", "other", "which", "whose", "for", "to", "at", "in", "on", "with", "from", "about", "of", "into", "by", "near", "before", "after", "until", "till", "between", "through", "under", "around", "via", "than", "without", "towards", "onto", "per", "during", "across", "behind", "except", "and", "or", "but", "so", "because", "cause", "if", "when", "while", "although", "though", "unless", "whether", "since", "nor", "plus", "also", "is", "are", "was", "were", "am", "be", "been", "being", "have", "has", "had", "do", "does", "did", "can", "could", "would", "will", "should", "shall", "might", "must", "gonna", "wanna", "gotta", "want", "need", "let", "get", "i'm", "i'd", "i'll", "i've", "it's", "that's", "there's", "we're", "you're", "they're", "he's", "she's", "what's", "where's", "who's", "let's", "we'll", "we'd", "it'll", "here's", "um", "uh", "er", "erm", "hmm", "uhm", "ah", "well", "i", "we", "next", "very", "same", "quite", "several", "whether", "keep", "keeps", "kept", "trying", "supposed", "able", "wants", "wanted", "planning", "hoping", "wondering", "dot"]
)
AMBIGUOUS_ENDS = {"like", "that", "it", "this", "these", "those", "one", "so", "well", "there",
                  "as", "also", "right", "do", "did", "can", "is", "are", "am"}
#: Attributive modifiers: a cut after one, before the noun it modifies, is unfinished.
MODIFIER = re.compile(r"^(?:\w+(?:al|ic|ive|ous|ful|less|able|ible|arian|ian|ary|ese|ish)|new|old|"
                      r"big|small|large|extra|whole|last|first|second|wrong|different|little|"
                      r"free|cheap|early|late|quick|short|long|main|local|online|monthly|annual)$")
#: Nominative pronouns: a verb must follow. "it"/"you" only after a word that opens a clause.
SUBJECTS = {"he", "she", "they"}
CLAUSE_OPENERS = {"that", "when", "if", "because", "and", "but", "so", "then", "where", "since",
                  "until", "before", "after", "while", "although", "though", "which", "once"}
#: Adverbs that sit before a verb ("I don't really | know"): a cut after one is unfinished.
VERB_ADVERBS = {"really", "just", "actually", "even", "still", "never", "always", "usually",
                "normally", "probably", "definitely", "already", "only", "basically"}
#: Verbs that need their object: a cut between one and its determiner is unfinished.
TRANSITIVE = {
    "accept", "take", "bring", "send", "give", "tell", "show", "put", "buy", "charge", "fix",
    "find", "use", "book", "reserve", "reset", "add", "remove", "transfer", "contact", "email",
    "remind", "recommend", "explain", "include", "cover", "offer", "provide", "replace",
    "return", "refund", "waive", "upgrade", "extend", "confirm", "verify", "renew", "activate",
    "unlock", "block", "freeze", "dispute", "report", "file", "submit", "schedule",
    "reschedule", "move", "split", "make"
}
DETERMINERS = {"a", "an", "the", "my", "your", "his", "her", "our", "their", "this", "these",
               "those", "some", "any"}
NUMBER_WORDS = {
    "zero", "oh", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand"
}
#: Words that make a cut after the next subject pronoun or "that" unfinished ("do you").
OPENS_CLAUSE = {"do", "does", "did", "can", "could", "would", "will", "should", "are", "is", "was",
                "were", "have", "has", "what", "where", "when", "why", "how", "which", "if",
                "think", "said", "know", "heard", "so", "sure", "told", "say"}
TRAILERS = ["and", "and um", "but", "so", "because", "um", "uh", "and also", "or", "and then",
            "but I", "and I", "and my", "so I", "which", "and the", "so basically", "and the thing is",
            "but the problem is that", "and I was wondering if", "and could you", "plus",
            "and what about", "oh and", "and do you", "wait", "so like", "but if not then",
            "or maybe", "and if that doesn't work then", "and I don't really"]
#: The caller holds the floor: the turn goes on after these.
THINKING = ["let me think", "hmm let me think", "wait let me see", "one second", "hmm",
            "hang on a moment", "hold on let me", "let me just", "um give me a moment", "hold on",
            "let me check", "wait a moment", "um let me find it", "give me a second",
            "just a sec", "hang on", "let me look", "um", "uh", "hmm", "so um", "well um",
            "I mean", "you know what", "give me one", "just give me a", "hold on one",
            "wait a", "let me grab my", "one moment, I'm looking for the"]
OPENERS = [None, None, "How can I help you?", "Hello, how can I help you today?", "Sure."]
#: Marks a cut whose only sign of being unfinished is its trailing comma: no plain rendering.
WRITTEN_ONLY = "\x00"


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``, apostrophes unified, punctuation dropped."""
    return _WORD.findall(text.replace("\u2019", "'").lower())


def normalized(text: str) -> str:
    return " ".join(words(text))


def parse_sources(path: Path) -> list[tuple[str, str | None, str]]:
    """(domain, assistant context, user template) for every finished turn in sources.txt."""
    rows, domain, context = [], "", None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            domain, context = line[3:].strip(), None
        elif line.startswith("#"):
            continue
        elif not line.strip():
            context = None
        elif line.startswith("> "):
            context = line[2:].strip()
        else:
            rows.append((domain, context, line.strip()))
    return rows


def _is_number(word: str) -> bool:
    return word.isdigit() or word in NUMBER_WORDS


def _unfinished_after(w: str, before: str, after: str) -> bool:
    """Whether a finished sentence cut after ``w`` (between ``before`` and ``after``) is left
    unfinished."""
    if (w in ("you", "i", "we", "they", "that", "it", "he", "she") and before in OPENS_CLAUSE) or (
        w == "please" and before in ("you", "i")
    ):
        return True
    if w in SUBJECTS or (w in ("it", "you") and before in CLAUSE_OPENERS):
        return True
    if (w in VERB_ADVERBS and before != "not") or (w in TRANSITIVE and after in DETERMINERS):
        return True
    if _is_number(after) and not _is_number(w) and w not in ("no", "yes", "yeah", "the"):
        return True  # before a number: "it says error code | five oh two"
    if w in AMBIGUOUS_ENDS and w not in CUT_WORDS:
        return False
    return w in CUT_WORDS or bool(MODIFIER.match(w) and after not in CUT_WORDS)


def cut_points(ws: list[str]) -> list[int]:
    """Word counts at which a finished sentence may be cut to give an unfinished prefix."""
    return [i for i in range(1, len(ws))
            if _unfinished_after(ws[i - 1], ws[i - 2] if i > 1 else "", ws[i])]


def prefix(text: str, n_words: int) -> str:
    """The first ``n_words`` words of ``text`` with its original spelling and punctuation."""
    count, out = 0, []
    for tok in text.split():
        out.append(tok)
        count += len(words(tok))
        if count >= n_words:
            break
    return " ".join(out).rstrip(".,?!;:")


def render(text: str, label: int, rng: random.Random) -> list[str]:
    """The example as written (punctuation varied for unfinished ones) and as plain STT text."""
    if text.endswith(WRITTEN_ONLY):
        return [text.removesuffix(WRITTEN_ONLY)]
    plain = normalized(text)
    if label == 1:
        written = text if rng.random() < 0.8 else text.rstrip(".?!")
        if not written.endswith((".", "?", "!")) and rng.random() < 0.5:
            written = written[:1].upper() + written[1:] + "."  # as Whisper writes a short answer
    else:
        written = text.rstrip(".,?!") + rng.choices(
            ["", "...", ",", " -", "."], weights=[50, 20, 12, 6, 8]
        )[0]
    return [written, plain] if plain != written else [written]


def expand(text: str, label: int, rng: random.Random, slot_cuts: list[str] = ()) -> list[tuple[str, int]]:
    """A finished turn and the unfinished turns derived from it; an unfinished one as it is."""
    if label == 0:
        return [(text, 0)]
    examples = [(text, 1)]
    points = cut_points(words(text))
    for point in rng.sample(points, min(2, len(points))):
        examples.append((prefix(text, point), 0))
    for cut in slot_cuts[:1]:
        examples.append((cut, 0))
    commas = [m.start() for m in re.finditer(",", text)]
    if commas and rng.random() < 0.5:
        examples.append((text[: rng.choice(commas) + 1] + WRITTEN_ONLY, 0))
    if rng.random() < 0.35:
        examples.append((text.rstrip(".!?") + rng.choice([", ", " "]) + rng.choice(TRAILERS), 0))
    return examples


def _fill(template: str, rng: random.Random) -> tuple[str, list[str]]:
    """The filled template and the prefixes that end inside a multi-word slot value."""
    out, cuts = "", []
    pos = 0
    for m in NAME_SLOT.finditer(template):
        out += template[pos : m.start()]
        value = rng.choice(SLOTS[m.group(1)])
        parts = value.split()
        if m.group(1) in CUTTABLE_SLOTS and len(parts) > 1 and parts[-2].lower() not in CUT_WORDS:
            cuts.append(out + " ".join(parts[: rng.randint(1, len(parts) - 1)]).rstrip(","))
        out += value
        pos = m.end()
    return out + template[pos:], cuts


def template_rows(rng: random.Random) -> tuple[list[dict], list[dict]]:
    train, held_out = [], []
    for domain, context, template in parse_sources(DATA / "sources.txt"):
        for _ in range(4 if "{" in template else 2):
            text, slot_cuts = _fill(template, rng)
            ctx = _fill(context, rng)[0] if context and rng.random() < 0.9 else rng.choice(OPENERS)
            target = held_out if domain in HELD_OUT_DOMAINS else train
            for ex, label in expand(text, 1, rng, slot_cuts):
                target += _rows(ex, ctx, label, f"template:{domain}", rng)
    for phrase in THINKING:
        for ctx in (None, "What's your account number?", "Which day suits you?"):
            train += _rows(phrase, ctx, 0, "template:thinking", rng)
    return train, held_out


def value_rows(rng: random.Random) -> tuple[list[dict], list[dict]]:
    train, held_out = [], []
    for text, ctx, label in value_answers(rng):
        target = held_out if rng.random() < 0.1 else train
        if text.endswith(","):
            text += WRITTEN_ONLY
        target += _rows(text, ctx, label, "values", rng)
    return train, held_out


def clause_rows(rng: random.Random) -> tuple[list[dict], list[dict]]:
    train, held_out = [], []
    for text, ctx, label in clause_turns(rng):
        target = held_out if rng.random() < 0.1 else train
        target += _rows(text, ctx, label, "clauses", rng)
    return train, held_out


def corpus_rows(rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Turns of the chitchat corpus after the other person's message; a tenth held out."""
    import chitchat_dataset

    convos = sorted(chitchat_dataset.Dataset().items())
    rng.shuffle(convos)
    train, held_out, taken = [], [], 0
    for convo_id, convo in convos:
        messages = convo["messages"]
        target = held_out if zlib.crc32(convo_id.encode()) % 10 == 0 else train
        for before, turn in itertools.pairwise(messages):
            text = " ".join(u["text"].strip() for u in turn)
            ctx = before[-1]["text"].strip()
            if not _usable(text) or not _usable(ctx) or rng.random() > 0.25:
                continue
            if words(text)[-1] in CUT_WORDS and not text.rstrip().endswith(("?", "!", ".")):
                continue  # a chat line sent mid-sentence: not a finished spoken turn
            for ex, label in expand(text, 1, rng):
                target += _rows(ex, ctx, label, "corpus:chitchat", rng)
            taken += 1
        if taken >= CORPUS_TURNS:
            break
    return train, held_out


def _usable(text: str) -> bool:
    n = len(words(text))
    return 0 < n <= 30 and text.isascii() and "http" not in text and "www." not in text


def _rows(text: str, ctx: str | None, label: int, source: str, rng: random.Random) -> list[dict]:
    return [{"text": t, "context": ctx, "label": label, "source": source}
            for t in render(text, label, rng) if t.strip()]


def dedupe(rows: list[dict], banned: set[str]) -> list[dict]:
    """Rows without repeats and without any whose words are in ``banned``."""
    seen, out = set(), []
    for row in rows:
        key = (row["text"], row["context"])
        if key in seen or normalized(row["text"]) in banned:
            continue
        seen.add(key)
        out.append(row)
    return out


def main() -> None:
    rng = random.Random(SEED)
    train, held_out = [], []
    for build in (template_rows, value_rows, corpus_rows, clause_rows):
        t, h = build(rng)
        train += t
        held_out += h
    handwritten = read_labelled(DATA / "handwritten_eval.txt", "handwritten")
    train = dedupe(train, {normalized(r["text"]) for r in handwritten})
    evaluation = handwritten + dedupe(held_out, {normalized(r["text"]) for r in train})
    for name, rows in (("train", train), ("eval", evaluation)):
        with (DATA / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        pos = sum(r["label"] for r in rows)
        print(json.dumps({"set": name, "n": len(rows), "finished": pos, "unfinished": len(rows) - pos}))


if __name__ == "__main__":
    main()

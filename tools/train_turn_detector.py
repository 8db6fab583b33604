"""Build the turn-detection data set and train the TurnDetector model (offline, dev only).

    python tools/train_turn_detector.py generate   # sources.txt -> train.jsonl, eval.jsonl
    python tools/train_turn_detector.py train      # train.jsonl -> model.json, eval figures
    python tools/train_turn_detector.py            # both

Finished turns come from tests/data/turn_detection/sources.txt (slots filled here);
unfinished ones are derived from them by cutting after a word that cannot end a turn
(articles, prepositions, conjunctions, auxiliaries, "my", "um", ...) or by appending a
trailing "and"/"um"/"because". Each example is rendered as written (punctuated) and as a
lower-case unpunctuated STT transcript. Whole domains (travel, insurance) are held out for
evaluation, and the hand-written examples in handwritten_eval.txt are added to the
evaluation set and removed from training. Training uses scikit-learn's logistic
regression; the model is saved as a JSON feature -> weight map read by numpy-free code.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vocalis.plugins.turn_detector.features import WORD_CLASS, extract, words  # noqa: E402

DATA = ROOT / "tests" / "data" / "turn_detection"
MODEL = ROOT / "src" / "vocalis" / "plugins" / "turn_detector" / "model.json"
HELD_OUT_DOMAINS = ("travel", "insurance")
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
    "spelled": ["R O S S I", "L I", "S M I T H", "P A T E L", "G A R C I A", "O K A F O R", "C H E N", "K L E I N"],
    "spelled2": ["J O H N", "M A R I A", "L I", "E M M A"],
    "city": ["Paris", "Tokyo", "New York", "Berlin", "Lagos", "Sydney", "Toronto"],
    "city2": ["Rome", "Madrid", "Osaka", "Boston"],
}
NAME_SLOT = re.compile(r"\{(\w+)\}")

#: Words after which a turn is (almost) never finished; a source cut here is unfinished.
CUT_CLASSES = {"art", "det", "prep", "conj", "aux", "subjaux", "filler"}
CUT_WORDS = {"my", "i", "we", "dot", "um", "uh", "is", "your", "the", "and", "to", "next", "very",
             "same", "quite", "several", "whose", "whether", "keep", "keeps", "kept", "trying",
             "supposed", "able", "wants", "wanted", "planning", "hoping", "wondering"}
AMBIGUOUS_ENDS = {"like", "that", "it", "this", "these", "those", "one", "so", "well", "there",
                  "as", "also", "right", "do", "did", "can", "is", "are", "am"}
#: Words that make a cut after the next subject pronoun or "that" unfinished ("do you", "is that").
OPENS_CLAUSE = {"do", "does", "did", "can", "could", "would", "will", "should", "are", "is", "was",
                "were", "have", "has", "what", "where", "when", "why", "how", "which", "if",
                "think", "said", "know", "heard", "so", "sure", "told", "say"}
TRAILERS = ["and", "and um", "but", "so", "because", "um", "uh", "and also", "or", "and then",
            "but I", "and I", "and my", "so I", "which", "and the", "so basically", "and the thing is",
            "but the problem is that", "and I was wondering if", "and could you", "also", "plus",
            "and what about", "oh and", "and do you", "actually", "wait", "so like"]
THINKING = ["let me think", "hmm let me think", "wait let me see", "one second", "hmm",
            "hang on a moment", "hold on let me", "let me just", "um give me a moment", "hold on", "let me check",
            "wait a moment", "um let me find it", "give me a second", "just a sec", "hang on",
            "let me look", "um", "uh", "hmm", "so um", "well um", "I mean", "you know what"]
OPENERS = [None, None, "How can I help you?", "Hello, how can I help you today?", "Sure."]


def _fill(template: str, rng: random.Random) -> str:
    return NAME_SLOT.sub(lambda m: rng.choice(SLOTS[m.group(1)]), template)


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


def parse_handwritten(path: Path) -> list[dict]:
    rows, context = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            context = None
        elif line.startswith("> "):
            context = line[2:].strip()
        else:
            label, text = line.split(" ", 1)
            rows.append({"text": text, "context": context, "label": int(label),
                         "source": "handwritten"})
    return rows


def _cut_points(ws: list[str]) -> list[int]:
    """Word counts at which the sentence may be cut to give an unfinished prefix."""
    points = []
    for i in range(1, len(ws)):
        w, before = ws[i - 1], ws[i - 2] if i > 1 else ""
        if w in ("you", "i", "we", "they", "that", "it", "he", "she") and before in OPENS_CLAUSE:
            points.append(i)
            continue
        if w == "please" and before in ("you", "i"):
            points.append(i)
            continue
        if w in AMBIGUOUS_ENDS and w not in CUT_WORDS:
            continue
        if WORD_CLASS.get(w) in CUT_CLASSES or w in CUT_WORDS:
            points.append(i)
    return points


def _prefix(text: str, n_words: int) -> str:
    """The first ``n_words`` words of ``text`` with its original spelling and punctuation."""
    tokens = text.split()
    count, out = 0, []
    for tok in tokens:
        out.append(tok)
        count += len(words(tok))
        if count >= n_words:
            break
    return " ".join(out).rstrip(".,?!;:")


def _render(text: str, label: int, rng: random.Random) -> list[str]:
    """The example as written (punctuation varied for unfinished ones) and as plain STT text."""
    plain = " ".join(words(text))
    if text.endswith("\x00"):
        return [text[:-1]]
    if label == 1:
        written = text if rng.random() < 0.8 else text.rstrip(".?!")
    else:
        written = text.rstrip(".,?!") + rng.choices(
            ["", "...", ",", " -", "."], weights=[50, 20, 12, 6, 12]
        )[0]
    return [written, plain] if plain != written else [written]


def generate(rng: random.Random) -> tuple[list[dict], list[dict]]:
    train, evaluation = [], []
    for domain, context, template in parse_sources(DATA / "sources.txt"):
        n_fills = 4 if "{" in template else 2
        for _ in range(n_fills):
            text = _fill(template, rng)
            ctx = _fill(context, rng) if context and rng.random() < 0.9 else rng.choice(OPENERS)
            if context is None and ctx is None and rng.random() < 0.3:
                ctx = "Sure, what can I help with?"
            examples = [(text, 1)]
            ws = words(text)
            points = _cut_points(ws)
            for point in rng.sample(points, min(3, len(points))):
                examples.append((_prefix(text, point), 0))
            commas = [m.start() for m in re.finditer(",", text)]
            if commas and rng.random() < 0.6:
                examples.append((text[: rng.choice(commas) + 1] + "\x00", 0))
            if rng.random() < 0.35:
                examples.append((text.rstrip(".!?") + rng.choice([", ", " "]) + rng.choice(TRAILERS), 0))
            target = evaluation if domain in HELD_OUT_DOMAINS else train
            for ex_text, label in examples:
                for rendered in _render(ex_text, label, rng):
                    target.append({"text": rendered, "context": ctx, "label": label,
                                   "source": f"generated:{domain}"})
    for phrase in THINKING:
        for ctx in (None, "What's your account number?", "Which day suits you?"):
            for rendered in _render(phrase, 0, rng):
                train.append({"text": rendered, "context": ctx, "label": 0,
                              "source": "generated:thinking"})
    return train, evaluation


def _dedupe(rows: list[dict], banned: set[str]) -> list[dict]:
    seen, out = set(), []
    for row in rows:
        key = (row["text"], row["context"])
        if key in seen or " ".join(words(row["text"])) in banned:
            continue
        seen.add(key)
        out.append(row)
    return out


def cmd_generate() -> None:
    rng = random.Random(SEED)
    train, generated_eval = generate(rng)
    handwritten = parse_handwritten(DATA / "handwritten_eval.txt")
    banned = {" ".join(words(r["text"])) for r in handwritten}
    train = _dedupe(train, banned)
    train_texts = {" ".join(words(r["text"])) for r in train}
    evaluation = handwritten + _dedupe(generated_eval, train_texts)
    for name, rows in (("train", train), ("eval", evaluation)):
        with (DATA / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        pos = sum(r["label"] for r in rows)
        print(json.dumps({"set": name, "n": len(rows), "finished": pos, "unfinished": len(rows) - pos}))


def load(name: str) -> list[dict]:
    with (DATA / f"{name}.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _scores(probs, labels, threshold: float) -> dict:
    tp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= threshold and y == 1)
    fp = sum(1 for p, y in zip(probs, labels, strict=True) if p >= threshold and y == 0)
    fn = sum(1 for p, y in zip(probs, labels, strict=True) if p < threshold and y == 1)
    correct = sum(1 for p, y in zip(probs, labels, strict=True) if (p >= threshold) == (y == 1))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": threshold, "accuracy": round(correct / len(labels), 4),
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "n": len(labels)}


def choose_c(x, y, groups) -> float:
    """Inverse regularisation strength with the best accuracy when whole domains are held out."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_score

    best = (0.0, 1.0)
    for c in (0.1, 0.3, 1.0, 3.0, 10.0):
        clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        score = cross_val_score(clf, x, y, groups=groups, cv=GroupKFold(n_splits=5)).mean()
        print(json.dumps({"C": c, "cv_accuracy": round(float(score), 4)}))
        best = max(best, (float(score), c))
    return best[1]


def cmd_train(c: float | None) -> None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    train, evaluation = load("train"), load("eval")
    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(extract(r["text"], r["context"]), 1) for r in train])
    y = [r["label"] for r in train]
    if c is None:
        c = choose_c(x, y, [r["source"] for r in train])
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    clf.fit(x, y)
    weights = {
        name: round(float(w), 4)
        for name, w in zip(vec.get_feature_names_out(), clf.coef_[0], strict=True)
        if abs(w) >= 1e-3
    }
    sys.path.insert(0, str(ROOT / "src"))
    from vocalis.plugins.turn_detector.detector import TurnModel

    model = TurnModel(weights=weights, bias=round(float(clf.intercept_[0]), 4))
    report = {}
    for subset in ("all", "handwritten", "generated"):
        rows = [r for r in evaluation if subset == "all" or r["source"].startswith(subset)]
        probs = [model.probability(r["text"], r["context"]) for r in rows]
        labels = [r["label"] for r in rows]
        report[subset] = [_scores(probs, labels, t) for t in (0.5, 0.7)]
    meta = {"trained_on": len(train), "C": c, "features": len(weights), "eval": report}
    MODEL.write_text(json.dumps({"version": 1, "bias": model.bias, "meta": meta,
                                 "weights": dict(sorted(weights.items()))}, indent=0) + "\n")
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["generate", "train", "all"], default="all")
    parser.add_argument("--c", type=float, default=None,
                        help="inverse L2 strength (default: chosen by cross-validation over domains)")
    args = parser.parse_args()
    if args.command in ("generate", "all"):
        cmd_generate()
    if args.command in ("train", "all"):
        cmd_train(args.c)


if __name__ == "__main__":
    main()

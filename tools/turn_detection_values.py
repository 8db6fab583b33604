"""Generated answers with a known length: numbers, codes, spellings, lists and self-corrections.

A caller reading out a phone number, a card or an order number pauses between groups; a caller
listing items pauses after a comma; a caller correcting themselves pauses after "no,". The
templates in sources.txt cannot teach that the value is unfinished, so these examples are built
here: the whole value (finished) and the value cut before its end (unfinished), each after an
assistant question asking for it. Used only by ``turn_detection_data.py``.
"""

from __future__ import annotations

import random
import string

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

#: (kind, questions, digits per group, spoken names of the value)
NUMBER_KINDS: list[tuple[str, list[str], list[int], list[str]]] = [
    ("phone", ["What's the best number to reach you?", "Can I get a phone number?",
               "And what's your phone number?", "Which number should we call you back on?"],
     [3, 3, 4], ["number", "phone number", "cell", "mobile number"]),
    ("zip", ["What's your zip code?", "Can you confirm the postal code?",
             "And the zip code there?"], [5], ["zip", "zip code", "postal code"]),
    ("last4", ["Can you give me the last four digits of the card?",
               "Please confirm the last four of your social.", "What are the last four digits?"],
     [4], ["last four", "last four digits"]),
    ("card", ["What's the card number?", "Go ahead with the card number whenever you're ready.",
              "Can you read me the long number on the front of the card?"],
     [4, 4, 4, 4], ["card number", "number"]),
    ("account", ["What's your account number?", "Could you read me your member ID?",
                 "Please say or enter your account number.", "Can I have the policy number?"],
     [4, 4], ["account number", "member ID", "policy number", "number"]),
    ("order", ["Do you have the order number handy?", "What's the ticket number?",
               "Can you read me the tracking number?"], [3, 4], ["order number", "ticket number",
                                                                 "tracking number", "number"]),
    ("code", ["Please read me the six digit code we texted you.",
              "What's the verification code on your screen?"], [6], ["code", "verification code"]),
]

CODE_QUESTIONS = ["What's the booking reference?", "Can you read me the confirmation code?",
                  "What's the reference number on the letter?", "What's the promo code?"]

SPELL_QUESTIONS = ["Could you spell the last name for me?", "How do you spell that?",
                   "Can you spell your first name?", "And how is that spelled?"]
SPELL_NAMES = ["HARRINGTON", "NAKAMURA", "DUBOIS", "FERREIRA", "MCALLISTER", "ABERNATHY",
               "SOKOLOV", "LINDQVIST", "OYELARAN", "BRENNAN", "VASQUEZ", "THORNTON", "ZIELINSKI"]

EMAIL_QUESTIONS = ["What's your email address?", "Which email should I send it to?",
                   "Can you confirm the email on the account?"]
EMAIL_USERS = [["tom", "brennan"], ["a", "nakamura"], ["lucy", "h"], ["dev", "ops"],
               ["mark", "twenty"], ["sofia", "ferreira"]]
EMAIL_DOMAINS = [["gmail", "com"], ["outlook", "com"], ["hotmail", "co", "uk"], ["icloud", "com"],
                 ["company", "org"]]

ADDRESS_QUESTIONS = ["What's the address?", "Where should we send the technician?",
                     "And the delivery address?", "What's the street address?"]
STREETS = ["Maple Avenue", "Ocean Drive", "Harbor Road", "Willow Lane", "Kingsley Court",
           "Second Street", "Mill Road", "Chestnut Boulevard"]

DATE_QUESTIONS = ["What's your date of birth?", "When were you born?",
                  "Can you confirm the date of birth on file?"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ORDINALS = ["first", "second", "third", "fifth", "ninth", "twelfth", "fifteenth", "twentieth",
            "twenty first", "twenty eighth", "thirtieth", "4th", "11th", "23rd", "17th"]
YEARS = ["nineteen seventy six", "nineteen eighty eight", "nineteen ninety", "two thousand three",
         "1969", "1994", "2001", "nineteen sixty two"]

LEADS = ["", "", "", "it's ", "sure, it's ", "yeah it's ", "um it's ", "okay so it's ",
         "that would be ", "yes, ", "let me see, it's "]

LIST_QUESTIONS: list[tuple[str, list[str], list[str]]] = [
    ("What can I get started for you?", ["I'll have ", "can I get ", "I'd like ", ""],
     ["a cheeseburger", "large fries", "a vanilla shake", "two hot dogs", "onion rings",
      "a grilled chicken sandwich", "a bottle of water", "a side of coleslaw", "a brownie"]),
    ("What symptoms have you noticed?", ["", "I've had ", "mostly ", "there's "],
     ["a runny nose", "chills", "a stiff neck", "body aches", "a dry cough", "nausea",
      "trouble sleeping", "a rash", "blurry vision"]),
    ("What documents do you have with you?", ["I have ", "I brought ", ""],
     ["my passport", "a utility bill", "my birth certificate", "a bank statement",
      "my old license", "a pay stub", "the lease agreement"]),
    ("What topics does the test cover?", ["", "it covers ", "we have "],
     ["fractions", "decimals", "the water cycle", "the civil war", "verb tenses",
      "photosynthesis", "linear equations", "the solar system"]),
    ("Which channels do you want in the package?", ["", "I want ", "we'd like "],
     ["sports", "the news channels", "HBO", "the kids channels", "ESPN", "movies"]),
]

CORRECTION_POOLS: list[tuple[str, list[str]]] = [
    ("Which day would you like?", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                   "Saturday", "the ninth", "the fourteenth", "next week"]),
    ("What time suits you?", ["nine", "ten thirty", "noon", "two", "quarter past four",
                              "six in the evening", "eleven"]),
    ("How many tickets do you need?", ["two", "three", "four", "five", "six"]),
    ("Which size do you want?", ["small", "medium", "large", "extra large"]),
    ("Where are you travelling to?", ["Dallas", "Seattle", "Miami", "Phoenix", "Atlanta"]),
]
CORRECTION_MARKS = ["no", "no sorry", "no wait", "sorry", "I mean", "actually", "oh no",
                    "no no", "scratch that"]
SHORT_LEADS = ["", "", "", "um, ", "uh ", "let's say ", "how about ", "maybe ", "I'd say ",
               "probably ", "I guess "]

NAME_QUESTIONS = ["Who am I speaking with?", "Can I get your name?", "And your first name?",
                  "What name is the booking under?", "May I have your full name please?"]
FIRST_NAMES = ["Priyanka", "Tomasz", "Grace", "Mohammed", "Ingrid", "Carlos", "Yuki", "Ben",
               "Fatima", "Oliver", "Ana", "Dmitri", "Chloe", "Samuel"]
LAST_NAMES = ["Brennan", "Nakamura", "Dubois", "Ferreira", "McAllister", "Sokolov", "Lindqvist",
              "Oyelaran", "Vasquez", "Thornton", "Zielinski", "Harrington"]

#: Offers answered by an elided verb phrase: finished after the offer, unfinished elsewhere.
OFFERS = ["Would you like to join our rewards program?", "Do you want to add insurance?",
          "Would you like me to book that for you?", "Do you need to reschedule?",
          "Would you like to hear the specials?", "Do you want to keep the same time?"]
ELLIPSES = ["I'd love to", "yes I'd like to", "sure, I'd be glad to", "I guess I have to",
            "yes we need to", "I want to", "I don't want to", "yes I do",
            "I would", "we'd like to", "I'd really like to", "yes please do"]
OPEN_REQUESTS = ["How can I help you today?", "What can I do for you?", "Go ahead."]
#: Yes/no questions and the short elided answers that finish a turn after them.
YES_NO = ["Is that correct?", "Is this still the best number?", "Did that work?",
          "Are you the account holder?", "Is the address the same?", "Do you have it with you?",
          "Was it delivered?", "Have you used our service before?"]
YES_NO_ANSWERS = ["yes it is", "no it isn't", "yes I am", "no I'm not", "yes I did", "it did",
                  "no it didn't", "yes I do", "I don't", "yes it was", "no it wasn't", "I have",
                  "no I haven't", "yes that's right", "that's correct", "yep it is", "it is",
                  "no, it's not", "yeah I am", "sure is"]


def say_digits(digits: str, rng: random.Random, oh: float = 0.5) -> str:
    """``digits`` as a caller says them: "4 1 5", "415" or words, zero as "oh" with odds ``oh``."""
    style = rng.random()
    if style < 0.35:
        return " ".join(digits)
    if style < 0.55:
        return digits
    words = [DIGIT_WORDS[int(d)] for d in digits]
    if rng.random() < oh:
        words = ["oh" if w == "zero" else w for w in words]
    return " ".join(words)


def _number_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    out = []
    for _kind, questions, groups, nouns in NUMBER_KINDS:
        for _ in range(26):
            value = ["".join(rng.choice(string.digits) for _ in range(n)) for n in groups]
            q = rng.choice(questions) if rng.random() < 0.9 else None
            lead = rng.choice(LEADS)
            if rng.random() < 0.3:
                lead = rng.choice(["my ", "the "]) + rng.choice(nouns) + " is "
            sep = rng.choice([" ", ", ", " ", " dash "]) if len(groups) > 1 else " "
            spoken = [say_digits(g, rng) for g in value]
            out.append((lead + sep.join(spoken), q, 1))
            flat = "".join(value)
            cut = rng.randint(1, len(flat) - 1)
            if len(groups) > 1 and rng.random() < 0.5:
                shown = sep.join(spoken[: rng.randint(1, len(groups) - 1)])
                shown += rng.choice(["", ",", " dash"]) if sep != " dash " else " dash"
            else:
                shown = say_digits(flat[:cut], rng)
            out.append((lead + shown, q, 0))
    return out


def _code_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    out = []
    alphabet = string.ascii_uppercase + string.digits
    for _ in range(40):
        code = "".join(rng.choice(alphabet) for _ in range(6))
        spoken = " ".join(c if c.isalpha() else rng.choice([c, DIGIT_WORDS[int(c)]]) for c in code)
        q, lead = rng.choice(CODE_QUESTIONS), rng.choice(LEADS)
        out.append((lead + spoken, q, 1))
        out.append((lead + " ".join(spoken.split()[: rng.randint(1, 3)]), q, 0))
    for _ in range(40):
        name = rng.choice(SPELL_NAMES)
        q, lead = rng.choice(SPELL_QUESTIONS), rng.choice(["", "", "sure, ", "it's ", "that's "])
        out.append((lead + " ".join(name), q, 1))
        out.append((lead + " ".join(name[: rng.randint(2, len(name) // 2 + 1)]), q, 0))
    return out


def _email_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    out = []
    for _ in range(40):
        user, domain = rng.choice(EMAIL_USERS), rng.choice(EMAIL_DOMAINS)
        parts = [*" dot ".join(user).split(" "), "at", *" dot ".join(domain).split(" ")]
        q, lead = rng.choice(EMAIL_QUESTIONS), rng.choice(LEADS)
        out.append((lead + " ".join(parts), q, 1))
        cuts = [i for i, w in enumerate(parts) if w in ("at", "dot")]
        cut = rng.choice([*cuts, rng.randint(1, len(parts) - 1)])
        out.append((lead + " ".join(parts[: cut + (1 if parts[cut] in ("at", "dot") else 0)]), q, 0))
    return out


def _address_and_date_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    out = []
    for _ in range(40):
        number = str(rng.randint(3, 4800))
        street = rng.choice(STREETS)
        q, lead = rng.choice(ADDRESS_QUESTIONS), rng.choice(LEADS)
        full = f"{number} {street}"
        if rng.random() < 0.3:
            full += f", apartment {rng.randint(1, 40)}{rng.choice(['', 'B', 'C'])}"
        out.append((lead + full, q, 1))
        partial = rng.choice([number, f"{number} {street.split()[0]}", f"{number} {street}, apartment",
                              f"{number} {street} in"])
        out.append((lead + partial, q, 0))
    for _ in range(40):
        month, day, year = rng.choice(MONTHS), rng.choice(ORDINALS), rng.choice(YEARS)
        q, lead = rng.choice(DATE_QUESTIONS), rng.choice(LEADS)
        full = rng.choice([f"{month} {day}, {year}", f"the {day} of {month} {year}"])
        out.append((lead + full, q, 1))
        partial = rng.choice([month, f"{month} {day}, {year.split()[0]}", f"the {day} of",
                              f"{month} the"])
        out.append((lead + partial, q, 0))
    return out


def _list_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    out = []
    for question, carriers, items in LIST_QUESTIONS:
        for _ in range(30):
            picked = rng.sample(items, rng.randint(2, 4))
            carrier = rng.choice(carriers)
            head = ", ".join(picked[:-1])
            joiner = rng.choice([", and ", " and ", ", "])
            out.append((carrier + head + joiner + picked[-1], question, 1))
            open_end = rng.choice([head + ",", head + ", and", head + " and", head + ", um",
                                   head + ", and also", head + ", plus"])
            out.append((carrier + open_end, question, 0))
    return out


def _correction_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    out = []
    for question, pool in CORRECTION_POOLS:
        for _ in range(24):
            first, second = rng.sample(pool, 2)
            mark = rng.choice(CORRECTION_MARKS)
            out.append((f"{first}, {mark}, {second}", question, 1))
            out.append((f"{first}, {mark},", question, 0))
            out.append((rng.choice([f"{first} or", f"{first} or maybe", f"{first}, or if not"]),
                        question, 0))
    return out


#: Questions whose answer is one small number, and ways to give it.
COUNT_QUESTIONS = ["How many people will be coming?", "How many bags are you checking?",
                   "What's nine times seven?", "What does x equal?", "How old is the patient?",
                   "Which floor are you on?", "How many nights?", "On a scale of one to ten?",
                   "What's twelve divided by four?", "How many tickets?"]
COUNTS = ["two", "three", "four", "six", "seven", "nine", "twelve", "fifteen", "twenty one",
          "sixty three", "3", "4", "8", "42", "63", "negative two", "five over two", "one half"]


def _count_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    out = []
    for _ in range(120):
        q, n, m = rng.choice(COUNT_QUESTIONS), rng.choice(COUNTS), rng.choice(COUNTS)
        done = rng.choice([n, n.capitalize() + ".", f"about {n}", f"probably {n}, maybe {m}",
                           f"{n} or {m}", f"it's {n}", f"I think {n}", f"x equals {n}",
                           f"just {n}", f"{n}, I think", f"is it {n}?"])
        out.append((done, q, 1))
        open_ = rng.choice([f"{n} and", "about", f"maybe {n} or", f"{n} plus", "x equals",
                            "x equals five over", f"{n}, no,", "it's um", f"I think it's {n} or"])
        out.append((open_, q, 0))
    return out


def _short_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    """Bare values, names and elided answers that finish a turn after the right question."""
    out = []
    for question, pool in CORRECTION_POOLS:
        for value in pool:
            out.append((rng.choice(SHORT_LEADS) + value, question, 1))
            out.append((value + rng.choice([".", "", " please", " works", " is fine"]), question, 1))
    for _ in range(40):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        q = rng.choice(NAME_QUESTIONS)
        full = rng.choice([first, f"{first} {last}", f"it's {first} {last}", f"this is {first}",
                           f"{first} {last}.", f"my name is {first} {last}", last])
        out.append((full, q, 1))
        out.append((rng.choice([f"first name {first}, last name", f"my name is {first}, um",
                                f"it's {first} and the last name is", "my name is",
                                f"{first}, and my surname is"]), q, 0))
    for _ in range(60):
        out.append((rng.choice(YES_NO_ANSWERS), rng.choice(YES_NO), 1))
    for _ in range(30):
        phrase = rng.choice(ELLIPSES)
        out.append((phrase, rng.choice(OFFERS), 1))
        if phrase.endswith(" to"):
            out.append((phrase, rng.choice(OPEN_REQUESTS), 0))
    return out


def value_answers(rng: random.Random) -> list[tuple[str, str | None, int]]:
    """(user text, assistant question, label) for every generated value answer."""
    return [
        *_number_answers(rng), *_code_answers(rng), *_email_answers(rng),
        *_address_and_date_answers(rng), *_list_answers(rng), *_correction_answers(rng),
        *_short_answers(rng), *_count_answers(rng),
    ]

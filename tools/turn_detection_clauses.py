"""Generated phone turns whose clause structure is known, so every cut is labelled by construction.

A caller pauses where a listener still knows more is coming: after "when I try to log in" and
after the "it" that should start the main clause, after "the charge that", after "I was", after
"can you send it to". The same words end a turn elsewhere: "it freezes when I try to log in",
"can you cancel it", "yes, I was" after a yes/no question, "when I open the app" after "When
does it happen?". These builders put each construction whole (finished) beside its cuts
(unfinished) and beside the contexts that flip the label, with the words drawn from small
pools. Used only by ``turn_detection_data.py``.
"""

from __future__ import annotations

import random

from turn_detection_values import say_digits

OPEN_CONTEXTS = [
    "How can I help you today?", "What can I do for you?", "Thanks for calling, how may I help?",
    "Hi, this is support. What's going on?", "How can I help?", "What seems to be the problem?",
    "Can you describe the issue?", "What's happening exactly?", "Go ahead, I'm listening.",
    "Tell me what happened.", "What's going on with it?", "What can I help you with this morning?",
    "Sure, what's the problem?", "And what happens then?", "Okay, what's the trouble?",
]
WHEN_CONTEXTS = ["When does that happen?", "When does it do that?", "When do you see the error?",
                 "When does the pain get worse?", "When did it start?", "When does it stop working?"]

SUBORDINATORS = ["when", "whenever", "every time", "if", "as soon as", "after", "once"]
#: Complete clauses: subject and predicate.
CLAUSES = [
    "I try to log in", "I try to sign in", "I open the app", "I click the link", "I hit pay",
    "I put my password in", "I enter the code", "I call that number", "I turn it on",
    "I plug it back in", "I restart it", "I go to check out", "I swipe my card", "I try to pay",
    "I hit submit", "I upload the file", "I scan the barcode", "I press the button",
    "we get home", "the kids use it", "I change the channel", "it rains", "I run the dishwasher",
    "I use the shower upstairs", "I take the pill", "I bend my knee", "I lie down",
    "I eat something", "I walk up the stairs", "I send the email", "the payment goes through",
    "my husband tries to book", "I add it to the cart", "I update the app", "I reset the router",
    "I connect to the wifi", "I stand up", "I try to print", "I go on the website",
    "I pick up the phone", "I try to transfer money", "I type in the promo code",
    "I log in from my laptop", "I try to download the statement", "I open the attachment",
    "I try to book online", "I go to my account page", "we turn on the heat", "I wake up",
    "I try to video call", "I tap on my appointments", "I select the date", "I try to reply",
]
#: What the main clause's subject may be: said alone after a subordinate clause, it dangles.
MAIN_SUBJECTS = [
    "it", "the app", "the screen", "the page", "the system", "the website", "my phone",
    "the router", "the light", "the whole thing", "my card", "the payment", "the TV",
    "my computer", "the machine", "nothing", "they", "the water", "the pain", "my knee",
    "the error", "the printer", "the call", "this message", "the site", "the button",
]
#: Subjects that only dangle here (the predicates are written for "it").
DANGLING_SUBJECTS = ["I", "they", "we", "you"]
#: Complete predicates for those subjects.
PREDICATES = [
    "freezes", "just freezes", "goes blank", "crashes", "kicks me out", "logs me out",
    "says my password is wrong", "shows an error", "gives me an error", "keeps loading",
    "doesn't do anything", "won't go through", "gets declined", "starts beeping", "turns off",
    "shuts down", "asks for a code again", "says invalid", "times out",
    "takes me back to the home page", "charges me twice", "stops working", "gets worse",
    "hurts", "leaks", "makes a loud noise", "says something went wrong",
    "tells me to try again later", "goes to voicemail", "cuts out", "disconnects",
    "says the session expired", "won't load", "doesn't recognize me", "spins forever",
    "pops up", "happens", "flickers", "gets stuck on the loading screen", "just closes",
]
#: A predicate cut after one of these still needs its rest ("it says | my password ...").
OPEN_PREDICATE_WORDS = {"says", "just", "keeps", "gives", "shows", "asks", "takes", "tells",
                        "is", "to", "my", "an", "a", "the", "for", "won't", "doesn't", "on",
                        "gets", "goes", "makes"}
LEADS = ["", "", "", "", "the problem is that", "the problem is", "the issue is that",
         "what happens is", "so basically", "so", "yeah so", "um so", "the thing is", "well",
         "okay so", "it's just that", "and", "but", "honestly", "and then"]
#: Leads that promise a clause: said alone, the turn is not over.
OPEN_LEADS = {"the problem is that", "the problem is", "the issue is that", "what happens is",
              "the thing is", "it's just that", "so basically"}

PAST_ACTIONS = [
    "I restarted it", "I unplugged it", "I reset my password", "I called last week",
    "I cleared the cache", "I reinstalled the app", "I tried another card", "I sent the form in",
    "I paid the bill", "I updated it", "we rebooked", "I took the medicine",
    "I followed the steps", "I talked to someone yesterday", "I emailed your team",
    "I waited two weeks", "I changed the batteries", "I went to the store",
    "I filled out the claim", "I did everything they told me",
]
RESULTS = [
    "it still doesn't work", "nothing changed", "it worked for a day", "it's still the same",
    "they never called back", "it still says I owe money", "the charge is still there",
    "it happened again", "it didn't help", "nobody got back to me", "it's still broken",
    "I still haven't heard anything", "the problem came back", "it's even worse now",
]

#: (what the caller asks about, the noun, an open relative clause that completes it)
REL_LEADS = ["I'm calling about", "I have a question about", "can you check on",
             "I wanted to ask about", "it's about", "I need help with", "I'm following up on",
             "there's a problem with", "I'm calling because of", "it's regarding"]
REL_NOUNS = [
    ("the charge", "that showed up on my statement"), ("the order", "I placed last week"),
    ("the email", "you guys sent me"), ("the package", "that was supposed to come yesterday"),
    ("the appointment", "I made for my son"), ("the letter", "I got in the mail"),
    ("the bill", "that came this month"), ("the technician", "who came out on Monday"),
    ("the refund", "you promised me"), ("the prescription", "my doctor called in"),
    ("the quote", "you gave me last week"), ("the room", "we booked for Friday"),
    ("a text", "I just got from you"), ("the form", "the doctor gave me"),
    ("the lady", "I talked to yesterday"), ("the plan", "that includes the pool"),
    ("the flight", "that leaves at six"), ("the payment", "I made on the first"),
    ("the claim", "I opened last month"), ("the tickets", "I bought for Saturday"),
    ("the class", "my daughter signed up for"), ("the car", "you have on your lot"),
    ("the test results", "the nurse mentioned"), ("the fee", "they added to my account"),
]
#: Words a relative clause may be cut after and still be open.
REL_OPEN_WORDS = {"that", "who", "I", "you", "we", "my", "the", "on", "for", "was", "to", "in",
                  "from", "guys", "doctor", "just", "gave", "called", "signed", "talked",
                  "supposed", "nurse", "showed", "leaves", "includes", "they", "daughter", "at"}

OBJECT_CONTEXTS = [*OPEN_CONTEXTS, "Is there anything else?", "What would you like to do?",
                   "Okay. What would you like me to do with the order?"]
#: Verb phrases whose object "it"/"that"/"them" may end the turn.
OBJECT_LEADS = ["I need to", "I want to", "can you", "could you", "I'd like to", "I can't",
                "I couldn't", "I don't want to", "please", "I just want to", "is it possible to",
                "how do I", "why can't I", "I already tried to", "I'm trying to", "can I",
                "I'd rather", "you need to", "I was hoping you could", "somebody needs to"]
OBJECT_VERBS = ["cancel", "return", "fix", "change", "move", "reschedule", "send", "resend",
                "refund", "find", "open", "use", "afford", "read", "pay", "turn off", "close",
                "update", "renew", "keep", "take back", "look at", "check", "replace", "print",
                "ship", "sign", "reverse", "push back", "track", "activate", "return"]
OBJECTS = ["it", "it", "that", "this", "them", "it please", "that for me", "it for me",
           "it today", "it again", "those", "it online", "that one"]
#: After the object, these leave the turn open ("can you send it to").
OBJECT_TAILS = ["to", "for", "on", "from", "so that", "because", "and", "but", "before the",
                "until", "by", "with", "to my", "over to", "back to the", "without", "or"]
#: Statements ending on an object pronoun, finished as they are.
OBJECT_STATEMENTS = [
    "I never ordered that", "I didn't get it", "I already paid it", "we don't need it anymore",
    "I can't find it anywhere", "that's what I said", "I don't understand that",
    "I didn't know that", "I think I'll take it", "I'd love that", "I'll do that",
    "I'm fine with that", "I don't remember doing that", "he already did that",
    "I just want to get rid of it", "I tried that", "I've already done that twice",
    "nobody told me about it", "I can't afford it", "I really need it", "we tried it",
    "my wife set it up", "the bank said you'd handle it", "I was never told about this",
    "I don't see it", "I already returned them", "I don't want them", "I saw it",
    "I'll think about it", "I'd appreciate that", "I need it by Friday", "could you repeat that",
]

#: Subjects a caller may start a clause with, and what may follow them with the clause open.
SUBJECTS = ["I", "we", "my wife", "my son", "the doctor", "the technician", "the bill",
            "my account", "the lady on the phone", "your website", "the guy", "my insurance",
            "they", "my husband", "the last person I talked to", "my landlord", "the nurse",
            "my daughter's teacher", "the manager", "the delivery driver", "the app"]
AUXILIARIES = ["was", "is", "has", "had", "will", "would", "could", "should", "might",
               "has been", "was going to", "is supposed to", "keeps", "never", "already", "just",
               "said", "told me", "wanted to", "tried to", "used to", "is going to", "can't even",
               "said that", "thinks", "still", "was like", "had to", "ended up"]
CLAUSE_LEADS = ["so", "and", "but", "yeah so", "well", "because", "and then", "the thing is",
                "um", "and now", "I think", "apparently", "so yesterday", "basically"]
#: Yes/no questions and the short answers that end a turn on an auxiliary.
SHORT_ANSWERS = [
    ("Have you tried turning it off and on again?", ["yes I have", "I have", "yeah we have",
                                                     "no I haven't", "I did", "yes I did"]),
    ("Were you the one who called earlier?", ["I was", "yes I was", "no that wasn't me",
                                              "yeah it was"]),
    ("Is this the best number to reach you?", ["it is", "yes it is", "yeah it is", "no it's not"]),
    ("Can you make it in on Friday?", ["I can", "yes I can", "no I can't", "I can't", "we can"]),
    ("Will your wife be joining you?", ["she will", "yes she will", "no she won't", "she might"]),
    ("Did the technician show up?", ["he did", "no he didn't", "they did", "nope they didn't"]),
    ("Is your son allergic to anything?", ["he is", "he's not", "not that I know of"]),
    ("Would you like me to go ahead with that?", ["I would", "yes please", "I guess so",
                                                  "sure why not"]),
    ("Has the pain gotten any better?", ["it has", "it hasn't", "not really", "a little"]),
    ("Should I put that on the card on file?", ["you should", "yes you can", "please do"]),
]
#: Questions whose answer is a bare noun phrase, finished as it is.
PEOPLE = ["my wife", "my son", "the doctor", "the technician", "the lady on the phone", "the guy",
          "my husband", "the last person", "my landlord", "the nurse", "the manager",
          "my daughter", "my mother", "Dr. Lee", "me", "my dad", "both of us"]
WHO_CONTEXTS = ["Who is the appointment for?", "Who did you speak with?",
                "Who will be picking it up?", "Who is the account holder?",
                "And who referred you?", "Who's calling, please?"]

#: (question, digits the answer needs, digits it may stop at and still be open)
DIGIT_QUESTIONS = [
    ("What's the zip code?", 5), ("And your zip code?", 5), ("What's the postal code there?", 5),
    ("What's the best phone number for you?", 10), ("Can I get a callback number?", 10),
    ("And the phone number with area code?", 10), ("What are the last four of the card?", 4),
    ("Can you confirm the last four digits of your social?", 4), ("What's your PIN?", 4),
    ("What's the card number on the front?", 16), ("Read me the six digit code, please.", 6),
    ("What's the verification code we just texted?", 6), ("What's the extension?", 3),
    ("What's the member number? It's nine digits.", 9), ("What year were you born?", 4),
]
DIGIT_LEADS = ["", "", "", "it's ", "yeah it's ", "um ", "sure, ", "okay it's ", "that's ",
               "it should be "]


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _cap(text: str, rng: random.Random) -> str:
    return text[:1].upper() + text[1:] if rng.random() < 0.5 else text


def _predicate_cuts(subject_text: str, predicate: str) -> list[str]:
    words = predicate.split()
    return [_join(subject_text, *words[:i]) for i in range(1, len(words))
            if words[i - 1] in OPEN_PREDICATE_WORDS]


def subordinate_turns(rng: random.Random, n: int) -> list[tuple[str, str | None, int]]:
    """'[lead] when I try to log in, it freezes' and its cuts; 'it freezes when I ...' too."""
    out = []
    for _ in range(n):
        lead, sub, clause = rng.choice(LEADS), rng.choice(SUBORDINATORS), rng.choice(CLAUSES)
        subject, predicate = rng.choice(MAIN_SUBJECTS), rng.choice(PREDICATES)
        dangling = rng.choice(DANGLING_SUBJECTS) if rng.random() < 0.2 else subject
        ctx = rng.choice(OPEN_CONTEXTS)
        opened = _join(lead, sub, clause) + rng.choice([",", "", ""])
        out.append((_cap(_join(opened, subject, predicate), rng), ctx, 1))
        cuts = [_join(lead, sub), _join(lead, sub, clause.split()[0]), _join(lead, sub, clause),
                _join(opened, dangling), _join(opened, dangling), _join(opened, subject),
                *_predicate_cuts(_join(opened, subject), predicate)]
        if lead in OPEN_LEADS:
            cuts.append(lead)
        for cut in rng.sample(cuts, 2):
            out.append((_cap(cut, rng), ctx, 0))
        # Main clause first: finished whole or after the main clause; open after "when (I)".
        main = _join(subject, predicate)
        out.append((_cap(_join(main, sub, clause), rng), ctx, 1))
        out.append((_cap(rng.choice([_join(main, sub), _join(main, sub, clause.split()[0])]),
                         rng), ctx, 0))
        if rng.random() < 0.3:
            out.append((_cap(_join(sub, clause), rng), rng.choice(WHEN_CONTEXTS), 1))
    return out


def coordinated_turns(rng: random.Random, n: int) -> list[tuple[str, str | None, int]]:
    """'I restarted it and it still doesn't work' and its cuts after 'and' and after 'it'."""
    out = []
    for _ in range(n):
        action, result = rng.choice(PAST_ACTIONS), rng.choice(RESULTS)
        joiner, ctx = rng.choice(["and", "but", "and", ", but", "and then"]), rng.choice(OPEN_CONTEXTS)
        lead = rng.choice(["", "", "so ", "yeah ", "well ", "okay so "])
        whole = f"{lead}{action} {joiner} {result}".replace(" ,", ",")
        out.append((_cap(whole, rng), ctx, 1))
        first = result.split()[0]
        cut = rng.choice([f"{lead}{action} {joiner}", f"{lead}{action} {joiner} {first}"])
        out.append((_cap(cut.replace(" ,", ","), rng), ctx, 0))
    return out


def relative_turns(rng: random.Random, n: int) -> list[tuple[str, str | None, int]]:
    """'I'm calling about the charge that showed up on my statement' and its open cuts."""
    out = []
    for _ in range(n):
        lead, (noun, rel) = rng.choice(REL_LEADS), rng.choice(REL_NOUNS)
        ctx = rng.choice(OPEN_CONTEXTS)
        out.append((_cap(_join(lead, noun, rel), rng), ctx, 1))
        if rng.random() < 0.4:
            out.append((_cap(_join(lead, noun), rng), ctx, 1))
        words = rel.split()
        cuts = [_join(lead, noun, *words[:i]) for i in range(1, len(words))
                if words[i - 1] in REL_OPEN_WORDS]
        cuts += [lead, _join(lead, noun.split()[0])]
        for cut in rng.sample(cuts, min(2, len(cuts))):
            out.append((_cap(cut, rng), ctx, 0))
    return out


def object_turns(rng: random.Random, n: int) -> list[tuple[str, str | None, int]]:
    """Turns ending on an object 'it'/'that' (finished) beside the same turn with a trailing
    preposition or conjunction (unfinished)."""
    out = []
    for _ in range(n):
        ctx = rng.choice(OBJECT_CONTEXTS)
        if rng.random() < 0.4:
            whole = rng.choice(OBJECT_STATEMENTS)
            tail = rng.choice(["and", "but", "because", "so", "when", "until", "and then the"])
        else:
            lead, verb, obj = rng.choice(OBJECT_LEADS), rng.choice(OBJECT_VERBS), rng.choice(OBJECTS)
            whole, tail = _join(lead, verb, obj), rng.choice(OBJECT_TAILS)
            if lead != "please" and rng.random() < 0.3:
                out.append((_cap(lead, rng), ctx, 0))
        question = whole.split()[0] in ("can", "could", "why", "how", "is")
        out.append((_cap(whole, rng) + ("?" if question and rng.random() < 0.5 else ""), ctx, 1))
        out.append((_cap(_join(whole, tail), rng), ctx, 0))
    return out


def dangling_subject_turns(rng: random.Random, n: int) -> list[tuple[str, str | None, int]]:
    """'so my wife', 'and the technician was' (open) beside short answers that end on an
    auxiliary after a yes/no question and bare noun phrases after a 'who' question (finished)."""
    out = []
    for _ in range(n):
        ctx = rng.choice(OPEN_CONTEXTS)
        lead, subject = rng.choice(CLAUSE_LEADS), rng.choice(SUBJECTS)
        out.append((_cap(_join(lead, subject), rng), ctx, 0))
        out.append((_cap(_join(rng.choice(["", "", *CLAUSE_LEADS]), subject,
                               rng.choice(AUXILIARIES)), rng), ctx, 0))
        question, answers = rng.choice(SHORT_ANSWERS)
        out.append((_cap(rng.choice(answers), rng), question, 1))
        if rng.random() < 0.5:
            out.append((_cap(rng.choice(PEOPLE), rng), rng.choice(WHO_CONTEXTS), 1))
    return out


def _grouped(digits: str, rng: random.Random) -> str:
    """The digits as a caller reads them, in groups of three or four."""
    if len(digits) <= 5 or rng.random() < 0.3:
        return say_digits(digits, rng, oh=0.4)
    size = 4 if len(digits) % 4 == 0 else 3
    groups = [digits[i:i + size] for i in range(0, len(digits), size)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # 3-3-4, as a phone number is read
        groups[-2:] = [groups[-2] + groups[-1]]
    return rng.choice([" ", ", ", " "]).join(say_digits(g, rng, oh=0.4) for g in groups)


def digit_count_turns(rng: random.Random, n: int) -> list[tuple[str, str | None, int]]:
    """The same kind of digit string after questions that need different lengths: finished
    when it has as many digits as asked for, open when it has fewer."""
    out = []
    for _ in range(n):
        question, needed = rng.choice(DIGIT_QUESTIONS)
        digits = "".join(rng.choice("0123456789") for _ in range(needed))
        lead = rng.choice(DIGIT_LEADS)
        out.append((lead + _grouped(digits, rng), question, 1))
        short = rng.randint(max(1, needed // 3), needed - 1)
        out.append((lead + _grouped(digits[:short], rng), question, 0))
    return out


def clause_turns(rng: random.Random) -> list[tuple[str, str | None, int]]:
    """All of the above: (text, assistant context, label)."""
    return [*subordinate_turns(rng, 450), *coordinated_turns(rng, 150), *relative_turns(rng, 250),
            *object_turns(rng, 450), *dangling_subject_turns(rng, 250),
            *digit_count_turns(rng, 450)]

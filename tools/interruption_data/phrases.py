"""What the callers say in the interruption corpus, split into training and test phrases.

Three classes: real interruptions, backchannels, and non-speech sounds (laughs and coughs
are rendered by ``sounds``; the spoken ones here are read by the voices). A ``|`` marks an
interruption that starts with a backchannel-like word ("yeah | but wait"): until the part
before the bar has been said, the audio cannot tell it from a backchannel, so the trainer
does not label that stretch. No test phrase is a training phrase: core backchannel words
come back in the test set only repeated, elongated or combined differently.
"""

from __future__ import annotations

INTERRUPTION_TRAIN = (
    "wait", "stop", "wait, stop", "hold on", "hang on a second", "no, that's wrong",
    "no, I meant Tuesday", "actually, can you repeat that?", "excuse me", "sorry, what did you say?",
    "can I ask something?", "wait, what?", "stop talking please", "let me stop you there",
    "no no, the other one", "hey, listen", "I have a question", "that's not what I asked",
    "can you go back?", "one moment please", "hold on, I need to check", "actually I changed my mind",
    "what about Friday?", "how much does it cost?", "could you slow down?", "just a second",
    "no, cancel that", "I don't understand", "let me speak to a person", "repeat that please",
    "stop, I need to think", "why is that?", "but I already paid", "please wait",
    "no", "no no", "nope, that's not right", "where are you calling from?",
    "yeah | but wait", "okay | stop", "yeah | but what about the price?", "okay | hold on",
    "right | but I said Monday", "mm | actually no", "yes | but can you check again?",
    "sure | but first tell me the total", "uh | wait a second", "okay | but how much?",
    "yes | stop there", "oh | wait, I forgot something", "alright | let me stop you",
    "yeah yeah | but listen", "hmm | no, that's not it", "right | hang on",
)

INTERRUPTION_TEST = (
    "wait, stop, I have a different question", "stop, stop", "hang on", "no, I meant Thursday",
    "actually, can you send it by email?", "sorry to interrupt", "excuse me, one question",
    "wait a minute", "hold it", "that is wrong", "no, the blue one", "can you say that again?",
    "what do you mean?", "where is it?", "I need help with my bill", "please be quiet",
    "no no no", "hey, hold up", "cancel the order", "when does it open?",
    "yeah | but hold on", "okay | wait", "right | but that's not it", "yes | but I wanted Saturday",
    "uh | sorry, one thing", "mm | no, stop", "oh | hold on a moment", "yep | but what time?",
)

BACKCHANNEL_TRAIN = (
    "mm-hmm", "mmm hmm", "mmmm-hmm", "uh-huh", "uh huh", "yeah", "yeah yeah", "yes", "right",
    "okay", "ok", "sure", "I see", "oh", "oh okay", "got it", "mhm", "hmm", "mm", "yep",
    "alright", "exactly", "cool", "oh really", "uh-huh, yeah", "right right", "oh wow", "true",
    "nice", "oh I see", "yeah, okay", "okay, yeah", "sure, sure", "mm-hmm, right", "yes yes",
)

BACKCHANNEL_TEST = (
    "mhmm", "mm hm", "mmmmm-hmm", "uh huh uh huh", "yeah yeah yeah", "yup", "right right right",
    "okay okay", "oh right", "gotcha", "ah", "wow", "oh nice", "I see, I see", "totally",
    "mm-hmm mm-hmm", "yeah, right", "of course", "sure thing", "ahh okay",
)

# Round 2's additions, training only (the test phrases above are unchanged, so round 1's held-out
# figures stay comparable): more commands and questions, and backchannel variants that sound
# like the start of a command (hard negatives). None is a test phrase, nor a test phrase
# with one more repetition ("uh-huh" x3 would nearly be the test's "uh huh uh huh").
INTERRUPTION_TRAIN_EXTRA = (
    "wait wait", "stop please", "no, listen", "sorry, can I interrupt?", "that's not right",
    "can you repeat the last part?", "I want to cancel", "who is this?", "how long will it take?",
    "not now", "slow down please", "what was that?", "say it again", "let me finish",
    "hold on a sec", "excuse me, sorry", "no, the other day", "is it open on Sunday?",
    "I didn't get that", "one second", "hey, stop", "no wait", "quiet please", "hang on, sorry",
    "wrong number", "can I pay by card?", "sorry, what?", "give me a moment", "just stop",
    "no, that's too expensive", "could you check my order?", "one sec, one sec",
    "okay | but what about tomorrow?", "yeah | no, I don't want that", "mm-hmm | but wait",
    "right | can you repeat that?", "sure | hold on", "oh | no, no",
)

BACKCHANNEL_TRAIN_EXTRA = (
    "mm mm", "hm", "yeah sure", "oh yeah", "okay great", "perfect", "great", "makes sense",
    "fair enough", "absolutely", "definitely", "uh-huh, sure", "mhm, yeah", "ooh", "aha",
    "oh okay, yeah", "right, yeah", "sure sure sure", "cool cool", "good", "okay, got it",
    "I know", "yes, right", "oh, interesting", "really?", "yeah, I know", "that's right",
    "hmm, okay", "alright, alright", "mm, yeah", "uhuh", "ah yes", "sounds good",
)

# Spoken non-speech: laughs, sighs and hesitations read by the voices (others are synthesised).
VOCAL_SOUND_TRAIN = ("ha ha ha", "hahaha", "heh heh", "ha", "hmm hmm hmm", "uhh", "haah")
VOCAL_SOUND_TEST = ("ha ha", "hehehe", "ha haa ha", "ehh", "umm", "pfff")

# Synthesised sounds (see ``sounds``): kind names, each rendered with split-specific seeds.
SYNTH_SOUNDS = ("laugh", "cough", "breath", "throat_clear", "sigh")

# Sentences read backwards, five at a time, for babble noise.
BABBLE_SENTENCES = (
    "The weather will be mild for most of the week with some rain on Thursday.",
    "Our opening hours are from nine in the morning until six in the evening.",
    "Please have your account number ready before you call the service desk.",
    "The train to the airport leaves every fifteen minutes from platform two.",
    "We have several rooms available for the dates you asked about.",
    "The package was shipped yesterday and should arrive within three days.",
    "I would recommend the chicken with rice and a small green salad.",
    "Your appointment has been moved to the following Monday at ten thirty.",
)


def split_phrase(phrase: str) -> tuple[str, str | None]:
    """``"yeah | but wait"`` -> ("yeah but wait", "yeah"); a phrase without a bar -> (phrase, None)."""
    if "|" not in phrase:
        return phrase, None
    head, tail = (p.strip() for p in phrase.split("|", 1))
    return f"{head} {tail}", head

"""Abbreviations whose final period must not end a sentence, per language.

Entries are written without their final period. Most never end a sentence (titles, "e.g.");
the few in ``SENTENCE_FINAL_ABBREVIATIONS`` may, and do end one when the next word starts with
a capital letter ("We met at 7 p.m. Then we left." splits, "at 7 p.m. tomorrow" does not).
"""

from __future__ import annotations

ABBREVIATIONS_EN: frozenset[str] = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "rev", "hon", "gen",
        "col", "lt", "sgt", "capt", "gov", "sen", "pres", "vs", "v", "etc", "e.g", "i.e", "cf",
        "approx", "dept", "fig", "figs", "vol", "vols", "al", "inc", "ltd", "co", "corp",
        "bros", "u.s", "u.k", "u.s.a", "u.n", "e.u", "a.m", "p.m", "ave", "blvd", "rd", "jan",
        "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue",
        "tues", "thu", "thurs", "fri", "avg", "misc", "ph.d", "m.d", "b.a", "m.a", "b.sc",
    }
)

ABBREVIATIONS_BY_LANG: dict[str, frozenset[str]] = {
    "en": ABBREVIATIONS_EN,
    "es": frozenset(
        {"sr", "sra", "srta", "dr", "dra", "ud", "uds", "etc", "p. ej", "pág", "núm", "av",
         "avda", "ej", "aprox", "gral", "lic", "ing", "a.m", "p.m", "ee.uu", "vs"}
    ),
    "fr": frozenset(
        {"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "etc", "p. ex", "cf", "av", "bd",
         "env", "vol", "chap", "éd", "vs", "st", "ste"}
    ),
    "de": frozenset(
        {"dr", "hr", "fr", "nr", "ca", "bzw", "usw", "z.b", "d.h", "u.a", "u.a.m", "vgl", "ggf",
         "evtl", "inkl", "zzgl", "str", "prof", "dipl", "ing", "bspw", "etc", "s", "abs", "geb"}
    ),
    "it": frozenset({"sig", "sigg", "sig.ra", "dott", "prof", "ecc", "es", "pag", "ing", "avv"}),
    "pt": frozenset({"sr", "sra", "dr", "dra", "etc", "ex", "pág", "av", "prof", "eng"}),
    "nl": frozenset({"dhr", "mevr", "dr", "prof", "bijv", "enz", "o.a", "d.w.z", "nr", "ca"}),
    "ru": frozenset({"г", "гг", "т.е", "т.д", "т.п", "др", "пр", "ул", "им", "стр", "см"}),
    "el": frozenset({"κ", "κα", "δρ", "π.χ", "κτλ", "λ.χ", "σελ"}),
}

#: Abbreviations that can end a sentence (split when a capitalised word follows).
SENTENCE_FINAL_ABBREVIATIONS: frozenset[str] = frozenset(
    {"etc", "a.m", "p.m", "inc", "ltd", "co", "corp", "bros", "usw", "ecc", "enz", "т.д", "т.п",
     "κτλ"}
)


def abbreviations_for(language: str | None) -> frozenset[str]:
    """The abbreviation set of ``language`` (English for unknown languages)."""
    return ABBREVIATIONS_BY_LANG.get(language or "en", ABBREVIATIONS_EN)

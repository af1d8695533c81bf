"""The language of a message typed in Latin letters in a language written in another script.

A citizen without a Cyrillic, Arabic or Persian keyboard writes Russian, Ukrainian, Arabic or
Farsi in Latin letters ("ja naglotalas tabletok", "nafas nemikeshe"). lingua, which reads
character n-grams, takes such a message for whichever Latin-script language it resembles
(Latin-typed Ukrainian for Polish, Arabizi for Turkish or English), and the reply came in a
language the citizen never wrote: on `romanised_danger`'s tune half, not one of 112 replies
was in the message's language (docs/policy.md, session 13).

The language is the one the message reads as, asked in this order:

1. no Latin-script catalogue language claims it by its words (latin_claims.py ``unclaimed``);
2. Russian or Ukrainian: its words read as frequent Russian or Ukrainian words in Cyrillic
   (cyrillic.py ``romanised_cyrillic``);
3. Arabic or Farsi: lingua does not read it as a Latin-script catalogue language decisively,
   and its words have the consonant skeletons of frequent Arabic or Persian words
   (arabic_script.py ``romanised_arabic``).

understanding.py makes such a language the message's guess: sure not to be German, and
decisive for a message of two words or more, as lingua's own guess would be (conversations
start in German, the API's default, and a non-decisive guess never overrides that).
"""

from __future__ import annotations

from bot.understanding.arabic_script import romanised_arabic
from bot.understanding.cyrillic import romanised_cyrillic
from bot.understanding.language_id import LanguageGuess
from bot.understanding.latin_claims import LATIN_LANGUAGES, latin_only, unclaimed

__all__ = ["romanised_language", "warm_up"]


def romanised_language(normalized: str, guess: LanguageGuess) -> str | None:
    """The language a normalised message is typed in Latin letters in, if it is Russian,
    Ukrainian, Arabic or Farsi (module docstring); ``guess`` is the language identifier's
    guess for it. lingua is not asked for Russian and Ukrainian: it reads Latin-typed
    Russian as Polish with confidence ("Ia bolshe ne mogu, khochu pokonchit s soboi": Polish,
    decisive), and the frequent-word reading settles it both ways."""
    if not latin_only(normalized) or not unclaimed(normalized):
        return None
    cyrillic = romanised_cyrillic(normalized)
    if cyrillic is not None:
        return cyrillic
    if guess.decisive and guess.language in LATIN_LANGUAGES:
        return None
    return romanised_arabic(normalized)


def warm_up() -> None:
    """Load the word lists and skeleton indexes the readings use (a few seconds and about
    50 MB), so that the first citizen who types Russian or Farsi in Latin letters does not
    wait for them (DialogueEngine.warm_up)."""
    unclaimed("ja naglotalas tabletok")
    romanised_cyrillic("ja naglotalas tabletok")
    romanised_arabic("babam nafas nemikeshe komak konid")

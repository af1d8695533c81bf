"""German word handling for ranking services and picking answer lines (no model, fast).

Words are normalised like the policy (bot/wording.normalize: ä→ae, ß→ss, lower case),
function words and question/request words are dropped, and a light suffix stemmer
makes "Gebühren"/"Gebühr" and "Ausweises"/"Ausweis" equal. German compounds are
matched by prefix or suffix of at least five letters, so "Ausweis" finds
"Personalausweis" and "Ausweisverlust".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.understanding.wording import normalize, typo_distance, word_set

_WORD = re.compile(r"\w+")
# Function words, question and request words, and words every service text shares.
STOPWORDS = word_set(
    "der die das den dem des ein eine einen einem einer eines kein keine keinen und oder "
    "aber ist sind war waren wird werden wurde wurden kann koennen konnte muss muessen "
    "soll sollte sollen darf duerfen will wollen moechte moechten mag ich du er sie es wir "
    "ihr mir mich dir dich uns euch ihm ihn ihnen mein meine meinen meinem meiner meines "
    "dein deine ihre ihren ihrem ihres sein seine seinen unser unsere was wie wo wann wer "
    "warum welche welcher welches welchen wieso weshalb woher wohin womit wofuer wieviel "
    "viel viele gibt fuer mit von vom zu zum zur im in an am auf aus bei beim nach ueber "
    "unter vor bis als auch nicht nur noch schon so dann wenn ob man hat haben habe hab "
    "hast bin bist dass da hier dort diese dieser dieses diesen jeder jede jedes alle mehr "
    "sehr bitte danke hallo gerne gern mal denn doch eigentlich etwa etwas ganz genau "
    "the a an of to for is are how what where when can i my do does please nen ne nem ner "
    "son sone jetzt heute dafuer dazu hierfuer hierzu damit davon dort dabei darauf "
    "darueber dasselbe denselben dieselbe dies it that there this"
)
# Request and aspect words: they say what is asked about a service, not which service.
GENERIC = STOPWORDS | word_set(
    "brauche brauchen braucht benoetige benoetigen machen mache macht tun bekommen bekomme "
    "kriege kriegen erhalten erhalte gehen geht muenchen stadt frage fragen info infos "
    "informationen neue neuen neuer neu kostet kosten kostenpunkt teuer gebuehr gebuehren "
    "preis euro zahlen bezahlen zahle need get much cost costs beantragen beantrage antrag "
    "unterlagen dokumente mitbringen termin wo wann lange dauert dauer online oeffnungszeiten "
    "beantrag beantragt beantragung stelle stellen informieren erfahren wissen moeglich "
    "brauch meld melden zahlt zahl kostn"
)
_SUFFIXES = ("ungen", "innen", "ung", "en", "er", "es", "em", "e", "n", "s")
_MIN_COMPOUND = 5
_MIN_FUZZY = 7


def stem(word: str) -> str:
    """Strip one common German inflection suffix, keeping at least four letters."""
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str, *, normalized: bool = False) -> list[str]:
    """Normalised word tokens of ``text`` (``normalized``: it is normalised already)."""
    return _WORD.findall(text if normalized else normalize(text))


def content_stems(
    text: str, *, topical: bool = False, numbers: bool = True, normalized: bool = False
) -> list[str]:
    """Stems of the content words of ``text`` (no stop words, no single letters), in order.

    ``topical`` also drops request and aspect words ("beantragen", "kostet"), leaving the
    words that name the matter itself; ``numbers=False`` drops numbers ("mit 30");
    ``normalized``: ``text`` is normalised already (Understanding.normalized), so it is
    not normalised again.
    """
    drop = GENERIC if topical else STOPWORDS
    kept = (w for w in words(text, normalized=normalized) if w not in drop and len(w) > 1)
    return list(dict.fromkeys(stem(w) for w in kept if numbers or not w.isdigit()))


def stem_matches(query: str, vocabulary: set[str], *, fuzzy: bool = False) -> bool:
    """Whether a query stem occurs in ``vocabulary``, alone or as the head or tail of a
    compound there ("ausweis" in "personalausweis"). The reverse is no match: the
    vocabulary's "steuer" does not cover the question's "steuererklaerung". With
    ``fuzzy``, a word of 7+ letters also matches with one typo ("fuerungszeugni")."""
    if query in vocabulary:
        return True
    if len(query) < _MIN_COMPOUND:
        return False
    if any(word.startswith(query) or word.endswith(query) for word in vocabulary):
        return True
    return (
        fuzzy
        and len(query) >= _MIN_FUZZY
        and any(
            abs(len(word) - len(query)) <= 1
            and word[0] == query[0]
            and typo_distance(query, word, 1) <= 1
            for word in vocabulary
        )
    )


def coverage(query_stems: Sequence[str], vocabulary: set[str], *, fuzzy: bool = False) -> float:
    """Share of ``query_stems`` found in ``vocabulary`` (0 when the query has none)."""
    if not query_stems:
        return 0.0
    found = sum(stem_matches(q, vocabulary, fuzzy=fuzzy) for q in query_stems)
    return found / len(query_stems)


def line_scores(query: str, lines: Sequence[str]) -> list[float]:
    """Lexical relevance of each line to ``query``: IDF-weighted matched query stems."""
    query_stems = content_stems(query)
    vocabularies = [set(content_stems(line)) for line in lines]
    frequency: Counter[str] = Counter()
    for vocabulary in vocabularies:
        frequency.update({q for q in query_stems if stem_matches(q, vocabulary)})
    total = len(lines)
    return [
        sum(
            math.log(1 + total / (1 + frequency[q]))
            for q in query_stems
            if stem_matches(q, vocabulary)
        )
        for vocabulary in vocabularies
    ]


def vocabulary_of(texts: Iterable[str]) -> set[str]:
    """The content stems of several texts, as one set."""
    return {s for text in texts for s in content_stems(text)}

"""Bounds on what a query costs: word length and total length of the text that is embedded.

Query embedding time grows faster than linearly with the number of tokens, and a long
"word" (2,000 characters without a space) splits into hundreds of sub-word tokens:
measured on 2 cores, a 2,000-character query took 3.5-7 s to embed against 0.02 s for a
normal question, while it held the only answering engine (issue 14, finding 5). Citizens'
questions are short; a long message keeps its beginning and its end, where the question
usually is, and the lexical (BM25) side still sees the whole message.
"""

from __future__ import annotations

SEPARATOR = " … "


def shorten(text: str, *, max_chars: int, max_word_chars: int) -> str:
    """``text`` with each word cut to ``max_word_chars`` and, if then longer than
    ``max_chars``, its beginning and end joined by `` … `` (whole words, about half each)."""
    if max_chars < 2 * len(SEPARATOR) or max_word_chars < 1:
        raise ValueError(
            f"max_chars must be at least {2 * len(SEPARATOR)} and max_word_chars at least 1; "
            f"got {max_chars} and {max_word_chars}"
        )
    split = text.split()
    if len(text) <= max_chars and all(len(word) <= max_word_chars for word in split):
        return text  # the usual case: unchanged, so that embeddings stay as they were
    words = [word[:max_word_chars] for word in split]
    joined = " ".join(words)
    if len(joined) <= max_chars:
        return joined
    half = (max_chars - len(SEPARATOR)) // 2
    head = _take(words, half)
    tail = _take(list(reversed(words)), half)
    return " ".join(head) + SEPARATOR + " ".join(reversed(tail))


def _take(words: list[str], budget: int) -> list[str]:
    """The first words of ``words`` that fit in ``budget`` characters (spaces counted)."""
    taken: list[str] = []
    used = 0
    for word in words:
        cost = len(word) + (1 if taken else 0)
        if used + cost > budget:
            break
        taken.append(word)
        used += cost
    return taken

"""Text as routing compares it: case-folded, without diacritics, in words; keywords are found as whole phrases.

Matching is exact on words after normalisation: `Migrace` finds "migrace", "MIGRACE" and "migráce", and
`Power BI` finds "we need power-bi dashboards", but `Migrace` does not find the inflected "migraci". A stemmer
for Czech is a heuristic that also joins words that mean different things, and a wrong match sends a lead to the
wrong partner, which costs more than a missed one; partners list the forms they want (or the learnt history, which
is keyed by the same terms, covers them).
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

WORD = re.compile(r"[^\W_]+")
MAX_PHRASE_WORDS = 8
# Combining marks of the Basic Multilingual Plane, removed in one str.translate (a per-character loop costs more
# than the rest of building the routing snapshot); the rare marks beyond it are removed one by one.
_DROP_MARKS = {code: None for code in range(0x10000) if unicodedata.combining(chr(code))}


def normalise(text: str) -> str:
    """Case-folded words without diacritics, joined by single spaces: "Migrace dat – Power-BI" → "migrace dat power bi"."""
    text = text or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).translate(_DROP_MARKS)
        if not text.isascii():
            text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(WORD.findall(text.casefold()))


@lru_cache(maxsize=50_000)
def normalise_term(term: str) -> str:
    """normalise() for the short texts that thousands of profiles repeat (keywords, cities)."""
    return normalise(term)


def words(text: str) -> tuple[str, ...]:
    return tuple(normalise(text).split())


class PhraseIndex:
    """Finds which of many known terms (normalised phrases) occur in a text, in one pass over its words."""

    def __init__(self, terms: Iterable[str]):
        self._by_first_word: dict[str, set[tuple[str, ...]]] = {}
        for term in terms:
            phrase = tuple(term.split())
            if phrase and len(phrase) <= MAX_PHRASE_WORDS:
                self._by_first_word.setdefault(phrase[0], set()).add(phrase)

    def find(self, text: str) -> frozenset[str]:
        tokens = words(text)
        found = set()
        for position, token in enumerate(tokens):
            for phrase in self._by_first_word.get(token, ()):
                if tokens[position : position + len(phrase)] == phrase:
                    found.add(" ".join(phrase))
        return frozenset(found)


def contains(text: str, term: str) -> bool:
    """Whether `term` occurs in `text` as whole words (both normalised here)."""
    return bool(PhraseIndex([normalise(term)]).find(text))

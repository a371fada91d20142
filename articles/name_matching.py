"""Find any of tens of thousands of literal names in a text in one pass.

The extractor used to compile one regular expression per company name and alias and run
every one of them over every sentence: 33,000 searches a sentence at a million records.
:class:`LiteralNames` finds the same matches with dictionary look-ups: at each place a name
could start (the first word of some name, with the boundary before it), only the spans that
end on a boundary and are no longer than that word's longest name are looked up.

The matches are exactly those of ``re.compile(before + re.escape(name) + after, flags)``
run with ``finditer`` for each name in turn (case-insensitive names compare their
characters as ``re.IGNORECASE`` does, one character to one), in the same order, so the
callers' tie-breaking between overlapping names is unchanged.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

try:  # how the regular expression engine folds case, so that matches are identical
    from _sre import unicode_tolower as _tolower
    from re._casefix import _EXTRA_CASES
except ImportError:  # pragma: no cover - another Python implementation
    _EXTRA_CASES = {}

    def _tolower(code: int) -> int:
        lowered = chr(code).lower()
        return ord(lowered) if len(lowered) == 1 else code


@functools.cache
def _fold_char(char: str) -> str:
    lowered = _tolower(ord(char))
    return chr(min((lowered, *_EXTRA_CASES.get(lowered, ()))))


def fold(text: str) -> str:
    """One character for one: two characters fold alike when ``re.I`` matches them."""
    if text.isascii():
        return text.lower()
    return "".join(map(_fold_char, text))


@dataclass(frozen=True)
class LiteralMatch:
    rank: int  # the name's place in the list it was given in
    start: int
    end: int
    value: str


class LiteralNames:
    """Literal names, each matched only between the given boundary look-arounds.

    ``entries`` are ``(text, value, ignore_case)`` in priority order; ``before`` is a
    negative look-behind character class (``[\\w-]``), ``after`` a look-ahead pattern that
    must *not* match right after the name.
    """

    def __init__(self, entries, *, before: str, after: str):
        self._exact: dict[str, list[tuple[int, str]]] = {}
        self._folded: dict[str, list[tuple[int, str]]] = {}
        self._longest: dict[str, int] = {}  # folded first word -> longest name it starts
        for rank, (text, value, ignore_case) in enumerate(entries):
            if not text:
                continue  # an empty name matches nowhere meaningful
            if ignore_case:
                self._folded.setdefault(fold(text), []).append((rank, value))
            else:
                self._exact.setdefault(text, []).append((rank, value))
            word = _first_word(fold(text))
            self._longest[word] = max(self._longest.get(word, 0), len(text))
        self.size = len(entries)
        # Words are read on the folded text (where names are keyed), the boundary before a
        # name on the original, exactly as the name's own pattern would see it.
        self._words = re.compile(r"\w*" if "" in self._longest else r"\w+")
        self._boundary_before = re.compile(rf"(?<!{before})")
        self._ends = re.compile(rf"(?!{after})")

    def __len__(self) -> int:
        return self.size

    def find(self, text: str) -> list[LiteralMatch]:
        """Every match, ordered by name priority then position (as per-name ``finditer``)."""
        if not self._longest or not text:
            return []
        folded = fold(text)
        ends: list[int] | None = None
        found: list[LiteralMatch] = []
        longest = self._longest
        boundary_before = self._boundary_before.match
        for word in self._words.finditer(folded):
            limit = longest.get(word.group())
            if limit is None:
                continue
            start = word.start()
            if not boundary_before(text, start):
                continue
            if ends is None:
                ends = [m.start() for m in self._ends.finditer(text)]
            index = bisect.bisect_right(ends, start)
            stop = start + limit
            while index < len(ends) and ends[index] <= stop:
                end = ends[index]
                index += 1
                for rank, value in self._exact.get(text[start:end], ()):
                    found.append(LiteralMatch(rank, start, end, value))
                for rank, value in self._folded.get(folded[start:end], ()):
                    found.append(LiteralMatch(rank, start, end, value))
        return _as_finditer(found)

    def match_at_start(self, text: str) -> bool:
        """Whether some name matches at the very start of ``text`` (``pattern.match``)."""
        return any(m.start == 0 for m in self.find(text))


def _first_word(folded: str) -> str:
    match = re.match(r"\w*", folded)
    return match.group() if match else ""


def _as_finditer(found: list[LiteralMatch]) -> list[LiteralMatch]:
    """Drop a name's matches that overlap its own earlier match, as ``finditer`` skips them."""
    found.sort(key=lambda m: (m.rank, m.start))
    kept, last_end = [], {}
    for match in found:
        if match.start < last_end.get(match.rank, 0):
            continue
        last_end[match.rank] = match.end
        kept.append(match)
    return kept

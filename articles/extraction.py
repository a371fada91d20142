"""Read enforcement news and propose facts: who pays how much, to whom, when and why.

Pure functions over text; nothing here touches the database. The caller passes what the
database knows (company names and aliases, authorities, laws) in a :class:`Gazetteer`.

Findings are only ever made from money amounts (a currency sign, code or word next to a
number) or, when an article names no amount, from explicit wording that a lawsuit was
filed. Dates, counts of users, percentages and docket numbers never become findings.
Each amount gets a role: the *headline* fact, another fact, a *cap* (a maximum someone
could face), a *claim* (what a plaintiff seeks), a *converted* figure (the same amount in
another currency), a *per-unit* payment, a *fee*, or a *financial* figure (revenue,
valuation) that is not an enforcement fact at all.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from articles.name_matching import LiteralNames
from articles.vocabulary import (
    COURT_ABBREVIATIONS,
    COURT_CITIES,
    KNOWN_AUTHORITIES,
    KNOWN_COMPANIES,
    KNOWN_LAWS,
    US_STATES,
)

EXTRACTOR_VERSION = "1"

# --- Kinds and roles --------------------------------------------------------------------

SETTLEMENT = "settlement"
FINE = "fine"
CIVIL_PENALTY = "civil_penalty"
PENALTY = "penalty"
JUDGMENT = "judgment"
LAWSUIT = "lawsuit"

HEADLINE = "headline"
FACT = "fact"
CAP = "cap"
CLAIM = "claim"
CONVERTED = "converted"
PER_UNIT = "per_unit"
FEE = "fee"
FINANCIAL = "financial"
RANGE = "range"
MINOR = "minor"
TOTAL = "total"

FACT_ROLES = {HEADLINE, FACT}

# --- Text ----------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Unify the characters the press varies: quotes, dashes, odd spaces."""
    text = unicodedata.normalize("NFC", text or "")
    table = {
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2011": "-",
        "\r": "",
    }
    return "".join(table.get(ch, ch) for ch in text)


ABBREVIATIONS = {
    "u.s", "inc", "corp", "ltd", "co", "no", "nos", "mr", "mrs", "ms", "dr", "jr", "sr", "st",
    "v", "vs", "ill", "cal", "calif", "wash", "mass", "n.d", "s.d", "e.d", "w.d", "c.d", "d",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "approx", "u.k", "u.n", "e.u", "gen", "sen", "rep", "gov", "atty", "hon",
    "s.a", "n.v", "b.v", "l.l.c", "l.p", "plc", "dept", "est", "fig", "al", "n.y", "d.c",
    "a.g", "cf", "ca", "tex", "fla", "pa", "va",
}  # fmt: skip

_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+")


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences without breaking on "U.S.", "Inc." or "$5.7"."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        end = match.end()
        following = paragraph[end : end + 1]
        if not following or not (
            following.isupper() or following.isdigit() or following in "\"'($€£"
        ):
            continue
        before = paragraph[start : match.start()]
        last_word = re.search(r"([\w.&]+)$", before)
        if paragraph[match.start()] == "." and last_word:
            word = last_word.group(1).lower()
            if word in ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
                continue
        sentences.append(paragraph[start : match.end()].strip())
        start = end
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


@dataclass
class Sentence:
    text: str
    paragraph: int
    index: int  # position in the whole text
    in_title: bool = False


def split_article(text: str, title: str = "") -> list[Sentence]:
    """Sentences with their paragraph number; the title (given or the first line) is paragraph 0."""
    text = normalise_text(text)
    title = normalise_text(title).strip()
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not title and lines and _looks_like_title(lines[0]):
        title = lines.pop(0)
    elif title and lines and lines[0].strip().lower() == title.lower():
        lines.pop(0)
    sentences: list[Sentence] = []
    if title:
        sentences.append(Sentence(title, 0, 0, in_title=True))
    for number, line in enumerate(lines, start=1):
        for piece in split_sentences(line):
            sentences.append(Sentence(piece, number, len(sentences)))
    return sentences


def _looks_like_title(line: str) -> bool:
    return len(line.split()) <= 25 and not line.rstrip().endswith((".", ":", ";", ","))


# --- Money ---------------------------------------------------------------------------------

PREFIX_CURRENCIES = [
    (r"U\.?S\.?\s?\$", "USD"),
    (r"USD\s?", "USD"),
    (r"A\$|AU\$|AUD\s?", "AUD"),
    (r"C\$|CA\$|CAD\s?", "CAD"),
    (r"NZ\$|NZD\s?", "NZD"),
    (r"HK\$|HKD\s?", "HKD"),
    (r"S\$|SGD\s?", "SGD"),
    (r"R\$|BRL\s?", "BRL"),
    (r"€\s?|EUR\s?", "EUR"),
    (r"£\s?|GBP\s?", "GBP"),
    (r"CHF\s?", "CHF"),
    (r"SEK\s?", "SEK"),
    (r"NOK\s?", "NOK"),
    (r"DKK\s?", "DKK"),
    (r"PLN\s?", "PLN"),
    (r"JPY\s?", "JPY"),
    (r"CNY\s?|RMB\s?", "CNY"),
    (r"INR\s?|₹\s?|Rs\.?\s?", "INR"),
    (r"KRW\s?|₩\s?", "KRW"),
    (r"TRY\s?", "TRY"),
    (r"¥\s?", "JPY"),
    (r"\$", "USD"),
]
SUFFIX_CURRENCIES = [
    (r"(?:US|U\.S\.|American) dollars?", "USD"),
    (r"Canadian dollars?", "CAD"),
    (r"Australian dollars?", "AUD"),
    (r"Hong Kong dollars?", "HKD"),
    (r"Singapore dollars?", "SGD"),
    (r"dollars?", "USD"),
    (r"euros?", "EUR"),
    (r"(?:British )?pounds?(?: sterling)?(?! of)|sterling", "GBP"),
    (r"Swiss francs?", "CHF"),
    (r"(?:Japanese )?yen", "JPY"),
    (r"(?:Chinese )?yuan|renminbi", "CNY"),
    (r"(?:Swedish )?kronor", "SEK"),
    (r"Norwegian kroner", "NOK"),
    (r"Danish kroner", "DKK"),
    (r"zlotys?|zloty", "PLN"),
    (r"(?:Indian )?rupees", "INR"),
    (r"(?:South )?Korean won", "KRW"),
    (r"(?:Turkish )?lira", "TRY"),
    (r"(?:Brazilian )?reais|reals", "BRL"),
    (r"USD|EUR|GBP|CHF|SEK|NOK|DKK|PLN|JPY|CNY|INR|KRW|AUD|CAD|BRL", None),
]
CURRENCY_TABLES = {"prefix": PREFIX_CURRENCIES, "suffix": SUFFIX_CURRENCIES}
WORD_NUMBERS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "half a": Decimal("0.5"),
}  # fmt: skip
MULTIPLIERS = {
    "thousand": 10**3, "k": 10**3,
    "million": 10**6, "mln": 10**6, "mn": 10**6, "m": 10**6, "mio": 10**6,
    "billion": 10**9, "bn": 10**9, "b": 10**9, "bln": 10**9,
    "trillion": 10**12, "tn": 10**12, "crore": 10**7, "lakh": 10**5,
}  # fmt: skip

_NUM = r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_WORDNUM = (
    r"(?:half a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred)"
)
_MULT = (
    r"(?i:[\s-]?(?:thousand|million|billion|trillion|crore|lakh)|\s?(?:mln|mn|mio|bln|bn|tn|m|"
    r"b|k))\b"
)
_RANGE = rf"(?:\s?(?:-|to|and)\s?(?:{_NUM}))"
_PREFIX = "|".join(f"(?:{p})" for p, _ in PREFIX_CURRENCIES)
_SUFFIX = "|".join(f"(?:{p})" for p, _ in SUFFIX_CURRENCIES)
MONEY_RE = re.compile(
    rf"(?<![\w$€£])(?P<pre>{_PREFIX})(?P<num>{_NUM})(?P<range>{_RANGE}(?={_MULT}))?(?P<mult>{_MULT})?"
    rf"|(?<![\w$€£.,])(?P<num2>{_NUM}|(?i:{_WORDNUM}))(?P<mult2>{_MULT})?\s(?P<suf>{_SUFFIX})\b",
)


@functools.lru_cache(maxsize=512)
def _currency_for(token: str, table_name: str) -> str | None:
    """The currency code of a matched sign or word (cached: the same few tokens recur)."""
    token = token.strip()
    for pattern, code in CURRENCY_TABLES[table_name]:
        if re.fullmatch(pattern.strip(), token) or re.fullmatch(pattern, token):
            return code or token.upper()
    return None


def parse_number(raw: str, has_multiplier: bool) -> Decimal | None:
    """Read "1,200,000", "1.2", "5,7" (European decimal comma) or "1.200.000"."""
    raw = raw.strip()
    if raw.lower() in WORD_NUMBERS:
        return Decimal(WORD_NUMBERS[raw.lower()])
    if "," in raw and "." in raw:
        decimal_sep = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        raw = raw.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in raw:
        groups = raw.split(",")
        if len(groups) > 2 or (len(groups[1]) == 3 and not has_multiplier):
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".")
    elif raw.count(".") > 1 or ("." in raw and len(raw.split(".")[1]) == 3 and not has_multiplier):
        raw = raw.replace(".", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


@dataclass
class MoneyMention:
    amount: Decimal
    currency: str
    start: int
    end: int
    text: str
    sentence: Sentence
    is_range: bool = False
    role: str = FACT
    kind: str | None = None
    kind_strength: int = 0
    converted_from: MoneyMention | None = None


# No fine or settlement reaches a quadrillion; longer digit runs (serial numbers, garbage)
# would overflow the decimal context and the amount columns (18 integer digits).
IMPLAUSIBLE_AMOUNT_DIGITS = 15


def find_money(sentence: Sentence) -> list[MoneyMention]:
    mentions = []
    for match in MONEY_RE.finditer(sentence.text):
        if match.group("pre") is not None:
            currency = _currency_for(match.group("pre"), "prefix")
            raw, mult = match.group("num"), match.group("mult")
        else:
            currency = _currency_for(match.group("suf"), "suffix")
            raw, mult = match.group("num2"), match.group("mult2")
        if currency is None:
            continue
        number = parse_number(raw, bool(mult))
        if number is None:
            continue
        if mult:
            number *= MULTIPLIERS[mult.strip(" -").lower()]
        if number.adjusted() >= IMPLAUSIBLE_AMOUNT_DIGITS:
            continue  # a digit run, not an amount; too large to quantize or to store
        amount = number.quantize(Decimal("0.01")).normalize()
        mentions.append(
            MoneyMention(
                amount=Decimal(amount).quantize(Decimal(1))
                if amount == amount.to_integral()
                else amount,
                currency=currency,
                start=match.start(),
                end=match.end(),
                text=match.group(0),
                sentence=sentence,
                is_range=bool(match.group("range")),
            )
        )
    return mentions


# --- Roles and kinds -------------------------------------------------------------------------

_CAP_BEFORE = re.compile(
    r"(?:\bup to|\bas much as|\bas high as|\bmaximum(?: fine| penalty)?(?: of)?|\bmax(?:imum)?\.?|"
    r"\bcapped at|\bcap of|\bceiling of|\bno more than|\bnot (?:to )?exceed(?:ing)?|"
    r"\bcould (?:face|reach|cost|top|exceed|be fined|pay)(?: a)?(?: fines?| penalt(?:y|"
    r"ies))?(?: of)?|"
    r"\bfaces? (?:a )?(?:potential )?(?:fines?|penalt(?:y|ies))? ?(?:of )?|"
    r"\bpotential(?:ly)?(?: fines?| penalt(?:y|ies)| damages)?(?: of)?|"
    r"\bstatutory damages of|\bpossible (?:fines?|penalt(?:y|ies))(?: of)?|"
    r"\brisks? (?:a )?(?:fines?|penalt(?:y|ies))?(?: of)?)"
    r"(?:\s+(?:more than|over|about|around|nearly|roughly|almost|a total of))?\s*$",
    re.I,
)
_CAP_AFTER = re.compile(r"^\s*(?:cap|ceiling|maximum|or \d+(?:\.\d+)? ?(?:%|per ?cent))", re.I)
_CLAIM_BEFORE = re.compile(
    r"(?:\bseek(?:s|ing)?|\bsought|\bdemand(?:s|ed|ing)?|\bask(?:s|ed|ing)? for|\bclaim(?:s|"
    r"ed|ing)?|"
    r"\bproposed (?:a |an )?(?:fine|penalty)|\bproposed to fine|\brequest(?:s|ed|ing)?|\bwants?|"
    r"\bintend(?:s|ed)? to|\bplann?(?:s|ed)? to|\bdraft (?:decision|fine))\b[^.;]{0,40}$",
    re.I,
)
_CLAIM_AFTER = re.compile(r"^[^.;]{0,25}\b(?:in damages sought|sought|demanded)\b", re.I)
_PER_UNIT_AFTER = re.compile(
    r"^\s*(?:per|a|for each|each|apiece)\s*(?:person|user|violation|claimant|class member|member|"
    r"consumer|customer|day|incident|vehicle|account|child|employee|plaintiff|household|head|"
    r"record|call|text|message|infringement)?\b|^\s*each\b",
    re.I,
)
_PER_UNIT_BEFORE = re.compile(
    r"(?:\breceive(?:s|d)?|\bpayments? of|\bpayouts? of|\bget|\bchecks? (?:for|of)|\bawards? of "
    r"(?:up to )?|\beach)\s*(?:about|around|roughly|approximately|an estimated|up to)?\s*$",
    re.I,
)
_TOTAL_BEFORE = re.compile(r"\b(?:a |the )?combined\s*$|\bjointly\b[^.;]{0,30}$", re.I)
_APPROXIMATE_WORDS = re.compile(
    r"\b(?:nearly|about|almost|roughly|around|some|approximately|more than|over|close to|"
    r"just under|"
    r"just over|an estimated)\s*$",
    re.I,
)
_FEE_NEAR = re.compile(
    r"\b(?:attorneys?'?|lawyers?'?|legal|counsel'?s?) fees?\b|\bfees? (?:and|&) (?:costs|expenses)|"
    r"\bincentive awards?\b|\bservice awards?\b|\badministration costs?\b",
    re.I,
)
_FINANCIAL_NEAR = re.compile(
    r"\b(?:revenues?|turnover|sales|profits?|earnings|net income|operating income|valuation|"
    r"valued at|market (?:cap(?:italization)?|value)|worth|acquired|acquisition|bought|buy|"
    r"purchase[ds]?|takeover|raised|funding|invest(?:ed|ment|ing|s)?|budget|salary|salaries|"
    r"stock|shares|bonds?|loans?|spent|spend(?:s|ing)?|costs? of|lost|losses|market|"
    r"deal (?:for|worth)|"
    r"price|priced|subscriptions?|income|dividends?|buyback|ipo|round|sav(?:e|ed|es|ings)|"
    r"set aside|reserved?|provisions?|accru(?:ed|al)|earmarked)\b",
    re.I,
)
_APPROX_BEFORE = re.compile(
    r"(?:\(|,|\bor|-)\s*(?:about|approximately|approx\.?|roughly|around|some|nearly|almost|"
    r"equivalent to|equal to|the equivalent of|worth|which is|or|i\.e\.|≈|~)?\s*(?:about|"
    r"around|roughly|approximately)?\s*$",
    re.I,
)

KIND_WORDS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bcivil (?:money )?penalt(?:y|ies)\b", re.I), CIVIL_PENALTY),
    (re.compile(r"\bsettl(?:e|ed|es|ing|ement|ements)\b", re.I), SETTLEMENT),
    (
        re.compile(
            r"\bto resolve (?:the )?(?:claims|allegations|charges|lawsuits?|accusations)\b", re.I
        ),
        SETTLEMENT,
    ),
    (
        re.compile(
            r"\b(?:refunds?|restitution|redress|compensation fund|disgorge(?:ment)?)\b", re.I
        ),
        SETTLEMENT,
    ),
    (re.compile(r"\b(?:fine|fined|fines|fining)\b", re.I), FINE),
    (
        re.compile(r"\b(?:penalt(?:y|ies)|penali[sz](?:e|ed|es|ing)|sanction(?:s|ed)?)\b", re.I),
        PENALTY,
    ),
    (
        re.compile(
            r"\b(?:verdict|jury|judgment|judgement|awarded|award(?:s|ing)?|ordered to pay|"
            r"damages)\b",
            re.I,
        ),
        JUDGMENT,
    ),
]
_PAYMENT_WORDS = re.compile(
    r"\b(?:pay|pays|paid|paying|payment|due|owe[sd]?|hand over|hit with|slapped with|"
    r"impose[sd]?|levied|levy|agreed|ordered|must pay|to pay)\b",
    re.I,
)
_CONTEXT_KIND_WORDS = [
    (re.compile(r"\bsettl", re.I), SETTLEMENT),
    (re.compile(r"\bfine[ds]?\b", re.I), FINE),
    (re.compile(r"\bcivil penalt", re.I), CIVIL_PENALTY),
    # Not "breach": a data breach is an incident, not a finding of wrongdoing.
    (re.compile(r"\b(?:penalt|violat|infring|contraven)", re.I), PENALTY),
    (re.compile(r"\b(?:verdict|jury|judgment)", re.I), JUDGMENT),
]
_PAST_CONTEXT = re.compile(
    r"\b(?:previously|earlier|prior|already|former(?:ly)?|last year|years ago|in the past|"
    r"separate(?:ly)?|also (?:paid|agreed|settled|fined)|another|a previous|not the first|"
    r"before that|record (?:fine|penalty) of)\b",
    re.I,
)


def _clause_before(text: str, start: int, limit: int = 70) -> str:
    chunk = text[max(0, start - limit) : start]
    cut = max(chunk.rfind(";"), chunk.rfind(". "), chunk.rfind(":"))
    return chunk[cut + 1 :] if cut >= 0 else chunk


def _clause_after(text: str, end: int, limit: int = 60) -> str:
    chunk = text[end : end + limit]
    cut = min([i for i in (chunk.find(";"), chunk.find(". ")) if i >= 0] or [len(chunk)])
    return chunk[:cut]


def classify_mention(mention: MoneyMention, others: list[MoneyMention]) -> None:
    """Give one amount its role (cap, converted, fee…) and the kind of action nearest to it."""
    text = mention.sentence.text
    before = _clause_before(text, mention.start)
    after = _clause_after(text, mention.end)
    near_before = text[max(0, mention.start - 45) : mention.start]
    near_after = text[mention.end : mention.end + 30]

    previous = [o for o in others if o.end <= mention.start and mention.start - o.end <= 30]
    if previous:
        gap = text[previous[-1].end : mention.start]
        if previous[-1].currency != mention.currency and _APPROX_BEFORE.search(gap):
            mention.role = CONVERTED
            mention.converted_from = previous[-1]
    if previous and previous[-1].currency == mention.currency:
        gap = text[previous[-1].end : mention.start]
        if re.fullmatch(r"\s*(?:to|and|-|or)\s*", gap):
            mention.role = previous[-1].role = RANGE
    if mention.role == FACT:
        if mention.is_range:
            mention.role = RANGE
        elif _CAP_BEFORE.search(before) or _CAP_AFTER.search(after):
            mention.role = CAP
        elif _CLAIM_BEFORE.search(before) or _CLAIM_AFTER.search(after):
            mention.role = CLAIM
        elif _PER_UNIT_AFTER.search(after) or _PER_UNIT_BEFORE.search(before):
            mention.role = PER_UNIT
        elif _TOTAL_BEFORE.search(before):
            mention.role = TOTAL
        elif _FEE_NEAR.search(near_before + " " + near_after):
            mention.role = FEE
        elif mention.amount < 1000:
            mention.role = MINOR
        elif _FINANCIAL_NEAR.search(
            near_before[-30:] + " " + near_after[:25]
        ) and not _kind_adjacent(text, mention):
            mention.role = FINANCIAL
    mention.kind, mention.kind_strength = _nearest_kind(text, mention)


def _kind_adjacent(text: str, mention: MoneyMention) -> bool:
    after = text[mention.end : mention.end + 30]
    before = text[max(0, mention.start - 25) : mention.start]
    return any(p.search(after) or p.search(before) for p, _ in KIND_WORDS)


def _nearest_kind(text: str, mention: MoneyMention) -> tuple[str | None, int]:
    """The kind word closest to the amount; a word right after it ("$5M fine") wins."""
    best: tuple[int, str] | None = None
    directly_after = re.match(
        r"^[\s-]*(?:(?:civil|cash|record|total|proposed|class[- ]action|"
        r"privacy|antitrust|data|GDPR|biometric|monetary|criminal|administrative)[\s-]+)*",
        text[mention.end :],
    )
    offset = mention.end + (directly_after.end() if directly_after else 0)
    for pattern, kind in KIND_WORDS:
        for match in pattern.finditer(text):
            if match.start() == offset or (
                kind == CIVIL_PENALTY and match.start() == mention.end + 1
            ):
                distance = 0
            elif match.start() >= mention.end:
                distance = match.start() - mention.end + 5
            else:
                distance = mention.start - match.end() + 3
            # A kind word inside another amount's cap clause ("fines of up to") is weaker.
            if best is None or distance < best[0]:
                best = (distance, kind)
    if best is None:
        return None, 0
    distance, kind = best
    strength = 3 if distance == 0 else 2 if distance < 40 else 1
    return kind, strength


# --- Dates -----------------------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
DATE_RE = re.compile(
    rf"(?P<mdy>(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d))"
    rf"|(?P<dmy>(?P<d2>\d{{1,2}})(?:st|nd|rd|"
    rf"th)?\s+(?:of\s+)?(?P<m2>{_MONTH}),?\s+(?P<y2>(?:19|20)\d\d))"
    rf"|(?P<iso>(?P<y4>(?:19|20)\d\d)-(?P<m4>\d\d)-(?P<d4>\d\d))"
    rf"|(?P<my>(?P<m3>{_MONTH}),?\s+(?P<y3>(?:19|20)\d\d))"
    rf"|(?P<md>(?P<m5>{_MONTH})\s+(?P<d5>\d{{1,2}})(?:st|nd|rd|th)?\b)"
    rf"|(?P<rel>\b(?:on |last |this |earlier this |late |early )?{_WEEKDAY}\b|\byesterday\b|"
    rf"\btoday\b|\bthis week\b|\blast week\b|\bthis month\b|\blast month\b|"
    rf"\bearlier this month\b)"
    rf"|(?P<year>(?<![\w:/.$€£-])(?:19|20)\d\d(?![\w/-]|\.\d|,\d{{3}}))",
)
_NON_YEAR_BEFORE = re.compile(
    r"(?:\bNo\.?|\bNos\.?|\bMDL|\bCase|\bSection|\bArticle|\bArt\.|§|#|\bnumber|\bdocket|"
    r"\bcase)\s*$",
    re.I,
)
_NOT_EVENT_DATE_BEFORE = re.compile(
    r"(?:\b(?:filed|since|deadline|by|until|through|between|from|before|born|founded|starting|"
    r"begins?|began|begun|started|hearing|disclosed|discovered|occurred|happened|launched|opened|"
    r"enacted|took effect|in effect|introduced|passed|created|acquired|bought|exposed|breached)"
    r"\b[^.;]{0,40}|\b(?:the|its|a|an|their|his|her|this|that)\s+)$",
    re.I,
)
_ATTRIBUTIVE_YEAR_AFTER = re.compile(
    r"^\s+(?!(?:and|or|to|when|after|before|but|for|as|that|which|with|while|the|a|an|in|on|at|by|"
    r"from|until|through|was|were|is|are|had|has|it|he|she|they|we)\b)[a-z]"
)


@dataclass(frozen=True)
class FoundDate:
    value: datetime.date
    precision: str  # "year", "month" or "day"
    start: int
    event_like: bool = True
    end: int = 0


def find_dates(text: str, published: datetime.date | None) -> list[FoundDate]:
    """Dates a sentence states, resolved against the publication date where relative."""
    found = []
    latest_year = (published or datetime.date.today()).year + 1
    for match in DATE_RE.finditer(text):
        event_like = not _NOT_EVENT_DATE_BEFORE.search(
            text[max(0, match.start() - 60) : match.start()]
        ) and not (match.group("year") and _ATTRIBUTIVE_YEAR_AFTER.match(text[match.end() :]))
        try:
            value, precision = _resolve_date(match, published)
        except ValueError:
            continue
        if value is None:
            continue
        if match.group("year") and (
            _NON_YEAR_BEFORE.search(text[max(0, match.start() - 12) : match.start()])
            or not 1990 <= value.year <= latest_year
        ):
            continue
        found.append(FoundDate(value, precision, match.start(), event_like, match.end()))
    return found


def _month(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")]


def _resolve_date(match: re.Match, published: datetime.date | None):
    if match.group("mdy"):
        date = datetime.date(
            int(match.group("y1")), _month(match.group("m1")), int(match.group("d1"))
        )
        return date, "day"
    if match.group("dmy"):
        date = datetime.date(
            int(match.group("y2")), _month(match.group("m2")), int(match.group("d2"))
        )
        return date, "day"
    if match.group("iso"):
        date = datetime.date(int(match.group("y4")), int(match.group("m4")), int(match.group("d4")))
        return date, "day"
    if match.group("my"):
        return datetime.date(int(match.group("y3")), _month(match.group("m3")), 1), "month"
    if match.group("md"):
        if published is None:
            return None, ""
        month, day = _month(match.group("m5")), int(match.group("d5"))
        year = (
            published.year
            if (month, day) <= (published.month, published.day)
            else published.year - 1
        )
        return datetime.date(year, month, day), "day"
    if match.group("rel"):
        return _relative_date(match.group("rel"), published)
    return datetime.date(int(match.group("year")), 1, 1), "year"


def _relative_date(phrase: str, published: datetime.date | None):
    """ "on Thursday", "yesterday", "last month" relative to the publication date."""
    if published is None:
        return None, ""
    phrase = phrase.lower().strip()
    if "month" in phrase:
        if phrase.startswith("last"):
            first = published.replace(day=1) - datetime.timedelta(days=1)
            return first.replace(day=1), "month"
        return published.replace(day=1), "month"
    if "week" in phrase:
        return None, ""
    if phrase == "today":
        return published, "day"
    if phrase == "yesterday":
        return published - datetime.timedelta(days=1), "day"
    weekday = WEEKDAYS.index(phrase.split()[-1].capitalize())
    days_back = (published.weekday() - weekday) % 7
    if phrase.startswith("last ") and days_back == 0:
        days_back = 7
    return published - datetime.timedelta(days=days_back), "day"


# --- Names: companies, authorities, laws ---------------------------------------------------


@dataclass
class Gazetteer:
    """What the database knows, merged over the built-in names."""

    companies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    authorities: list[tuple[str, str]] = field(default_factory=list)  # (name, abbreviation)
    laws: list[tuple[str, str]] = field(default_factory=list)  # (short name, full name)

    def company_names(self) -> dict[str, str]:
        """Every name or alias -> its canonical company name; database names win."""
        names: dict[str, str] = {}
        for canonical, aliases in list(KNOWN_COMPANIES.items()) + list(self.companies.items()):
            for name in (canonical, *aliases):
                if len(name) >= 2:
                    names[name] = canonical
        # An alias the database gives to another company overrides the built-in one.
        for canonical, aliases in self.companies.items():
            for name in (canonical, *aliases):
                names[name] = canonical
        return names


@dataclass(frozen=True)
class NameMention:
    name: str
    start: int
    end: int


_CORPORATE_SUFFIX = (
    r"(?:Inc|Incorporated|Corp|Corporation|LLC|L\.L\.C|Ltd|Limited|plc|PLC|GmbH|AG|SE|S\.A|SAS|"
    r"N\.V|B\.V|Co|Holdings|Technologies|Group)\b\.?"
)
_CAP_WORD = r"(?:[A-Z][\w&'.-]*[\w&]|[A-Z]|[A-Z]\.[A-Z]\.?)"
_SUFFIX_COMPANY_RE = re.compile(
    rf"\b((?:{_CAP_WORD}\s+){{0,3}}{_CAP_WORD}),?\s+{_CORPORATE_SUFFIX}"
)
_SUBJECT_RE = re.compile(
    rf"\b((?:{_CAP_WORD}\s+){{0,3}}{_CAP_WORD})(?:'s)?\s+(?:(?:has|have|had|will|would|must|"
    rf"also|then|is|was|"
    rf"previously|ultimately|eventually|now)\s+)*(?:agreed to (?:pay|settle)|agrees to (?:pay|"
    rf"settle)|"
    rf"settled|settles|paid|pays|to pay|(?:been |was |were )?fined|(?:been |was |"
    rf"were )?ordered to pay|"
    rf"faces|reached a settlement|struck a deal)\b"
)
_OBJECT_RE = re.compile(
    rf"\b(?:fined|fining|fines|sued|suing|sues|against|penali[sz]ed|sanctioned|settlement with|"
    rf"deal with|agreement with|accus(?:ed|ing|es)|ordered|fine (?:on|for|to|against))\s+"
    rf"(?:the\s+)?((?:{_CAP_WORD}\s+){{0,3}}{_CAP_WORD})"
)
_DESCRIPTOR_RE = re.compile(
    rf"\b(?:company|firm|railroad|railway|retailer|carrier|start-?up|platform|app|bank|"
    rf"insurer|maker|"
    rf"giant|provider|operator|chain|airline|developer|broker|lender|network|service|processor|"
    rf"group|manufacturer|publisher|brand|owner|subsidiary|unit|service provider),?\s+"
    rf"((?:{_CAP_WORD}\s+){{0,2}}{_CAP_WORD})"
)
_NOT_COMPANY_WORDS = {
    "The", "A", "An", "In", "On", "At", "It", "Its", "This", "That", "These", "Those", "Under",
    "According", "As", "After", "Before", "Judge", "Plaintiffs", "Regulators", "Regulator",
    "Authorities", "Users", "Lawyers", "Attorneys", "Attorney", "General", "Court", "State",
    "States", "Federal", "European", "Commission", "Department", "Office", "Monday", "Tuesday",
    "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December",
    "He", "She", "They", "We", "I", "You", "But", "And", "Or", "If", "When", "While",
    "Meanwhile", "However", "Also", "So", "Yet", "Still", "Now", "Both", "Each", "Some", "All",
    "Today", "Yesterday", "Earlier", "Last", "Next", "Previously", "Separately", "Critics",
    "Consumers", "Customers", "Parents", "Residents", "Members", "Class", "Jury", "Jurors",
    "Prosecutors", "Officials", "Investigators", "Government", "Congress", "Senate", "Democrats",
    "Republicans", "Chairman", "Chair", "President", "CEO", "Spokesperson", "Spokesman",
    "Which", "What", "Who", "Why", "How", "Here", "There", "Read", "More", "Related", "Photo",
    "Settlement", "Fine", "Penalty", "Lawsuit", "Privacy", "Data", "Company", "Companies",
    "Defendants", "Defendant", "Counsel", "Mr", "Ms", "Mrs", "Dr", "Instead", "Together",
    "Including", "Among", "Not", "No", "Yes", "For", "From", "With", "By", "Of", "To",
    "Chinese", "American", "French", "Irish", "German", "Italian", "Spanish", "Dutch", "British",
    "Illinois", "California", "Texas", "New", "York", "U.S.", "US", "UK", "EU", "Ireland",
    "France", "Germany", "Italy", "Spain", "Europe", "America", "United", "Kingdom", "China",
    "Washington", "Following", "Despite", "Although", "Because", "Since", "Once", "Then",
}  # fmt: skip


_COMPANY_BEFORE = r"[\w.@/-]"
_COMPANY_AFTER = r"[\w@-]|\.\w"


def _ignores_case(name: str) -> bool:
    """Short names ("Meta" vs "meta") and lower-case ones must match as written."""
    return len(name) > 4 and name[:1].isupper()


def _compile_names(names: dict[str, str]) -> list[tuple[re.Pattern, str]]:
    """One pattern per name, longest first: for the few names an article itself reveals."""
    compiled = []
    for name in sorted(names, key=len, reverse=True):
        flags = re.I if _ignores_case(name) else 0
        pattern = re.compile(rf"(?<!{_COMPANY_BEFORE}){re.escape(name)}(?!{_COMPANY_AFTER})", flags)
        compiled.append((pattern, names[name]))
    return compiled


def company_name_index(names: dict[str, str]) -> LiteralNames:
    """All known company names and aliases, matched exactly as :func:`_compile_names` would."""
    ordered = sorted(names, key=len, reverse=True)
    return LiteralNames(
        [(name, names[name], _ignores_case(name)) for name in ordered],
        before=_COMPANY_BEFORE,
        after=_COMPANY_AFTER,
    )


def _clean_company_name(raw: str) -> str:
    words = raw.split()
    while words and words[0].strip(",") in _NOT_COMPANY_WORDS:
        words.pop(0)
    name = " ".join(words).strip(" ,'")
    name = re.sub(rf",?\s+{_CORPORATE_SUFFIX}$", "", name).strip(" ,")
    return re.sub(r"'s$", "", name)


class NameFinder:
    """Finds companies, authorities and laws in sentences; built once per gazetteer."""

    def __init__(self, gazetteer: Gazetteer | None = None):
        gazetteer = gazetteer or Gazetteer()
        self.company_index = company_name_index(gazetteer.company_names())
        self.authority_patterns = _known_patterns(
            (name, expressions) for name, _kind, _country, expressions in KNOWN_AUTHORITIES
        )
        self.authority_index = _database_names(gazetteer.authorities)
        self.law_patterns = _known_patterns(
            (short, expressions) for short, _jurisdiction, expressions in KNOWN_LAWS
        )
        self.law_index = _database_names(gazetteer.laws)

    def authorities(self, text: str) -> list[NameMention]:
        found = _known_and_database(text, self.authority_patterns, self.authority_index)
        found += _courts(text)
        found += _attorneys_general(text)
        return _without_overlaps(found)

    def laws(self, text: str) -> list[NameMention]:
        return _without_overlaps(_known_and_database(text, self.law_patterns, self.law_index))

    def companies(
        self,
        text: str,
        authority_spans: list[NameMention] = (),
        discovered: list[tuple[re.Pattern, str]] = (),
    ) -> list[NameMention]:
        """Known names first; then names the wording shows to be companies ("X agreed to pay")."""
        found = [
            NameMention(m.value, m.start, m.end)
            for m in self.company_index.find(text)
            if text[m.start].isupper() or text[m.start].isdigit()
        ]
        for pattern, name in discovered:
            for m in pattern.finditer(text):
                if text[m.start()].isupper() or text[m.start()].isdigit():
                    found.append(NameMention(name, m.start(), m.end()))
        found += [
            n
            for n in self.unknown_companies(text, authority_spans)
            if not any(k.start <= n.start < k.end or n.start <= k.start < n.end for k in found)
        ]
        spans = [n for n in found if not any(a.start <= n.start < a.end for a in authority_spans)]
        return _without_overlaps(spans)

    def unknown_companies(self, text: str, authority_spans=()) -> list[NameMention]:
        found = []
        for regex in (_SUFFIX_COMPANY_RE, _SUBJECT_RE, _OBJECT_RE, _DESCRIPTOR_RE):
            for m in regex.finditer(text):
                raw = m.group(1)
                name = _clean_company_name(m.group(0) if regex is _SUFFIX_COMPANY_RE else raw)
                if not _plausible_company(name) or self._is_other_name(name):
                    continue
                if self.company_index.match_at_start(name):
                    continue  # "Vodafone Spain" is Vodafone, already found by name
                start = text.find(name, m.start())
                if start < 0 or any(a.start <= start < a.end for a in authority_spans):
                    continue
                found.append(NameMention(name, start, start + len(name)))
        return found

    def _is_other_name(self, name: str) -> bool:
        """An authority, a law or a place is not a company."""
        return bool(self.authorities(name) or self.laws(name)) or name in US_STATES


_NAME_BEFORE = r"[\w-]"
_NAME_AFTER = r"[\w-]"


@dataclass(frozen=True)
class _KnownPatterns:
    """The built-in names: regular expressions written by hand ("F\\.?T\\.?C\\.?").

    ``any_of`` is all of them in one alternation: where it finds nothing, none of them can
    match, so most sentences (and every candidate company name) cost one search, not 70.
    """

    any_of: re.Pattern
    patterns: list[tuple[re.Pattern, str]]


def _known_patterns(named_expressions) -> _KnownPatterns:
    pairs = [
        (expression, name) for name, expressions in named_expressions for expression in expressions
    ]
    return _KnownPatterns(
        any_of=re.compile(
            rf"(?<!{_NAME_BEFORE})(?:{'|'.join(f'(?:{e})' for e, _ in pairs)})(?!{_NAME_AFTER})"
        ),
        patterns=[
            (re.compile(rf"(?<!{_NAME_BEFORE}){expression}(?!{_NAME_AFTER})"), name)
            for expression, name in pairs
        ],
    )


def _database_names(rows: list[tuple[str, str]]) -> LiteralNames:
    """Authorities (name, abbreviation) or laws (short, full name) as the database has them."""
    return LiteralNames(
        [
            (text, first, False)
            for first, second in rows
            for text in (first, second)
            if text and len(text) >= 3
        ],
        before=_NAME_BEFORE,
        after=_NAME_AFTER,
    )


def _known_and_database(text: str, known: _KnownPatterns, index: LiteralNames) -> list[NameMention]:
    """Built-in matches first, then the database's, each in list order (ties go to the first)."""
    found = []
    if known.any_of.search(text):
        found = [
            NameMention(name, m.start(), m.end())
            for pattern, name in known.patterns
            for m in pattern.finditer(text)
        ]
    found += [NameMention(m.value, m.start, m.end) for m in index.find(text)]
    return found


_NOT_COMPANY_LAST_WORDS = {
    "General", "Court", "Commission", "Department", "Office", "State", "States", "Authority",
    "Agency", "Act", "Board", "Regulation", "Rule", "Judge", "Jury", "Attorney", "Attorneys",
    "Regulator", "Regulators", "Government", "Congress", "Senate", "Commissioner", "Ministry",
}  # fmt: skip


def _plausible_company(name: str) -> bool:
    words = name.split()
    if not words or len(name) < 2 or len(words) > 5:
        return False
    if all(word in _NOT_COMPANY_WORDS for word in words):
        return False
    if words[0] in _NOT_COMPANY_WORDS or words[-1] in _NOT_COMPANY_LAST_WORDS:
        return False
    if any(state == name for state in US_STATES):
        return False
    return name[0].isupper() or name[0].isdigit()


@functools.cache
def _court_regexes() -> dict:
    """Compiled once: these run on every sentence and every candidate company name."""
    states = _STATES_PATTERN
    cities = "|".join(COURT_CITIES)
    return {
        "district": re.compile(
            r"(?:U\.S\. |US |[Ff]ederal )?District Court (?:for|in) the ((?:(?:Northern|Southern|"
            r"Eastern|"
            r"Western|Central|Middle) )?District of (?:[A-Z][a-z]+)(?: [A-Z][a-z]+)?)"
        ),
        "abbreviations": [
            (re.compile(rf"(?<![\w.]){re.escape(abbreviation)}"), name)
            for abbreviation, name in COURT_ABBREVIATIONS.items()
        ],
        "judge": re.compile(
            rf"\b(?:(?:an? )?(?:(?P<state>{states}) )?federal (?:judge|court|jury)|"
            rf"U\.S\. (?:District|Magistrate) Judge(?: [A-Z][\w.'-]*){{1,3}}|"
            rf"(?:federal|district) court)"
            rf"(?:,? in (?:(?P<city>{cities})|(?P<state2>{states})))?"
        ),
        "state_court": re.compile(
            rf"\b((?:{states}|[A-Z][a-z]+ County) (?:Superior|Circuit|District|Supreme) Court)"
        ),
        "appeals": re.compile(
            r"\b(?:U\.S\. )?(?:Court of Appeals for the )?(\w+) Circuit(?: Court of Appeals)?\b"
        ),
        "high_court": re.compile(r"\b(?:the )?High Court(?: in (?:London|Dublin))?"),
        "single_ag": re.compile(
            rf"\b(?:(?P<s1>{states})(?:'s)? (?:Attorney General|attorney general|AG)\b|"
            rf"(?:Attorney General|attorney general) (?:of|for) (?P<s2>{states}))"
        ),
        "multi_ag": re.compile(
            r"\b(?:\d+|[a-z]+(?:-[a-z]+)?|a coalition of|a group of)"
            r"\s+(?:state\s+)?attorneys general\b",
            re.I,
        ),
    }


def _courts(text: str) -> list[NameMention]:
    found = []
    regexes = _court_regexes()
    for m in regexes["district"].finditer(text):
        found.append(NameMention(f"U.S. District Court for the {m.group(1)}", m.start(), m.end()))
    for pattern, name in regexes["abbreviations"]:
        for m in pattern.finditer(text):
            found.append(NameMention(f"U.S. District Court for the {name}", m.start(), m.end()))
    for m in regexes["judge"].finditer(text):
        city, state = m.group("city"), m.group("state") or m.group("state2")
        if city:
            name = f"U.S. District Court for the {COURT_CITIES[city]}"
        elif state:
            name = f"U.S. federal court in {state}"
        else:
            continue
        found.append(NameMention(name, m.start(), m.end()))
    for m in regexes["state_court"].finditer(text):
        found.append(NameMention(m.group(1), m.start(), m.end()))
    for m in regexes["appeals"].finditer(text):
        if m.group(1) in CIRCUITS:
            found.append(
                NameMention(
                    f"U.S. Court of Appeals for the {m.group(1)} Circuit", m.start(), m.end()
                )
            )
    for m in regexes["high_court"].finditer(text):
        found.append(NameMention("High Court", m.start(), m.end()))
    return found


_STATES_PATTERN = "|".join(re.escape(s) for s in sorted(US_STATES, key=len, reverse=True))
CIRCUITS = set(
    [
        "First",
        "Second",
        "Third",
        "Fourth",
        "Fifth",
        "Sixth",
        "Seventh",
        "Eighth",
        "Ninth",
        "Tenth",
        "Eleventh",
        "D.C.",
        "Federal",
        "1st",
        "2nd",
        "3rd",
        "4th",
        "5th",
        "6th",
        "7th",
        "8th",
        "9th",
        "10th",
        "11th",
    ]
)


def _attorneys_general(text: str) -> list[NameMention]:
    found = []
    regexes = _court_regexes()
    for m in regexes["single_ag"].finditer(text):
        state = m.group("s1") or m.group("s2")
        found.append(NameMention(f"{state} Attorney General", m.start(), m.end()))
    for m in regexes["multi_ag"].finditer(text):
        found.append(NameMention("State attorneys general (multistate)", m.start(), m.end()))
    return found


def _without_overlaps(mentions: list[NameMention]) -> list[NameMention]:
    """Keep the longest of overlapping mentions, in text order."""
    kept: list[NameMention] = []
    for mention in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


# --- Findings --------------------------------------------------------------------------------


@dataclass
class Finding:
    kind: str
    company: str | None
    amount: Decimal | None
    currency: str | None
    date: datetime.date | None
    date_precision: str | None
    authority: str | None
    law: str | None
    sentence: str
    headline: bool = False
    role: str = FACT
    confidence: float = 0.5
    date_source: str | None = None
    converted: list[tuple[Decimal, str]] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "company": self.company,
            "amount": format_amount(self.amount),
            "currency": self.currency,
            "year": self.year,
            "date": format_partial_date(self.date, self.date_precision),
            "date_precision": self.date_precision,
            "authority": self.authority,
            "law": self.law,
            "headline": self.headline,
            "date_from": {"text": "text", "published": "publication date"}.get(
                self.date_source or ""
            ),
            "confidence": round(self.confidence, 2),
            "also_stated_as": [
                {"amount": format_amount(amount), "currency": currency}
                for amount, currency in self.converted
            ],
            "sentence": self.sentence,
        }


@dataclass
class AmountNote:
    """Every amount the article states, with the role the extractor gave it."""

    amount: Decimal
    currency: str
    role: str
    text: str
    sentence: str

    def as_dict(self) -> dict:
        return {
            "amount": format_amount(self.amount),
            "currency": self.currency,
            "role": self.role,
            "text": self.text,
        }


@dataclass
class Extraction:
    companies: list[str]
    findings: list[Finding]
    amounts: list[AmountNote]
    authorities: list[str]
    laws: list[str]

    @property
    def headline(self) -> Finding | None:
        return next((f for f in self.findings if f.headline), None)

    def as_dict(self) -> dict:
        return {
            "extractor_version": EXTRACTOR_VERSION,
            "companies": self.companies,
            "authorities": self.authorities,
            "laws": self.laws,
            "findings": [f.as_dict() for f in self.findings],
            "amounts": [a.as_dict() for a in self.amounts],
        }


def format_amount(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    return f"{amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount:f}"


def format_partial_date(value: datetime.date | None, precision: str | None) -> str | None:
    """ISO 8601 at the precision known: "2019", "2019-02", "2019-02-27"."""
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


@dataclass
class _Context:
    sentences: list[Sentence]
    companies: dict[int, list[NameMention]]
    authorities: dict[int, list[NameMention]]
    laws: dict[int, list[NameMention]]
    dates: dict[int, list[FoundDate]]

    def paragraph(self, sentence: Sentence) -> list[Sentence]:
        return [s for s in self.sentences if s.paragraph == sentence.paragraph]

    def nearby(self, sentence: Sentence, table: dict, back: int = 3) -> list:
        """Mentions in this sentence, else the closest earlier ones in the same paragraph."""
        if table[sentence.index]:
            return table[sentence.index]
        for s in reversed(self.paragraph(sentence)):
            if s.index < sentence.index and sentence.index - s.index <= back and table[s.index]:
                return table[s.index]
        return []


def extract(
    text: str,
    *,
    title: str = "",
    published: datetime.date | None = None,
    gazetteer: Gazetteer | None = None,
    finder: NameFinder | None = None,
) -> Extraction:
    """Everything the article states about money paid or owed, and by whom."""
    finder = finder or NameFinder(gazetteer)
    sentences = split_article(text, title)
    context = _Context(sentences, {}, {}, {}, {})
    for s in sentences:
        context.authorities[s.index] = finder.authorities(s.text)
        context.laws[s.index] = finder.laws(s.text)
        context.dates[s.index] = find_dates(s.text, published)
    # A name the wording shows to be a company in one sentence is that company everywhere.
    discovered_names = {
        mention.name: mention.name
        for s in sentences
        for mention in finder.unknown_companies(s.text, context.authorities[s.index])
    }
    discovered = _compile_names(discovered_names)
    for s in sentences:
        context.companies[s.index] = finder.companies(
            s.text, context.authorities[s.index], discovered
        )

    company_counts = Counter()
    first_seen: dict[str, int] = {}
    for s in sentences:
        for mention in context.companies[s.index]:
            company_counts[mention.name] += 3 if s.in_title else 1
            first_seen.setdefault(mention.name, s.index * 10000 + mention.start)
    companies = sorted(company_counts, key=lambda name: first_seen[name])
    main_company = max(companies, key=lambda n: (company_counts[n], -first_seen[n]), default=None)

    mentions: list[MoneyMention] = []
    for s in sentences:
        found = find_money(s)
        for mention in found:
            classify_mention(mention, found)
        mentions.extend(found)

    findings = _money_findings(mentions, context, published, main_company)
    if not findings:
        lawsuit = _lawsuit_finding(context, main_company, published)
        if lawsuit:
            findings = [lawsuit]
    _choose_headline(findings, mentions, sentences, published, context)

    return Extraction(
        companies=companies,
        findings=findings,
        amounts=[
            AmountNote(m.amount, m.currency, m.role, m.text, m.sentence.text) for m in mentions
        ],
        authorities=_ordered_names(context.authorities, sentences),
        laws=_ordered_names(context.laws, sentences),
    )


def _ordered_names(table: dict[int, list[NameMention]], sentences: list[Sentence]) -> list[str]:
    names: list[str] = []
    for s in sentences:
        for mention in table[s.index]:
            if mention.name not in names:
                names.append(mention.name)
    return names


@dataclass
class _Group:
    amount: Decimal
    currency: str
    mentions: list[MoneyMention] = field(default_factory=list)
    converted: list[MoneyMention] = field(default_factory=list)


def _money_findings(
    mentions: list[MoneyMention], context: _Context, published, main_company
) -> list[Finding]:
    groups: dict[tuple[Decimal, str], _Group] = {}
    for mention in mentions:
        if mention.role == CONVERTED:
            continue
        if mention.role not in FACT_ROLES:
            continue
        key = (mention.amount, mention.currency)
        groups.setdefault(key, _Group(*key)).mentions.append(mention)
    _merge_rounded(groups)
    for mention in mentions:
        if mention.role == CONVERTED and mention.converted_from is not None:
            source = mention.converted_from
            group = groups.get((source.amount, source.currency))
            if group is not None:
                group.converted.append(mention)
    _merge_restated_conversions(groups)
    _prefer_native_currency(groups, context)

    findings = []
    for group in groups.values():
        finding = _finding_from_group(group, context, published, main_company, mentions)
        if finding is not None:
            findings.append(finding)
    return findings


def _significant_digits(amount: Decimal) -> int:
    return len(amount.normalize().as_tuple().digits)


def _merge_rounded(groups: dict) -> None:
    """ "€35.3 million" in a headline and "€35,258,707.95" in the body are one amount."""
    for key, group in sorted(groups.items(), key=lambda kv: _significant_digits(kv[0][0])):
        if key not in groups:
            continue
        for other_key, other in groups.items():
            if other_key == key or other_key[1] != key[1] or not key[0] or not other_key[0]:
                continue
            if _significant_digits(other_key[0]) <= _significant_digits(key[0]):
                continue
            difference = abs(other_key[0] - key[0]) / max(other_key[0], key[0])
            approximate = any(
                _APPROXIMATE_WORDS.search(m.sentence.text[max(0, m.start - 20) : m.start])
                for m in group.mentions
            )
            if difference <= Decimal("0.005") or (approximate and difference <= Decimal("0.05")):
                other.mentions.extend(group.mentions)
                other.converted.extend(group.converted)
                del groups[key]
                break


def _merge_restated_conversions(groups: dict) -> None:
    """ "China fines Alibaba $2.8 billion" restates the converted "18.228 billion yuan
    ($2.78 billion)": the headline figure joins the original amount."""
    for key, group in list(groups.items()):
        for other in groups.values():
            if other is group:
                continue
            for converted in other.converted:
                if converted.currency != key[1] or not key[0]:
                    continue
                difference = abs(converted.amount - key[0]) / max(converted.amount, key[0])
                if difference <= Decimal("0.02"):
                    other.mentions.extend(group.mentions)
                    del groups[key]
                    break
            if key not in groups:
                break


_EUROPEAN = {"EUR", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN"}


def _prefer_native_currency(groups: dict, context: _Context) -> None:
    """A US outlet may write "$368 million (€345 million)": the euro figure is the fact."""
    european_context = any(
        a.name
        and not a.name.startswith(("U.S.", "Federal", "Securities", "Consumer", "Department"))
        and not a.name.endswith(("Attorney General", "(multistate)"))
        for names in context.authorities.values()
        for a in names
    ) or any(
        law.name in {"GDPR", "UK GDPR", "DMA", "DSA", "PECR"}
        for laws in context.laws.values()
        for law in laws
    )
    if not european_context:
        return
    for key, group in list(groups.items()):
        if group.currency != "USD":
            continue
        native = [c for c in group.converted if c.currency in _EUROPEAN]
        if not native:
            continue
        other = native[0]
        new_key = (other.amount, other.currency)
        if new_key in groups:
            continue
        swapped = _Group(other.amount, other.currency)
        for m in group.mentions:
            m_conv = MoneyMention(
                other.amount,
                other.currency,
                m.start,
                m.end,
                other.text,
                m.sentence,
                kind=m.kind,
                kind_strength=m.kind_strength,
                role=m.role,
            )
            swapped.mentions.append(m_conv)
        swapped.converted = [group.mentions[0]]
        del groups[key]
        groups[new_key] = swapped


def _finding_from_group(
    group: _Group, context: _Context, published, main_company, all_mentions=()
) -> Finding | None:
    kind, strength, best = None, 0, None
    for mention in group.mentions:
        weight = mention.kind_strength - (1 if mention.sentence.in_title else 0)
        if mention.kind and (weight > strength or best is None):
            kind, strength, best = mention.kind, weight, mention
    anchor = best or group.mentions[0]
    if kind is None:
        # The same amount stated elsewhere with its kind ("pay up to $425 million ... as part
        # of a settlement") names the kind for a bare headline figure.
        related = [
            m
            for m in all_mentions
            if (m.amount, m.currency) == (group.amount, group.currency) and m.kind
        ]
        if related:
            kind = max(related, key=lambda m: m.kind_strength).kind
            strength = 1
    if kind is None or strength < 1:
        # No kind word near the amount: accept only a payment stated in a paragraph that
        # says what it was for ("As a result, 5.7 million US dollars were due.").
        searched = set()  # a paragraph without kind words need not be read again
        for mention in group.mentions:
            if not _PAYMENT_WORDS.search(mention.sentence.text):
                continue
            sentences = context.paragraph(mention.sentence)
            key = (id(sentences[0]) if sentences else None, len(sentences))
            if key in searched:
                continue
            searched.add(key)
            paragraph = " ".join(s.text for s in sentences)
            for pattern, context_kind in _CONTEXT_KIND_WORDS:
                if pattern.search(paragraph):
                    kind, anchor, strength = context_kind, mention, 0
                    break
            if kind:
                break
        if kind is None:
            return None
    sentence = anchor.sentence
    body_sentence = next((m.sentence for m in group.mentions if not m.sentence.in_title), sentence)
    if sentence.in_title:
        sentence = body_sentence

    company = _company_for(anchor, context) or _company_for_sentence(sentence, context)
    if company is None and main_company is not None:
        company = main_company
    authority = _first_name(context.nearby(sentence, context.authorities))
    if authority is None:
        authority = _article_level(context.authorities, kind, sentence, context)
    law = _first_name(context.nearby(sentence, context.laws))
    if law is None:
        law = _article_level(context.laws, kind, sentence, context)
    date, precision, date_source = _date_for(group, sentence, context)
    confidence = 0.45 + 0.15 * min(strength, 3) / 3
    if _company_for_sentence(sentence, context):
        confidence += 0.15
    if authority:
        confidence += 0.05
    if date:
        confidence += 0.05
    return Finding(
        kind=kind,
        company=company,
        amount=group.amount,
        currency=group.currency,
        date=date,
        date_precision=precision,
        authority=authority,
        law=law,
        sentence=sentence.text,
        confidence=min(confidence, 0.95),
        date_source=date_source,
        converted=[(c.amount, c.currency) for c in group.converted],
    )


def _company_for(mention: MoneyMention, context: _Context) -> str | None:
    """Who pays: the subject of "agreed to pay", the object of "fined", else the first named."""
    companies = context.companies[mention.sentence.index]
    if not companies:
        return None
    text = mention.sentence.text
    # "fined Google €150 million and Facebook €60 million": each amount has its own payer.
    amounts = find_money(mention.sentence)
    if len(amounts) > 1:
        payer = _enumerated_payer(mention, amounts, companies, text)
        if payer:
            return payer
    # "Amazon's Ring unit agreed to pay": the subsidiary pays.
    companies = [
        c
        for i, c in enumerate(companies)
        if not (
            i + 1 < len(companies) and re.fullmatch(r"'s\s+", text[c.end : companies[i + 1].start])
        )
    ]
    for m in _OBJECT_RE.finditer(text):
        for c in companies:
            if m.start(1) <= c.start < m.end(1) + 2:
                return c.name
    for m in _SUBJECT_RE.finditer(text):
        for c in companies:
            if m.start(1) <= c.start < m.end(1):
                return c.name
    return companies[0].name


def _enumerated_payer(mention, amounts, companies, text) -> str | None:
    """In "X €1m and Y €2m" the payer precedes each amount; in "€1m for X and €2m for Y" it
    follows. The first and last amounts show which way the sentence is built."""
    ends = [m.end for m in amounts]
    starts = [m.start for m in amounts]

    def after(index: int) -> list[NameMention]:
        stop = starts[index + 1] if index + 1 < len(amounts) else len(text)
        return [c for c in companies if ends[index] <= c.start < stop]

    def before(index: int) -> list[NameMention]:
        start = ends[index - 1] if index > 0 else 0
        return [c for c in companies if start <= c.start < starts[index]]

    index = next(i for i, m in enumerate(amounts) if m.start == mention.start)
    follows = bool(after(len(amounts) - 1)) and not before(0)
    if follows:
        return after(index)[0].name
    if index > 0 and before(index):
        return before(index)[-1].name
    return None


def _company_for_sentence(sentence: Sentence, context: _Context) -> str | None:
    names = context.nearby(sentence, context.companies)
    return names[0].name if names else None


def _first_name(mentions: list[NameMention]) -> str | None:
    return mentions[0].name if mentions else None


def _article_level(table: dict, kind: str, sentence: Sentence, context: _Context) -> str | None:
    """The authority or law the article names most (the first on a tie) applies to its facts."""
    counts: Counter = Counter()
    order: list[str] = []
    for s in context.sentences:
        for m in table[s.index]:
            counts[m.name] += 1
            if m.name not in order:
                order.append(m.name)
    if not counts:
        return None
    return max(order, key=lambda name: (counts[name], -order.index(name)))


def _gap(date: FoundDate, mention: MoneyMention) -> float:
    """Distance from an amount to a date; "a $5 million fine in 2019" leans forward."""
    if date.start >= mention.end:
        return (date.start - mention.end) / 2
    return max(mention.start - date.end, 0)


def _nearest_amount(date: FoundDate, amounts: list[MoneyMention]) -> MoneyMention:
    return min(amounts, key=lambda m: _gap(date, m))


def _date_for(group: _Group, sentence: Sentence, context: _Context):
    for mention in sorted(group.mentions, key=lambda m: m.sentence.in_title):
        dates = [d for d in context.dates[mention.sentence.index] if d.event_like]
        amounts = find_money(mention.sentence)
        # "a $5 million fine in 2019 and a $10 million fine in 2021": each date belongs to
        # the amount nearest to it.
        own = [d for d in dates if _nearest_amount(d, amounts).start == mention.start]
        if own or dates:
            best = min(own or dates, key=lambda d: (_gap(d, mention), d.precision != "day"))
            return best.value, best.precision, "text"
    for s in reversed(context.paragraph(sentence)):
        if s.index < sentence.index:
            dates = [d for d in context.dates[s.index] if d.event_like]
            if dates:
                best = dates[-1]
                return best.value, best.precision, "text"
    return None, None, None


_LAWSUIT_RE = re.compile(
    r"\b(?:(?:filed|brought|launched|lodged) (?:a |an )?(?:proposed |new |"
    r"federal )?(?:class[- ]action )?"
    r"(?:lawsuit|suit)|filed a complaint against|(?:class[- ]action )?(?:lawsuit|"
    r"suit) (?:was |has been )?"
    r"(?:filed|brought)|sued|sues|is suing|are suing|"
    r"(?:launched|took|brought|filed|started|begun|began) (?:legal|court) "
    r"(?:action|proceedings) against)\b",
    re.I,
)


def _lawsuit_finding(context: _Context, main_company, published) -> Finding | None:
    """With no amount, a clearly stated new lawsuit is still a fact worth an editor's look."""
    for s in context.sentences:
        if s.in_title or not _LAWSUIT_RE.search(s.text):
            continue
        companies = context.companies[s.index]
        company = companies[0].name if companies else None
        match = _LAWSUIT_RE.search(s.text)
        for m in _OBJECT_RE.finditer(s.text):
            for c in companies:
                if m.start(1) <= c.start < m.end(1) + 2:
                    company = c.name
        if company is None:
            continue
        dates = [
            d for d in context.dates[s.index] if d.precision == "day" or d.precision == "month"
        ]
        date = dates[0] if dates else None
        del match
        return Finding(
            kind=LAWSUIT,
            company=company,
            amount=None,
            currency=None,
            date=date.value if date else None,
            date_precision=date.precision if date else None,
            authority=_first_name(context.nearby(s, context.authorities))
            or _article_level(context.authorities, LAWSUIT, s, context),
            law=_first_name(context.nearby(s, context.laws))
            or _article_level(context.laws, LAWSUIT, s, context),
            sentence=s.text,
            confidence=0.5,
            date_source="text" if date else None,
        )
    return None


_DECISION_WORDS = re.compile(
    r"\b(?:announc\w*|decision|decided|imposed|issued|approv\w*|published|reached|dated|"
    r"finali[sz]ed|entered|handed down|agreed)\b[^.;]{0,40}$",
    re.I,
)


def _decision_date(context: _Context, published) -> FoundDate | None:
    """A sentence such as "The decision was announced on October 24, 2024." dates the news."""
    candidates = []
    for s in context.sentences:
        for found in context.dates[s.index]:
            if found.precision == "year" or not found.event_like:
                continue
            if published and found.value > published:
                continue
            if _DECISION_WORDS.search(s.text[max(0, found.start - 60) : found.start]):
                candidates.append(found)
    return max(candidates, key=lambda d: d.value, default=None)


def _choose_headline(findings: list[Finding], mentions, sentences, published, context) -> None:
    if not findings:
        return
    title_text = " ".join(s.text for s in sentences if s.in_title)
    lede = [s for s in sentences if not s.in_title][:2]
    lede_text = " ".join(s.text for s in lede)

    def score(finding: Finding) -> tuple:
        points = 0.0
        own = [m for m in mentions if (m.amount, m.currency) == (finding.amount, finding.currency)]
        converted = [m for m in mentions if (m.amount, m.currency) in finding.converted]
        all_mentions = own + converted
        if any(m.sentence.in_title for m in all_mentions):
            points += 4
        if any(m.sentence.text in lede_text for m in all_mentions):
            points += 2
        points += min(len(own), 3) * 0.5
        if _PAST_CONTEXT.search(finding.sentence):
            points -= 2
        if finding.date and published and finding.date.year < published.year - 1:
            points -= 1.5
        if title_text and finding.company and finding.company in title_text:
            points += 0.5
        return (points, finding.amount or 0)

    best = max(findings, key=score)
    best.headline = True
    best.role = HEADLINE
    best.confidence = min(best.confidence + 0.05, 0.95)
    if best.date is None and best.kind != LAWSUIT:
        decision = _decision_date(context, published)
        if decision is not None:
            best.date, best.date_precision, best.date_source = (
                decision.value,
                decision.precision,
                "text",
            )
        elif published is not None:
            best.date, best.date_precision, best.date_source = published, "day", "published"
    findings.sort(key=lambda f: (not f.headline, -(f.amount or 0)))

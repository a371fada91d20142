"""Writes of the import pipeline: polls, articles, findings, and an editor's review.

Each step is idempotent: it looks at the row's state first, so a task delivered twice, an
entry listed twice or an article in two feeds leaves one article and one set of findings.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import extraction
from articles.fetching import ARTICLE_TYPES, FEED_TYPES, FetchError, fetch, normalise_url
from articles.models import (
    Article,
    ArticleStatus,
    FailureReason,
    Feed,
    FeedPoll,
    Finding,
    FindingKind,
    FindingStatus,
    PollOutcome,
)
from articles.parsing import FeedEntry, MalformedFeed, ParsedFeed, article_text, parse_feed
from articles.selectors import KnownNames, known_names
from cases.models import Authority, Lawsuit, Settlement, Violation
from cases.services import (
    lawsuit_create,
    lawsuit_matching,
    record_cite,
    settlement_create,
    settlement_matching,
    source_get_or_create,
    violation_create,
    violation_matching,
)
from companies.models import Company
from companies.services import unique_slug
from core.services import validate_and_save

logger = logging.getLogger(__name__)

# A page whose readable text is shorter than this is a menu or an error page, not an article.
MIN_ARTICLE_CHARS = 80


# --- Feeds ---------------------------------------------------------------------------------


@dataclass
class PollResult:
    poll: FeedPoll
    to_fetch: list[int] = field(default_factory=list)  # new articles that need their page
    to_extract: list[int] = field(default_factory=list)  # new articles whose feed gave the text


def feed_create(*, url: str, name: str, publisher: str = "", is_active: bool = True) -> Feed:
    feed = Feed(url=url.strip(), name=name.strip(), publisher=publisher, is_active=is_active)
    return validate_and_save(feed)


def feed_poll(feed: Feed, *, now: datetime.datetime | None = None) -> PollResult:
    """Poll one feed with a conditional GET; one FeedPoll row records what happened."""
    now = now or timezone.now()
    poll = FeedPoll(feed=feed, started_at=now, outcome=PollOutcome.OK)
    result = PollResult(poll)
    try:
        response = fetch(
            feed.url,
            accept=FEED_TYPES,
            etag=feed.etag,
            last_modified=feed.last_modified,
            max_bytes=settings.ARTICLES_MAX_FEED_BYTES,
        )
    except FetchError as error:
        poll.http_status = error.http_status
        poll.outcome = _poll_outcome(error.reason)
        poll.error = error.detail
        _finish_poll(feed, poll, failed=True)
        return result
    poll.http_status = response.status
    if response.not_modified:
        poll.outcome = PollOutcome.UNCHANGED
        _finish_poll(feed, poll, failed=False)
        return result
    try:
        parsed = parse_feed(response.content, base_url=feed.url)
    except MalformedFeed as error:
        poll.outcome = PollOutcome.MALFORMED
        poll.error = str(error)[:2000]
        _finish_poll(feed, poll, failed=True)
        return result
    feed.etag = response.etag[:500]
    feed.last_modified = response.last_modified[:100]
    _import_entries(parsed, feed, result)
    _finish_poll(feed, poll, failed=False)
    return result


def feed_import_payload(
    payload: bytes, *, feed: Feed | None = None, publisher: str = ""
) -> PollResult:
    """Import a saved feed file (the quick start's demo feed) exactly as if it had been polled."""
    poll_feed = feed
    poll = FeedPoll(feed=feed, started_at=timezone.now(), outcome=PollOutcome.OK)
    result = PollResult(poll)
    parsed = parse_feed(payload)
    _import_entries(parsed, poll_feed, result, publisher=publisher)
    if feed is not None:
        _finish_poll(feed, poll, failed=False)
    return result


def _import_entries(parsed: ParsedFeed, feed: Feed | None, result: PollResult, publisher=""):
    poll = result.poll
    poll.entries_seen = len(parsed.entries) + len(parsed.rejected)
    poll.entries_rejected = len(parsed.rejected)
    if parsed.rejected:
        poll.error = "Skipped entries:\n" + "\n".join(parsed.rejected)[:4000]
    created = _claim_entries(
        parsed.entries, feed=feed, publisher=publisher or (feed.publisher if feed else "")
    )
    for article in created:
        poll.articles_created += 1
        if article.status == ArticleStatus.FETCHED:
            result.to_extract.append(article.pk)
        else:
            result.to_fetch.append(article.pk)


# Addresses looked up per query when a poll checks which entries are new.
CLAIM_BATCH = 500


def _claim_entries(entries: list[FeedEntry], *, feed: Feed | None, publisher: str) -> list:
    """The articles these entries create, in feed order: a few queries for a whole feed.

    One article per normalised address, as :func:`article_claim`; if another poll claims one
    of the addresses meanwhile, the batch is undone and each entry is claimed on its own.
    """
    first_by_url: dict[str, FeedEntry] = {}
    for entry in entries:
        first_by_url.setdefault(normalise_url(entry.url), entry)
    urls = list(first_by_url)
    try:
        with transaction.atomic():
            known = set()
            for start in range(0, len(urls), CLAIM_BATCH):
                batch = urls[start : start + CLAIM_BATCH]
                known.update(Article.objects.filter(url__in=batch).values_list("url", flat=True))
            fresh = [
                Article(url=url, **_claim_values(entry, feed=feed, publisher=publisher))
                for url, entry in first_by_url.items()
                if url not in known
            ]
            created = Article.objects.bulk_create(fresh, batch_size=CLAIM_BATCH)
            if any(article.pk is None for article in created):  # a database without RETURNING
                ids = dict(
                    Article.objects.filter(url__in=[a.url for a in created]).values_list(
                        "url", "pk"
                    )
                )
                for article in created:
                    article.pk = ids[article.url]
            return created
    except IntegrityError:
        created = []
        for entry in entries:
            article, was_created = article_claim(entry, feed=feed, publisher=publisher)
            if was_created:
                created.append(article)
        return created


def _poll_outcome(reason: str) -> str:
    return {
        "timeout": PollOutcome.TIMEOUT,
        "network_error": PollOutcome.NETWORK_ERROR,
        "http_error": PollOutcome.HTTP_ERROR,
    }.get(reason, PollOutcome.REFUSED)


def _finish_poll(feed: Feed, poll: FeedPoll, *, failed: bool) -> None:
    """Record the poll and the feed's state; a failing feed backs off exponentially."""
    now = timezone.now()
    poll.finished_at = now
    feed.last_polled_at = poll.started_at
    feed.last_outcome = poll.outcome
    feed.last_error = poll.error if failed else ""
    if failed:
        feed.consecutive_failures += 1
        interval = datetime.timedelta(minutes=settings.FEED_POLL_INTERVAL_MINUTES)
        backoff = min(
            interval * 2 ** min(feed.consecutive_failures - 1, 20),
            datetime.timedelta(hours=settings.FEED_MAX_BACKOFF_HOURS),
        )
        feed.retry_after = now + backoff
    else:
        feed.consecutive_failures = 0
        feed.retry_after = None
    with transaction.atomic():
        poll.save()
        feed.save()


# --- Articles ------------------------------------------------------------------------------


def _content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def article_claim(
    entry: FeedEntry, *, feed: Feed | None, publisher: str = ""
) -> tuple[Article, bool]:
    """One article per normalised address, however many feeds or entries list it."""
    values = _claim_values(entry, feed=feed, publisher=publisher)
    return Article.objects.get_or_create(url=normalise_url(entry.url), defaults=values)


def _claim_values(entry: FeedEntry, *, feed: Feed | None, publisher: str) -> dict:
    """A new article's fields from its feed entry; with the full text it is already fetched."""
    values = {
        "feed": feed,
        "guid": entry.guid,
        "title": entry.title[:500] or entry.url[:500],
        "publisher": publisher[:200],
        "published_on": entry.published_on,
        "summary": entry.summary,
    }
    if entry.content:
        values.update(
            text=entry.content,
            content_hash=_content_hash(entry.content),
            raw_payload=entry.content.encode(),
            raw_content_type="text/plain; from=feed",
            status=ArticleStatus.FETCHED,
        )
    return values


def _set_status(article: Article, status: str, **fields) -> None:
    article.status = status
    article.status_changed_at = timezone.now()
    for name, value in fields.items():
        setattr(article, name, value)
    # Only what changed: rewriting the page text and raw payload on every step cost as
    # much as the rest of the step.
    article.save(update_fields=["status", "status_changed_at", "updated_at", *fields])


def article_fail(article: Article, reason: str, detail: str) -> None:
    _set_status(
        article,
        ArticleStatus.FAILED,
        failure_reason=reason if reason in FailureReason.values else FailureReason.NETWORK_ERROR,
        failure_detail=detail[:4000],
    )


def article_fetch(article_id: int, *, final_attempt: bool = True) -> Article | None:
    """Read the article's page. A retryable error is raised again unless this is the last try."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None or article.status != ArticleStatus.NEW:
            return None  # gone, or already fetched by an earlier delivery of the task
        article.fetch_attempts += 1
        article.save(update_fields=["fetch_attempts", "updated_at"])
    try:
        response = fetch(article.url, accept=ARTICLE_TYPES)
        if response.not_modified:  # never asked conditionally, but a server may say so
            raise FetchError("http_error", "Unexpected 304 for an unconditional request.")
        page = article_text(response.text(), response.content_type, article.url)
    except FetchError as error:
        if error.retryable and not final_attempt:
            raise
        article_fail(article, error.reason, error.detail)
        return article
    if len(page.text.strip()) < MIN_ARTICLE_CHARS:
        article_fail(
            article,
            FailureReason.NO_TEXT,
            f"The page has no readable article text ({len(page.text.strip())} characters).",
        )
        return article
    _set_status(
        article,
        ArticleStatus.FETCHED,
        text=page.text,
        content_hash=_content_hash(page.text),
        raw_payload=response.content,
        raw_content_type=response.content_type,
        published_on=article.published_on or page.published_on,
        title=article.title
        if article.title and article.title != article.url
        else page.title or article.title,
    )
    return article


def _fingerprint(finding: extraction.Finding) -> str:
    key = "|".join(
        [
            finding.kind,
            extraction.format_amount(finding.amount) or "",
            finding.currency or "",
            (finding.company or "").lower(),
            "" if finding.amount is not None else finding.sentence,
        ]
    )
    return hashlib.sha256(key.encode()).hexdigest()


def article_extract(article_id: int, *, force: bool = False) -> list[Finding]:
    """Propose findings from the article's text; re-running adds nothing it already proposed.

    With ``force`` (after the extractor improved) pending findings no longer proposed are
    removed; accepted and rejected ones are never touched.
    """
    # Before the row lock (a rebuild must not hold it) and outside the guard below (a
    # database outage is retried, not blamed on the text).
    names = known_names()
    with transaction.atomic():
        # Not the raw payload (up to megabytes): extraction reads the text.
        article = (
            Article.objects.select_for_update().defer("raw_payload").filter(pk=article_id).first()
        )
        if article is None:
            return []
        ready = {ArticleStatus.FETCHED} | (
            {ArticleStatus.EXTRACTED, ArticleStatus.REVIEWED} if force else set()
        )
        if article.status not in ready:
            return list(article.findings.all())
        try:
            result = extraction.extract(
                article.text,
                title=article.title,
                published=article.published_on,
                finder=names.finder,
            )
        except Exception as error:  # a bug on one text must not leave the article stuck
            logger.exception("Extraction failed for article %s", article.pk)
            article_fail(
                article, FailureReason.EXTRACTION_ERROR, f"{type(error).__name__}: {error}"
            )
            return []
        # The article's row lock keeps other extractions of it out: what is not there yet
        # can be inserted without a savepoint per finding.
        existing = {f.fingerprint: f for f in article.findings.all()}
        kept = []
        for proposed in result.findings:
            fingerprint = _fingerprint(proposed)
            finding = existing.get(fingerprint)
            if finding is None:
                finding = Finding.objects.create(
                    article=article, fingerprint=fingerprint, **_finding_values(proposed, names)
                )
                existing[fingerprint] = finding
            kept.append(finding)
        if force:
            article.findings.pending().exclude(pk__in=[f.pk for f in kept]).delete()
        _set_status(
            article, ArticleStatus.EXTRACTED, extractor_version=extraction.EXTRACTOR_VERSION
        )
        _update_review_status(article)
    return kept


def _finding_values(proposed: extraction.Finding, names: KnownNames) -> dict:
    company = names.company(proposed.company or "")
    authority = names.authority(proposed.authority or "")
    law = names.law(proposed.law or "")
    return {
        "kind": proposed.kind,
        "company": company,
        "company_name": (proposed.company or "")[:200],
        "amount": proposed.amount,
        "currency": proposed.currency or "",
        "is_headline": proposed.headline,
        "date": proposed.date,
        "date_precision": proposed.date_precision or "day",
        "date_from_publication": proposed.date_source == "published",
        "authority": authority,
        "authority_name": (proposed.authority or "")[:200],
        "law": law,
        "law_name": (proposed.law or "")[:100],
        "sentence": proposed.sentence,
        "also_stated_as": [
            {"amount": extraction.format_amount(amount), "currency": currency}
            for amount, currency in proposed.converted
        ],
        "confidence": Decimal(str(round(proposed.confidence, 2))),
    }


def _update_review_status(article: Article) -> None:
    """An extracted article whose findings are all decided is reviewed."""
    if (
        article.status == ArticleStatus.EXTRACTED
        and article.findings.exists()
        and not article.findings.pending().exists()
    ):
        _set_status(article, ArticleStatus.REVIEWED)


# --- Review --------------------------------------------------------------------------------

VIOLATION_KINDS = {
    FindingKind.FINE: Violation.Kind.FINE,
    FindingKind.CIVIL_PENALTY: Violation.Kind.CIVIL_PENALTY,
    FindingKind.PENALTY: Violation.Kind.OTHER,
    FindingKind.JUDGMENT: Violation.Kind.OTHER,
}


def finding_accept(
    finding: Finding, *, user=None, lawsuit: Lawsuit | None = None, lawsuit_title: str = ""
):
    """Turn a finding into a record, or link it to the record that already states it.

    Accepting twice returns the same record. The record is published: accepting is the
    editor's statement that the fact is right.
    """
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("article").get(pk=finding.pk)
        if finding.status == FindingStatus.ACCEPTED:
            return finding.record
        if finding.company is None:
            raise ValidationError(
                {"company": "Choose the company (create it first if the article names a new one)."}
            )
        article = finding.article
        source = source_get_or_create(
            url=article.url,
            title=article.title,
            publisher=article.publisher,
            published_on=article.published_on,
        )
        if finding.kind == FindingKind.SETTLEMENT:
            record = _accept_settlement(finding, source, lawsuit, lawsuit_title)
            finding.settlement = record
        elif finding.kind == FindingKind.LAWSUIT:
            record = _accept_lawsuit(finding, source, lawsuit, lawsuit_title)
            finding.lawsuit = record
        else:
            record = _accept_violation(finding, source, lawsuit)
            finding.violation = record
        finding.status = FindingStatus.ACCEPTED
        finding.reviewed_by = user
        finding.reviewed_at = timezone.now()
        validate_and_save(finding)
        _update_review_status(article)
    return record


def finding_reject(finding: Finding, *, user=None, note: str = "") -> Finding:
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("article").get(pk=finding.pk)
        if finding.status == FindingStatus.ACCEPTED:
            raise ValidationError("This finding is already accepted; edit the record instead.")
        finding.status = FindingStatus.REJECTED
        finding.reviewed_by = user
        finding.reviewed_at = timezone.now()
        finding.review_note = note
        validate_and_save(finding)
        _update_review_status(finding.article)
    return finding


def _require_amount(finding: Finding) -> None:
    if finding.amount is None or not finding.currency:
        raise ValidationError({"amount": "This kind of finding needs an amount and a currency."})


def _default_lawsuit_title(finding: Finding) -> str:
    what = {
        FindingKind.SETTLEMENT: "Claims settled by",
        FindingKind.LAWSUIT: "Lawsuit against",
    }.get(finding.kind, "Proceeding against")
    law = f" under {finding.law.short_name}" if finding.law else ""
    year = f" ({finding.date.year})" if finding.date else ""
    return f"{what} {finding.company.name}{law}{year}"


def _lawsuit_kind(finding: Finding) -> str:
    if "class action" in finding.sentence.lower() or "class-action" in finding.sentence.lower():
        return Lawsuit.Kind.CLASS_ACTION
    authority = finding.authority
    if authority is not None and authority.kind != Authority.Kind.COURT:
        return Lawsuit.Kind.REGULATORY
    return (
        Lawsuit.Kind.CLASS_ACTION
        if finding.kind == FindingKind.SETTLEMENT
        else Lawsuit.Kind.INDIVIDUAL
    )


def _lawsuit_for(finding, source, lawsuit, title, status) -> Lawsuit:
    title = title.strip() or _default_lawsuit_title(finding)
    lawsuit = lawsuit or lawsuit_matching(
        company=finding.company, authority=finding.authority, title=title
    )
    if lawsuit is not None:
        record_cite(lawsuit, source)
        return lawsuit
    return lawsuit_create(
        title=title,
        slug=unique_slug(Lawsuit, title),
        kind=_lawsuit_kind(finding),
        status=status,
        authority=finding.authority,
        filed_on=finding.date if finding.kind == FindingKind.LAWSUIT else None,
        filed_on_precision=finding.date_precision,
        defendants=[finding.company],
        laws=[finding.law] if finding.law else [],
        sources=[source],
        is_published=True,
    )


def _accept_settlement(finding, source, lawsuit, lawsuit_title) -> Settlement:
    _require_amount(finding)
    existing = settlement_matching(
        company=finding.company, amount=finding.amount, currency=finding.currency
    )
    if existing is not None and (lawsuit is None or existing.lawsuit_id == lawsuit.pk):
        record_cite(existing, source)
        record_cite(existing.lawsuit, source)
        return existing
    case = _lawsuit_for(finding, source, lawsuit, lawsuit_title, Lawsuit.Status.SETTLED)
    same = Settlement.objects.filter(
        lawsuit=case, amount=finding.amount, currency=finding.currency
    ).first()
    if same is not None:
        record_cite(same, source)
        return same
    return settlement_create(
        lawsuit=case,
        amount=finding.amount,
        currency=finding.currency,
        announced_on=finding.date,
        announced_on_precision=finding.date_precision,
        sources=[source],
        is_published=True,
    )


def _accept_violation(finding, source, lawsuit) -> Violation:
    _require_amount(finding)
    if finding.authority is None:
        raise ValidationError(
            {"authority": "Choose the regulator or court that imposed it (create it if needed)."}
        )
    if finding.date is None:
        raise ValidationError({"date": "Give the date (or year) of the decision."})
    year = finding.date.year if finding.date else None
    existing = violation_matching(
        company=finding.company, amount=finding.amount, currency=finding.currency, year=year
    )
    if existing is not None:
        record_cite(existing, source)
        return existing
    return violation_create(
        company=finding.company,
        authority=finding.authority,
        lawsuit=lawsuit,
        kind=VIOLATION_KINDS[finding.kind],
        amount=finding.amount,
        currency=finding.currency,
        decided_on=finding.date,
        decided_on_precision=finding.date_precision,
        laws=[finding.law] if finding.law else [],
        sources=[source],
        is_published=True,
    )


def _accept_lawsuit(finding, source, lawsuit, lawsuit_title) -> Lawsuit:
    return _lawsuit_for(finding, source, lawsuit, lawsuit_title, Lawsuit.Status.PENDING)


# --- The sweeper ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    to_fetch: list[int] = field(default_factory=list)
    to_extract: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def articles_sweep(now: datetime.datetime | None = None) -> SweepResult:
    """Re-queue articles stuck past the deadline; give up on those fetched too often."""
    from articles.selectors import articles_stuck

    now = now or timezone.now()
    result = SweepResult()
    deadline = datetime.timedelta(minutes=settings.ARTICLES_STUCK_AFTER_MINUTES)
    with transaction.atomic():
        for article in articles_stuck(now, deadline).select_for_update(skip_locked=True)[:500]:
            if article.status == ArticleStatus.NEW:
                if article.fetch_attempts >= settings.ARTICLES_MAX_FETCH_ATTEMPTS:
                    article_fail(
                        article,
                        FailureReason.NETWORK_ERROR,
                        f"Still not fetched after {article.fetch_attempts} attempts.",
                    )
                    result.failed.append(article.pk)
                    continue
                result.to_fetch.append(article.pk)
            else:
                result.to_extract.append(article.pk)
            article.status_changed_at = now  # the next sweep waits a full deadline again
            article.save(update_fields=["status_changed_at", "updated_at"])
    return result


def company_for_finding_create(finding: Finding, **fields) -> Company:
    """Create the company an article names but the database lacks, and attach it."""
    from companies.services import company_create

    with transaction.atomic():
        company = company_create(name=fields.pop("name", finding.company_name), **fields)
        finding.company = company
        validate_and_save(finding)
    return company


def articles_retry_failed(queryset) -> list[int]:
    """Put failed articles back to new so that they are fetched again; returns their ids."""
    ids = []
    with transaction.atomic():
        chosen = list(queryset.values_list("pk", flat=True))
        failed = Article.objects.filter(pk__in=chosen, status=ArticleStatus.FAILED)
        for article in failed.select_for_update():
            _set_status(
                article, ArticleStatus.NEW, failure_reason="", failure_detail="", fetch_attempts=0
            )
            ids.append(article.pk)
    return ids

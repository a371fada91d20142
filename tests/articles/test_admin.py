"""The review queue and feeds in the admin, as an editor uses them (no browser)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article, ArticleStatus, Feed, FeedPoll, Finding
from cases.models import Authority, Settlement, Violation
from tests.articles.test_review import make_article, make_finding
from tests.factories import AuthorityFactory, CompanyFactory

CHANGELIST = reverse("admin:articles_finding_changelist")


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme", slug="acme")


def test_editors_group_has_the_review_permissions(db):
    codenames = set(
        Group.objects.get(name="Editors")
        .permissions.filter(content_type__app_label="articles")
        .values_list("codename", flat=True)
    )
    assert codenames == {
        "add_feed",
        "change_feed",
        "view_feed",
        "view_feedpoll",
        "change_article",
        "view_article",
        "change_finding",
        "view_finding",
    }


def test_queue_lists_pending_findings_with_sentence_article_and_proposed_record(
    editor_client, acme
):
    pending = make_finding(company=acme)
    make_finding(
        article=pending.article, company=acme, status="rejected", fingerprint="r", sentence="Old."
    )
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<q>Acme agreed to pay $12 million to settle the class action.</q>" in page
    assert "Old." not in page  # the queue opens on pending findings only
    assert 'href="https://news.example.org/story"' in page
    assert "New $12,000,000 settlement by Acme" in page


def test_editor_accepts_from_the_queue_and_the_record_is_published(editor_client, acme):
    finding = make_finding(company=acme)
    response = editor_client.post(
        CHANGELIST,
        {"action": "accept_selected", "_selected_action": [finding.pk]},
        follow=True,
    )
    assert response.status_code == 200
    finding.refresh_from_db()
    assert finding.status == "accepted"
    published = Settlement.objects.published().get()
    assert (published.amount, published.lawsuit.defendants.get()) == (Decimal(12000000), acme)
    assert published.sources.get().url == "https://news.example.org/story"
    # Accepting the same finding again from the queue changes nothing.
    editor_client.post(CHANGELIST, {"action": "accept_selected", "_selected_action": [finding.pk]})
    assert Settlement.objects.count() == 1


def test_editor_corrects_a_finding_then_accepts_it(editor_client, acme, db):
    dpc = AuthorityFactory(name="Data Protection Commission", country="IE")
    finding = make_finding(
        kind=Finding.Kind.SETTLEMENT,
        company=None,
        company_name="Acme Ireland",
        amount=Decimal("345000000"),
        currency="USD",
    )
    url = reverse("admin:articles_finding_change", args=[finding.pk])
    assert editor_client.get(url).status_code == 200
    response = editor_client.post(
        url,
        {
            "kind": "fine",
            "company": acme.pk,
            "amount": "345000000",
            "currency": "EUR",
            "date": "2023-09-15",
            "date_precision": "day",
            "authority": dpc.pk,
            "law": "",
            "accept_into_lawsuit": "",
            "new_lawsuit_title": "",
            "reject_note": "",
            "_accept": "Save and accept",
        },
    )
    assert response.status_code == 302
    violation = Violation.objects.published().get()
    assert (violation.kind, violation.amount, violation.currency, violation.company) == (
        "fine",
        Decimal("345000000"),
        "EUR",
        acme,
    )
    assert violation.authority == dpc
    finding.refresh_from_db()
    assert (finding.status, finding.violation) == ("accepted", violation)


def test_accepting_an_incomplete_finding_shows_why_and_keeps_it_pending(editor_client, acme):
    finding = make_finding(company=acme, kind=Finding.Kind.FINE)  # no authority
    response = editor_client.post(
        CHANGELIST, {"action": "accept_selected", "_selected_action": [finding.pk]}, follow=True
    )
    assert "Choose the regulator or court" in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == "pending"
    assert not Violation.objects.exists()


def test_editor_rejects_with_a_note(editor_client, acme):
    finding = make_finding(company=acme)
    url = reverse("admin:articles_finding_change", args=[finding.pk])
    editor_client.post(
        url,
        {
            "kind": "settlement",
            "company": acme.pk,
            "amount": "12000000",
            "currency": "USD",
            "date": "2024-02-29",
            "date_precision": "day",
            "reject_note": "The story is about a different Acme.",
            "_reject": "Reject",
        },
    )
    finding.refresh_from_db()
    assert (finding.status, finding.review_note) == (
        "rejected",
        "The story is about a different Acme.",
    )
    assert not Settlement.objects.exists()


def test_create_named_company_action(editor_client, db):
    finding = make_finding(company=None, company_name="Brightline Data")
    editor_client.post(
        CHANGELIST, {"action": "create_named_companies", "_selected_action": [finding.pk]}
    )
    finding.refresh_from_db()
    assert finding.company.name == "Brightline Data"
    assert not finding.company.is_published


def test_poll_now_and_poll_history(editor_client, server, db):
    from tests.articles.server import rss

    url = server.add(
        "/feed.xml",
        body=rss([{"title": "One", "link": server.url("/missing-article")}]),
        content_type="application/rss+xml",
    )
    feed = Feed.objects.create(url=url, name="Local feed")
    response = editor_client.post(
        reverse("admin:articles_feed_changelist"),
        {"action": "poll_now", "_selected_action": [feed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    poll = FeedPoll.objects.get(feed=feed)
    assert (poll.outcome, poll.entries_seen, poll.articles_created) == ("ok", 1, 1)
    page = editor_client.get(reverse("admin:articles_feed_change", args=[feed.pk])).content
    assert b"poll history" in page.lower()
    assert b"Fetched" in page


def test_editor_can_add_and_edit_feeds(editor_client, db):
    response = editor_client.post(
        reverse("admin:articles_feed_add"),
        {
            "url": "https://www.ftc.gov/feeds/press-release.xml",
            "name": "FTC press releases",
            "publisher": "Federal Trade Commission",
            "is_active": "on",
            "polls-TOTAL_FORMS": "0",
            "polls-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Feed.objects.get().name == "FTC press releases"


def test_script_laden_title_is_never_shown_as_markup(editor_client, acme):
    from articles.parsing import plain_text

    title = plain_text("<script>alert('x')</script>Acme <b>fined</b>")
    assert title == "Acme fined"
    article = make_article(title=title)
    make_finding(article=article, company=acme)
    for url in (
        CHANGELIST,
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[article.pk]),
    ):
        page = editor_client.get(url).content.decode()
        assert "Acme fined" in page
        assert "<script>alert" not in page
        assert "<b>fined</b>" not in page


def test_article_pages_and_retry_action(editor_client, db):
    failed = Article.objects.create(
        url="https://news.example.org/broken",
        title="Broken",
        status=ArticleStatus.FAILED,
        failure_reason="timeout",
        failure_detail="Timed out.",
    )
    page = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Broken" in page
    from unittest import mock

    with mock.patch("articles.tasks.fetch_article.delay_on_commit") as enqueue:
        editor_client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "fetch_again", "_selected_action": [failed.pk]},
        )
    failed.refresh_from_db()
    assert (failed.status, failed.failure_reason) == ("new", "")
    enqueue.assert_called_once_with(failed.pk)


def test_visitor_cannot_see_the_queue(client, visitor):
    client.force_login(visitor)
    assert client.get(CHANGELIST).status_code == 302


def test_accepted_finding_is_read_only(editor_client, acme):
    finding = make_finding(company=acme)
    from articles.services import finding_accept

    finding_accept(finding)
    page = editor_client.get(reverse("admin:articles_finding_change", args=[finding.pk]))
    assert b'name="_accept"' not in page.content
    assert b'name="amount"' not in page.content


def test_date_display_respects_precision(acme):
    finding = make_finding(company=acme, date=datetime.date(2019, 1, 1), date_precision="year")
    assert finding.date_display == "2019"
    assert Authority.objects.count() == 0


def test_poll_history_shows_only_this_feeds_latest_polls(editor_client, db):
    import datetime as dt

    from django.utils import timezone

    from articles.admin import RECENT_POLLS_SHOWN

    feed = Feed.objects.create(url="https://a.example.org/feed", name="A")
    other = Feed.objects.create(url="https://b.example.org/feed", name="B")
    start = timezone.now() - dt.timedelta(days=30)
    for n in range(RECENT_POLLS_SHOWN + 5):
        FeedPoll.objects.create(
            feed=feed, started_at=start + dt.timedelta(hours=n), outcome="ok", entries_seen=n
        )
    FeedPoll.objects.create(feed=other, started_at=timezone.now(), outcome="timeout")
    response = editor_client.get(reverse("admin:articles_feed_change", args=[feed.pk]))
    shown = response.context["inline_admin_formsets"][0].formset.queryset
    assert shown.count() == RECENT_POLLS_SHOWN
    assert {poll.feed_id for poll in shown} == {feed.pk}
    assert min(poll.entries_seen for poll in shown) == 5  # the five oldest are left out


def test_accepted_finding_appears_on_the_public_settlement_page(client, editor_client, acme):
    finding = make_finding(company=acme)
    editor_client.post(CHANGELIST, {"action": "accept_selected", "_selected_action": [finding.pk]})
    finding.refresh_from_db()
    page = client.get(reverse("cases:settlement-detail", args=[finding.settlement_id]))
    assert page.status_code == 200
    assert "$12,000,000" in page.content.decode()
    assert "https://news.example.org/story" in page.content.decode()


def test_a_finding_is_public_only_once_accepted(client, acme):
    from articles.services import finding_accept

    finding = make_finding(company=acme)
    assert "$12,000,000" not in client.get(reverse("cases:settlements")).content.decode()
    finding_accept(finding)
    assert "$12,000,000" in client.get(reverse("cases:settlements")).content.decode()

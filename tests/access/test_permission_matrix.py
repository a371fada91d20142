"""Who may reach which admin page and write what: the whole matrix, role by role.

The expected rights are written out here as the policy (not read back from the admin), so a
permission that drifts in a migration or a ModelAdmin override fails this test.
"""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse
from django.utils import timezone

from articles.models import Feed, FeedPoll, Finding
from cases.models import Settlement
from companies.models import Company
from tests.articles.test_review import make_finding

pytestmark = pytest.mark.django_db

VIEWS = ("changelist", "add", "change", "delete", "history")
ALL = frozenset(VIEWS)
NO_DELETE = ALL - {"delete"}
READ_ONLY = frozenset({"changelist", "change", "history"})
NOTHING = frozenset()

# Pages each role reaches (HTTP 200); every other admin page answers 403 for staff.
EDITOR_PAGES = {
    "companies.Company": NO_DELETE,
    "companies.CompanyAlias": ALL,
    "cases.Authority": NO_DELETE,
    "cases.Law": NO_DELETE,
    "cases.Source": NO_DELETE,
    "cases.Lawsuit": NO_DELETE,
    "cases.Settlement": NO_DELETE,
    "cases.Violation": NO_DELETE,
    "cases.ExchangeRate": NO_DELETE,
    "articles.Feed": NO_DELETE,
    "articles.FeedPoll": READ_ONLY,
    "articles.Article": READ_ONLY,
    "articles.Finding": READ_ONLY,
    "auth.User": NOTHING,
    "auth.Group": NOTHING,
    "axes.AccessAttempt": NOTHING,
    "axes.AccessLog": NOTHING,
    "axes.AccessFailureLog": NOTHING,
}
# Articles, polls and findings are written only by the pipeline, never added by hand.
SUPERUSER_PAGES = {label: ALL for label in EDITOR_PAGES} | {
    "articles.FeedPoll": READ_ONLY | {"delete"},
    "articles.Article": READ_ONLY | {"delete"},
    "articles.Finding": READ_ONLY | {"delete"},
    # Login records are written by django-axes only; an administrator deletes one to unlock.
    "axes.AccessAttempt": READ_ONLY | {"delete"},
    "axes.AccessLog": READ_ONLY | {"delete"},
    "axes.AccessFailureLog": READ_ONLY | {"delete"},
}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_each(seed):
    """At least one row of every registered model, so that change/delete/history exist."""
    finding = make_finding(company=Company.objects.get(slug="tiktok"))
    feed = Feed.objects.create(url="https://news.example.org/feed.xml", name="Example news")
    finding.article.feed = feed
    finding.article.save()
    FeedPoll.objects.create(feed=feed, started_at=timezone.now(), outcome="ok")
    Group.objects.get_or_create(name="Readers")
    User.objects.create_user("someone-else", password="x-password-1")
    who = {"username": "x", "ip_address": "203.0.113.1", "user_agent": "t", "path_info": "/"}
    AccessAttempt.objects.create(**who, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**who)
    AccessFailureLog.objects.create(**who, locked_out=False)
    return finding


@pytest.fixture
def staff_without_group(db):
    return User.objects.create_user("staffer", password="staffer-password-1", is_staff=True)


def every_admin_page():
    for model in admin.site._registry:
        instance = model._default_manager.order_by("pk").first()
        assert instance is not None, f"no {model._meta.label} to test against"
        for view in VIEWS:
            args = () if view in ("changelist", "add") else (instance.pk,)
            yield model._meta.label, view, admin_url(model, view, *args)


def test_the_policy_names_every_registered_model():
    assert {model._meta.label for model in admin.site._registry} == set(EDITOR_PAGES)


def test_anonymous_and_non_staff_reach_no_admin_page(client, visitor, one_of_each):
    pages = [
        ("index", reverse("admin:index")),
        *((f"{m} {v}", u) for m, v, u in every_admin_page()),
    ]
    for who in ("anonymous", "visitor"):
        if who == "visitor":
            client.force_login(visitor)
        for name, url in pages:
            response = client.get(url)
            assert response.status_code == 302, (who, name)
            assert response.url.startswith(reverse("admin:login")), (who, name)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("editor", EDITOR_PAGES), ("superuser", SUPERUSER_PAGES), ("staff_without_group", None)],
)
def test_staff_reach_exactly_the_pages_their_role_allows(
    client, request, one_of_each, role, expected
):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("admin:index")).status_code == 200
    for label, view, url in every_admin_page():
        allowed = expected[label] if expected else NOTHING
        status = client.get(url).status_code
        assert status == (200 if view in allowed else 403), (role, label, view, status)


def test_editor_cannot_write_where_they_may_only_read(editor_client, one_of_each):
    settlement = Settlement.objects.first()
    response = editor_client.post(admin_url(Settlement, "delete", settlement.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Settlement.objects.filter(pk=settlement.pk).exists()

    poll = FeedPoll.objects.first()
    response = editor_client.post(admin_url(FeedPoll, "change", poll.pk), {"outcome": "failed"})
    assert response.status_code == 403
    poll.refresh_from_db()
    assert poll.outcome == "ok"

    response = editor_client.post(admin_url(User, "add"), {"username": "intruder"})
    assert response.status_code == 403
    assert not User.objects.filter(username="intruder").exists()


def test_staff_outside_editors_cannot_edit_records_or_decide_findings(
    client, staff_without_group, one_of_each
):
    client.force_login(staff_without_group)
    settlement = Settlement.objects.first()
    old_amount = settlement.amount
    response = client.post(admin_url(Settlement, "change", settlement.pk), {"amount": "1"})
    assert response.status_code == 403
    settlement.refresh_from_db()
    assert settlement.amount == old_amount

    finding = one_of_each
    for data in (
        {"action": "accept_selected", "_selected_action": [finding.pk]},
        {"action": "reject_selected", "_selected_action": [finding.pk]},
    ):
        assert client.post(admin_url(Finding, "changelist"), data).status_code == 403
    assert (
        client.post(admin_url(Finding, "change", finding.pk), {"_accept": "1"}).status_code == 403
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.PENDING


def test_a_reader_with_view_rights_sees_findings_but_cannot_accept_them(client, one_of_each):
    """View permission alone shows the queue; the accept/reject actions need change."""
    reader = User.objects.create_user("reader", password="reader-password-1", is_staff=True)
    reader.user_permissions.add(
        Permission.objects.get(codename="view_finding", content_type__app_label="articles")
    )
    client.force_login(reader)
    finding = one_of_each
    changelist = admin_url(Finding, "changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert "accept_selected" not in response.content.decode()
    client.post(changelist, {"action": "accept_selected", "_selected_action": [finding.pk]})
    client.post(changelist, {"action": "reject_selected", "_selected_action": [finding.pk]})
    response = client.post(admin_url(Finding, "change", finding.pk), {"_accept": "1"})
    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.status == Finding.Status.PENDING


def test_editor_accepts_and_rejects_findings(editor_client, one_of_each):
    accepted = one_of_each
    rejected = make_finding(article=accepted.article, company=accepted.company, fingerprint="two")
    changelist = admin_url(Finding, "changelist")
    editor_client.post(changelist, {"action": "accept_selected", "_selected_action": [accepted.pk]})
    editor_client.post(changelist, {"action": "reject_selected", "_selected_action": [rejected.pk]})
    accepted.refresh_from_db()
    rejected.refresh_from_db()
    assert (accepted.status, rejected.status) == (Finding.Status.ACCEPTED, Finding.Status.REJECTED)


def test_public_site_has_no_write_urls(client, seed):
    """Every public page refuses POST: the admin (and the API's own rules) are the only writers."""
    company = Company.objects.get(slug="tiktok")
    settlement = Settlement.objects.first()
    for url in (
        reverse("cases:home"),
        reverse("cases:settlements"),
        reverse("cases:settlement-detail", args=[settlement.pk]),
        reverse("cases:violations"),
        reverse("cases:lawsuits"),
        reverse("cases:stats"),
        reverse("cases:search"),
        reverse("companies:list"),
        reverse("companies:detail", args=[company.slug]),
        reverse("companies:feed", args=[company.slug]),
        reverse("cases:feed-latest"),
    ):
        response = client.post(url, {"anything": "1"})
        assert response.status_code == 405, url


def import_urls():
    from cases.admin_import import ImportRecordsMixin

    urls = [
        admin_url(model, "import")
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ImportRecordsMixin)
    ]
    assert urls, "no admin list offers the CSV import"
    return urls


def test_only_editors_and_superusers_reach_the_record_import(
    client, visitor, editor, superuser, staff_without_group, one_of_each
):
    for url in import_urls():
        client.logout()
        assert client.get(url).url.startswith(reverse("admin:login")), url
        client.force_login(visitor)
        assert client.get(url).status_code == 302, url
        client.force_login(staff_without_group)
        assert client.get(url).status_code == 403, url
        response = client.post(url, {"token": "00000000-0000-0000-0000-000000000000"})
        assert response.status_code == 403, url
        for allowed in (editor, superuser):
            client.force_login(allowed)
            assert client.get(url).status_code == 200, (url, allowed.username)

"""The records' JSON, written by ``api.representation.FastRepresentation``.

Two independent expectations: whole responses written out here by hand from the fixture,
and DRF's own generic ``Serializer.to_representation`` run on the same requests, which must
give the same bytes for every filter of every list, pages, details and the odd values the
plan hands back to DRF.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.test.utils import override_script_prefix
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from api import representation
from api.serializers import (
    LawsuitSerializer,
    SettlementSerializer,
    SourceSerializer,
    ViolationSerializer,
)
from cases.models import Lawsuit, Settlement, Source, Violation
from companies.models import Company
from tests.api.test_lists import CASES

FAST = (SettlementSerializer, ViolationSerializer, LawsuitSerializer, SourceSerializer)
STAMP = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)
STAMP_TEXT = "2024-05-06T07:08:09.123456Z"


def drf_generic(monkeypatch):
    """Write every record through DRF's own per-field machinery."""
    monkeypatch.setattr(
        representation.FastRepresentation,
        "to_representation",
        serializers.Serializer.to_representation,
    )


def both_ways(client, monkeypatch, url, **extra):
    fast = client.get(url, **extra)
    with monkeypatch.context() as patch:
        drf_generic(patch)
        generic = client.get(url, **extra)
    return fast, generic


def compact(body) -> bytes:
    """JSON as the API writes it (DRF's JSONRenderer: compact, not ASCII-escaped)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def stamp(*records):
    for record in records:
        type(record).objects.filter(pk=record.pk).update(created_at=STAMP, updated_at=STAMP)


def test_settlement_list_in_full(client, records):
    s1 = records["s1"]
    stamp(s1)

    response = client.get("/api/settlements/?year=2021")

    assert response.content == compact(
        {
            "count": 1,
            "next": None,
            "previous": None,
            "results": [
                {
                    "id": s1.pk,
                    "url": f"http://testserver/api/settlements/{s1.pk}/",
                    "page_url": f"http://testserver/settlements/{s1.pk}/",
                    "lawsuit": "in-re-alpha",
                    "lawsuit_url": "http://testserver/api/lawsuits/in-re-alpha/",
                    "lawsuit_title": "In re Alpha Biometrics",
                    "defendants": ["alpha-sub"],
                    "defendant_urls": ["http://testserver/api/companies/alpha-sub/"],
                    "status": "final_approval",
                    "amount": "92000000.00",
                    "currency": "USD",
                    "amount_usd_approx": "92000000.00",
                    "announced_on": "2021-02",
                    "announced_on_precision": "month",
                    "approved_on": "2022-07-28",
                    "approved_on_precision": "day",
                    "claim_deadline": None,
                    "class_description": s1.class_description,
                    "summary": "A fund for the class.",
                    "sources": [],
                    "created_at": STAMP_TEXT,
                    "updated_at": STAMP_TEXT,
                }
            ],
        }
    )


def test_violation_list_in_full(client, records):
    v1 = records["v1"]
    stamp(v1)
    source = v1.sources.get()
    Source.objects.filter(pk=source.pk).update(published_on=datetime.date(2019, 3, 1))

    response = client.get("/api/violations/?law=coppa")

    assert response.content == compact(
        {
            "count": 1,
            "next": None,
            "previous": None,
            "results": [
                {
                    "id": v1.pk,
                    "url": f"http://testserver/api/violations/{v1.pk}/",
                    "page_url": f"http://testserver/violations/{v1.pk}/",
                    "company": "alpha-sub",
                    "company_url": "http://testserver/api/companies/alpha-sub/",
                    "company_name": "Alpha Sub",
                    "parent_company": "alpha",
                    "authority": "trade-agency",
                    "authority_url": "http://testserver/api/authorities/trade-agency/",
                    "authority_name": "Trade Agency",
                    "lawsuit": None,
                    "lawsuit_url": None,
                    "kind": v1.kind,
                    "status": v1.status,
                    "amount": "5000000.00",
                    "currency": "USD",
                    "amount_usd_approx": "5000000.00",
                    "decided_on": "2019-02-27",
                    "decided_on_precision": "day",
                    "laws": ["coppa"],
                    "law_urls": ["http://testserver/api/laws/coppa/"],
                    "description": "Collected data from children without consent.",
                    "sources": [
                        {
                            "url": "https://news.example.org/v1",
                            "title": "V1 story",
                            "publisher": "Example News",
                            "published_on": "2019-03-01",
                        }
                    ],
                    "created_at": STAMP_TEXT,
                    "updated_at": STAMP_TEXT,
                }
            ],
        }
    )


def test_lawsuit_list_in_full(client, records):
    l2, s2 = records["regulator-v-beta"], records["s2"]
    stamp(l2)

    response = client.get("/api/lawsuits/?country=FR")

    assert response.content == compact(
        {
            "count": 1,
            "next": None,
            "previous": None,
            "results": [
                {
                    "slug": "regulator-v-beta",
                    "url": "http://testserver/api/lawsuits/regulator-v-beta/",
                    "page_url": "http://testserver/lawsuits/regulator-v-beta/",
                    "title": "Regulator v. Beta",
                    "kind": "regulatory",
                    "status": l2.status,
                    "defendants": ["beta"],  # the unpublished co-defendant is left out
                    "defendant_urls": ["http://testserver/api/companies/beta/"],
                    "plaintiffs": l2.plaintiffs,
                    "authority": "french-dpa",
                    "authority_url": "http://testserver/api/authorities/french-dpa/",
                    "docket_number": l2.docket_number,
                    "filed_on": "2019-03-04",
                    "filed_on_precision": "day",
                    "laws": ["gdpr"],
                    "law_urls": ["http://testserver/api/laws/gdpr/"],
                    "settlements": [f"http://testserver/api/settlements/{s2.pk}/"],
                    "settled_usd_approx": "3360000.00",  # EUR 3,000,000 at 1.12
                    "summary": l2.summary,
                    "sources": [],
                    "created_at": STAMP_TEXT,
                    "updated_at": STAMP_TEXT,
                }
            ],
        }
    )


RECORD_CASES = [case for case in CASES if case[0] in {"settlements", "violations", "lawsuits"}]


@pytest.mark.parametrize(("endpoint", "query", "expected"), RECORD_CASES)
def test_every_filter_gives_drfs_own_bytes(client, records, monkeypatch, endpoint, query, expected):
    fast, generic = both_ways(client, monkeypatch, f"/api/{endpoint}/?{query}")

    assert fast.status_code == 200
    assert len(fast.json()["results"]) == len(expected)
    assert fast.content == generic.content


@pytest.mark.parametrize(
    "url",
    [
        "/api/settlements/?page_size=1&page=2",
        "/api/violations/?page_size=2",
        "/api/lawsuits/?page_size=1",
        "/api/settlements.json",  # a format suffix: the addresses are DRF's, with .json
        "/api/violations.json?year=2019",
        "/api/lawsuits/in-re-alpha/",
        "/api/lawsuits/in-re-alpha.json",
    ],
)
def test_pages_details_and_format_suffixes_give_drfs_own_bytes(client, records, monkeypatch, url):
    fast, generic = both_ways(client, monkeypatch, url)

    assert fast.status_code == 200
    assert fast.content == generic.content


def test_details_give_drfs_own_bytes(client, records, monkeypatch):
    for kind in ("s1", "s2"):
        fast, generic = both_ways(client, monkeypatch, f"/api/settlements/{records[kind].pk}/")
        assert fast.content == generic.content
    for kind in ("v1", "v2", "v3"):
        fast, generic = both_ways(client, monkeypatch, f"/api/violations/{records[kind].pk}/")
        assert fast.content == generic.content


def test_an_unpublished_parent_is_null_as_drf_writes_it(client, records, monkeypatch):
    Company.objects.filter(slug="alpha").update(is_published=False)

    fast, generic = both_ways(client, monkeypatch, f"/api/violations/{records['v1'].pk}/")

    assert fast.json()["parent_company"] is None
    assert fast.content == generic.content


def test_addresses_under_a_script_prefix_and_another_time_zone(client, records, monkeypatch):
    """The per-request templates and time zone follow the request, as reverse() would."""
    stamp(records["s1"])
    with timezone.override("America/New_York"), override_script_prefix("/sub/"):
        fast, generic = both_ways(client, monkeypatch, "/api/settlements/")

    body = fast.json()["results"]
    s1 = next(row for row in body if row["id"] == records["s1"].pk)
    assert s1["url"] == f"http://testserver/sub/api/settlements/{records['s1'].pk}/"
    assert s1["created_at"] == "2024-05-06T03:08:09.123456-04:00"
    assert fast.content == generic.content


def representations(serializer_class, instance, monkeypatch):
    request = APIRequestFactory().get("/api/")
    context = {"request": request, "format": None}
    fast = serializer_class(instance, context=context).data
    with monkeypatch.context() as patch:
        drf_generic(patch)
        generic = serializer_class(instance, context={"request": request, "format": None}).data
    return fast, generic


def test_values_outside_the_plan_are_written_by_drf(records, monkeypatch):
    """Amounts not at two places, naive times, no prefetched lists: DRF's own answers."""
    settlement = Settlement.objects.get(pk=records["s1"].pk)
    settlement.amount = Decimal("12.5")
    settlement.amount_usd = None
    settlement.created_at = datetime.datetime(2024, 1, 2, 3, 4, 5)  # naive

    fast, generic = representations(SettlementSerializer, settlement, monkeypatch)

    assert (fast["amount"], fast["amount_usd_approx"]) == ("12.50", None)
    assert "defendants" not in fast  # the lawsuit's defendants were not prefetched
    assert fast == generic


def test_a_violation_without_prefetched_laws_is_written_by_drf(records, monkeypatch):
    violation = Violation.objects.get(pk=records["v2"].pk)

    fast, generic = representations(ViolationSerializer, violation, monkeypatch)

    assert fast == generic


def test_a_lawsuit_read_without_its_annotations_is_written_by_drf(records, monkeypatch):
    lawsuit = Lawsuit.objects.get(slug="in-re-alpha")

    fast, generic = representations(LawsuitSerializer, lawsuit, monkeypatch)

    assert "settled_usd_approx" not in fast
    assert fast == generic


@pytest.mark.parametrize("serializer_class", FAST)
def test_every_field_but_methods_is_planned(serializer_class):
    """A field the plan does not know costs DRF's fields per request: say so here."""
    plan = serializer_class._plan()
    fields = serializer_class().fields

    assert [name for name, _, _ in plan] == list(fields)
    assert {name for name, kind, _ in plan if kind != "step"} <= {"page_url"}

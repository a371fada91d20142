"""The records Casetrack started from, loaded idempotently by ``manage.py loadseed``.

Texts are our own summaries of public facts. Running the loader again changes nothing: each
record is matched by its natural key and written only if a value differs.
"""

import datetime
from collections import Counter
from decimal import Decimal

from django.db import transaction

from cases.models import Authority, Law, Lawsuit, Settlement, Violation
from cases.services import (
    exchange_rates_set,
    lawsuit_upsert,
    settlement_upsert,
    source_get_or_create,
    violation_upsert,
)
from companies.services import company_upsert
from core.dates import DatePrecision
from core.services import upsert

# Yearly averages, US dollars per unit (Federal Reserve H.10 / ECB reference rates, rounded).
# The latest years are provisional estimates until the year's data is final.
EXCHANGE_RATES = {
    "EUR": {
        2015: "1.1095", 2016: "1.1069", 2017: "1.1297", 2018: "1.1810", 2019: "1.1195",
        2020: "1.1422", 2021: "1.1827", 2022: "1.0530", 2023: "1.0813", 2024: "1.0824",
        2025: "1.1300", 2026: "1.1600",
    },
    "GBP": {
        2015: "1.5285", 2016: "1.3554", 2017: "1.2886", 2018: "1.3350", 2019: "1.2768",
        2020: "1.2837", 2021: "1.3757", 2022: "1.2369", 2023: "1.2435", 2024: "1.2781",
        2025: "1.3200", 2026: "1.3400",
    },
}  # fmt: skip
PROVISIONAL_FROM = 2025


def load_seed() -> Counter:
    """Create or refresh the seed records; returns how many were created, updated, unchanged."""
    outcomes: Counter = Counter()

    def count(result):
        record, outcome = result
        outcomes[outcome.value] += 1
        return record

    with transaction.atomic():
        rates = [
            {"currency": "USD", "year": year, "usd_per_unit": Decimal(1), "source": "Identity"}
            for year in range(2015, 2027)
        ]
        for currency, years in EXCHANGE_RATES.items():
            for year, rate in years.items():
                note = "Yearly average (Federal Reserve H.10 / ECB), rounded"
                if year >= PROVISIONAL_FROM:
                    note += "; provisional"
                rates.append(
                    {
                        "currency": currency,
                        "year": year,
                        "usd_per_unit": Decimal(rate),
                        "source": note,
                    }
                )
        for result in exchange_rates_set(rates):
            count(result)

        bytedance = count(
            company_upsert(
                slug="bytedance",
                name="ByteDance",
                country="CN",
                website="https://www.bytedance.com/",
                description=(
                    "Beijing-founded technology company; owner of the TikTok video platform "
                    "and of Douyin."
                ),
                is_published=True,
                aliases=("Bytedance", "ByteDance Ltd.", "ByteDance Inc."),
            )
        )
        tiktok = count(
            company_upsert(
                slug="tiktok",
                name="TikTok",
                parent=bytedance,
                country="US",
                website="https://www.tiktok.com/",
                description="Short-form video platform owned by ByteDance.",
                is_published=True,
                aliases=("TikTok Inc.", "TikTok Ltd"),
            )
        )
        musically = count(
            company_upsert(
                slug="musical-ly",
                name="Musical.ly",
                parent=tiktok,
                country="CN",
                description=(
                    "Lip-sync video app acquired by ByteDance in 2017 and merged into TikTok "
                    "in 2018."
                ),
                is_published=True,
                aliases=("Musical.ly Inc.", "musical.ly"),
            )
        )

        ftc = count(
            upsert(
                Authority,
                {"slug": "ftc"},
                {
                    "name": "Federal Trade Commission",
                    "abbreviation": "FTC",
                    "kind": Authority.Kind.REGULATOR,
                    "country": "US",
                    "website": "https://www.ftc.gov/",
                    "description": (
                        "US federal agency that enforces consumer-protection and competition "
                        "law, including the children's privacy rule under COPPA."
                    ),
                    "is_published": True,
                },
            )
        )
        nd_ill = count(
            upsert(
                Authority,
                {"slug": "nd-ill"},
                {
                    "name": "U.S. District Court for the Northern District of Illinois",
                    "abbreviation": "N.D. Ill.",
                    "kind": Authority.Kind.COURT,
                    "country": "US",
                    "region": "Illinois",
                    "website": "https://www.ilnd.uscourts.gov/",
                    "description": "Federal trial court sitting in Chicago.",
                    "is_published": True,
                },
            )
        )

        laws = {}
        for slug, short, full, jurisdiction, citation, description in [
            (
                "bipa",
                "BIPA",
                "Biometric Information Privacy Act",
                "US-IL",
                "740 ILCS 14",
                "Illinois law requiring notice and written consent before biometric "
                "identifiers such as face geometry are collected, with a private right of action.",
            ),
            (
                "coppa",
                "COPPA",
                "Children's Online Privacy Protection Act",
                "US",
                "15 U.S.C. §§ 6501–6506",
                "US federal law requiring verifiable parental consent before online services "
                "collect personal information from children under 13.",
            ),
            (
                "vppa",
                "VPPA",
                "Video Privacy Protection Act",
                "US",
                "18 U.S.C. § 2710",
                "US federal law restricting disclosure of people's video viewing records.",
            ),
        ]:
            laws[short] = count(
                upsert(
                    Law,
                    {"slug": slug},
                    {
                        "short_name": short,
                        "full_name": full,
                        "jurisdiction": jurisdiction,
                        "citation": citation,
                        "description": description,
                        "is_published": True,
                    },
                )
            )

        article = source_get_or_create(
            title="Privacy: $92 million fine for TikTok",
            publisher="Simon Lüthje (technology blog)",
            published_on=None,
        )
        settlement_site = source_get_or_create(
            url="https://www.tiktokdataprivacysettlement.com/",
            title="TikTok Data Privacy Settlement — official settlement website",
            publisher="Settlement administrator",
        )
        ftc_release = source_get_or_create(
            url=(
                "https://www.ftc.gov/news-events/news/press-releases/2019/02/"
                "video-social-networking-app-musically-agrees-settle-ftc-allegations-"
                "it-violated-childrens-privacy-law"
            ),
            title=(
                "Video Social Networking App Musical.ly Agrees to Settle FTC Allegations That "
                "it Violated Children's Privacy Law"
            ),
            publisher="Federal Trade Commission",
            published_on=datetime.date(2019, 2, 27),
        )

        lawsuit = count(
            lawsuit_upsert(
                slug="in-re-tiktok-consumer-privacy-litigation",
                title="In re TikTok, Inc., Consumer Privacy Litigation",
                kind=Lawsuit.Kind.CLASS_ACTION,
                status=Lawsuit.Status.SETTLED,
                plaintiffs="A nationwide class of US TikTok and Musical.ly users",
                authority=nd_ill,
                docket_number="MDL No. 2948",
                filed_on=datetime.date(2020, 1, 1),
                filed_on_precision=DatePrecision.YEAR,
                summary=(
                    "Consolidated class actions alleging that TikTok and ByteDance collected "
                    "users' biometric data through facial-recognition analysis of videos, and "
                    "other personal data, without the notice and consent that Illinois' BIPA "
                    "and the federal VPPA require. The companies denied wrongdoing and settled."
                ),
                is_published=True,
                defendants=(tiktok, bytedance),
                laws=(laws["BIPA"], laws["VPPA"]),
                sources=(article, settlement_site),
            )
        )
        count(
            settlement_upsert(
                lawsuit=lawsuit,
                amount=Decimal("92000000.00"),
                currency="USD",
                status=Settlement.Status.FINAL_APPROVAL,
                announced_on=datetime.date(2021, 2, 1),
                announced_on_precision=DatePrecision.MONTH,
                approved_on=datetime.date(2022, 1, 1),
                approved_on_precision=DatePrecision.YEAR,
                class_description=(
                    "People in the United States who used TikTok or Musical.ly before the "
                    "settlement, with a subclass of Illinois residents."
                ),
                summary=(
                    "A $92 million fund for the class, plus commitments to stop collecting "
                    "biometric data without disclosure."
                ),
                is_published=True,
                sources=(article, settlement_site),
            )
        )
        count(
            violation_upsert(
                company=musically,
                authority=ftc,
                decided_on=datetime.date(2019, 2, 1),
                decided_on_precision=DatePrecision.MONTH,
                amount=Decimal("5700000.00"),
                currency="USD",
                kind=Violation.Kind.CIVIL_PENALTY,
                status=Violation.Status.FINAL,
                description=(
                    "Civil penalty paid by Musical.ly (now TikTok) to settle the FTC's complaint "
                    "that the app collected personal information from children under 13 "
                    "without parental consent, in breach of COPPA."
                ),
                is_published=True,
                laws=(laws["COPPA"],),
                sources=(ftc_release, article),
            )
        )
    return outcomes

"""The extractor over sentences the press writes, the seed article and the demo corpus."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from articles import extraction
from articles.demo import ARTICLES_DIR, expectations
from articles.extraction import Gazetteer, extract, find_dates, find_money, split_sentences

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed"


def money(text: str) -> list[tuple[Decimal, str]]:
    sentence = extraction.Sentence(text, 1, 1)
    return [(m.amount, m.currency) for m in find_money(sentence)]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("agreed to a $92 million settlement", "92000000", "USD"),
        ("will pay 92 million US dollars", "92000000", "USD"),
        ("a penalty of US$148 million", "148000000", "USD"),
        ("fined €1.2bn on Monday", "1200000000", "EUR"),
        ("a fine of EUR 746 million", "746000000", "EUR"),
        ("was fined £20m by the ICO", "20000000", "GBP"),
        ("a $5B settlement", "5000000000", "USD"),
        ("5.7 million dollars were due", "5700000", "USD"),
        ("a fine of 40 million euros", "40000000", "EUR"),
        ("65 million Norwegian kroner", "65000000", "NOK"),
        ("SEK 58 million", "58000000", "SEK"),
        ("a fine of €35,258,707.95", "35258707.95", "EUR"),
        ("a $1.375 billion deal", "1375000000", "USD"),
        ("a $92-million settlement", "92000000", "USD"),
        ("paid CHF 3.5 million", "3500000", "CHF"),
        ("C$12 million in damages", "12000000", "CAD"),
        ("a 1,2 Mio. fine", None, None),
    ],
)
def test_money_in_the_ways_the_press_writes_it(text, amount, currency):
    found = money(text)
    if amount is None:
        assert found == []
    else:
        assert found == [(Decimal(amount), currency)]


def test_amount_and_its_conversion_are_both_read():
    assert money("a €345 million ($368 million) fine") == [
        (Decimal(345000000), "EUR"),
        (Decimal(368000000), "USD"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The app has 150 million users in 2021.",
        "Regulators can fine up to 4% of global turnover.",
        "The case is No. 1:20-cv-04699 in MDL 2948.",
        "About 1.6 million Illinois residents submitted claims on February 25, 2021.",
        "Section 230 and Article 83 of the law were cited 45,600 times.",
        "The plant was fined after it recalled 2 million pounds of beef.",
    ],
)
def test_numbers_that_are_not_money_are_ignored(text):
    assert money(text) == []
    assert extract(f"Headline\n\n{text}").findings == []


def test_sentences_split_without_breaking_abbreviations_or_decimals():
    text = (
        "TikTok Inc. agreed to pay $5.7 million in the U.S. District Court in Chicago. "
        "The N.D. Ill. court approved it. Next came Europe."
    )
    assert split_sentences(text) == [
        "TikTok Inc. agreed to pay $5.7 million in the U.S. District Court in Chicago.",
        "The N.D. Ill. court approved it.",
        "Next came Europe.",
    ]


def test_dates_absolute_relative_and_years():
    published = datetime.date(2021, 2, 27)  # a Saturday
    found = find_dates(
        "On Thursday the court approved it; the complaint of February 25, 2021 followed "
        "the 2019 penalty paid in 2019.",
        published,
    )
    values = [(d.value, d.precision, d.event_like) for d in found]
    assert (datetime.date(2021, 2, 25), "day", True) in values  # "On Thursday"
    assert values.count((datetime.date(2021, 2, 25), "day", True)) == 2
    # "the 2019 penalty" describes another event; "in 2019" dates one.
    assert (datetime.date(2019, 1, 1), "year", False) in values
    assert (datetime.date(2019, 1, 1), "year", True) in values


def test_weekday_on_the_day_of_publication_is_that_day():
    found = find_dates("the agency said on Monday", datetime.date(2022, 12, 19))
    assert [d.value for d in found] == [datetime.date(2022, 12, 19)]


def test_docket_numbers_are_not_years():
    assert find_dates("Case No. 2019 and MDL 2948", datetime.date(2021, 1, 1)) == []


def test_seed_article_yields_the_two_facts_and_nothing_else():
    text = (SEED / "tiktok-92m-settlement-article.txt").read_text()
    result = extract(text)
    facts = [(f.kind, f.company, f.amount, f.currency, f.year, f.headline) for f in result.findings]
    assert facts == [
        ("settlement", "TikTok", Decimal(92000000), "USD", None, True),
        ("penalty", "TikTok", Decimal(5700000), "USD", 2019, False),
    ]
    assert result.companies == ["TikTok", "ByteDance"]
    # The article names no specific law, court or regulator: none is invented.
    assert all(f.law is None and f.authority is None for f in result.findings)


def test_seed_article_with_publication_date_dates_the_headline():
    text = (SEED / "tiktok-92m-settlement-article.txt").read_text()
    result = extract(text, published=datetime.date(2021, 2, 26))
    headline = result.headline
    assert (headline.date, headline.date_precision, headline.date_source) == (
        datetime.date(2021, 2, 26),
        "day",
        "published",
    )
    as_dict = headline.as_dict()
    assert as_dict["amount"] == "92000000"
    assert as_dict["year"] == 2021
    # The 2019 penalty keeps its year precision instead of an invented day.
    assert result.findings[1].as_dict()["date"] == "2019"


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("Under the GDPR, companies can be fined up to €20 million.", extraction.CAP),
        ("The plaintiffs are seeking $500 million in damages.", extraction.CLAIM),
        ("Lawyers were awarded $97.5 million in attorneys' fees.", extraction.FEE),
        ("Each class member will receive $345 per claim.", extraction.PER_UNIT),
        ("It allows damages of $5,000 for each violation.", extraction.PER_UNIT),
        ("Meta reported revenue of $116.6 billion last year.", extraction.FINANCIAL),
        ("The regulator had proposed a fine of between €30 million and €50 million.", "range"),
        ("It was fined a combined €210 million.", extraction.TOTAL),
    ],
)
def test_roles_of_amounts_that_are_not_the_fact(sentence, role):
    result = extract(f"Acme Corp news\n\n{sentence}")
    assert result.findings == []
    assert {note.role for note in result.amounts} == {role}


def test_converted_figure_joins_its_original_instead_of_becoming_a_fact():
    result = extract(
        "TikTok fined €345 million\n\n"
        "TikTok has been fined €345 million ($368 million) by Ireland's Data Protection "
        "Commission for breaching the GDPR."
    )
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert (finding.amount, finding.currency, finding.kind) == (Decimal(345000000), "EUR", "fine")
    assert finding.converted == [(Decimal(368000000), "USD")]
    assert finding.authority == "Data Protection Commission (Ireland)"
    assert finding.law == "GDPR"


def test_us_outlet_dollar_first_still_records_the_euro_fine():
    result = extract(
        "Irish regulator fines TikTok\n\n"
        "The Irish Data Protection Commission fined TikTok $368 million (€345 million) under "
        "the GDPR."
    )
    assert [(f.amount, f.currency) for f in result.findings] == [(Decimal(345000000), "EUR")]


def test_rounded_headline_and_exact_body_amount_are_one_fact():
    result = extract(
        "H&M fined €35.3 million\n\nThe regulator imposed a fine of €35,258,707.95 on H&M."
    )
    assert [(f.amount, f.currency) for f in result.findings] == [(Decimal("35258707.95"), "EUR")]


def test_headline_amount_versus_earlier_amounts():
    result = extract(
        "Acme Corp settles privacy suit for $50 million\n\n"
        "Acme Corp has agreed to pay $50 million to settle a class action. The company "
        "previously paid a $2 million civil penalty to the FTC in 2018.",
        published=datetime.date(2023, 5, 2),
    )
    headline, earlier = result.findings
    assert (headline.amount, headline.kind, headline.headline) == (
        Decimal(50000000),
        "settlement",
        True,
    )
    assert (earlier.amount, earlier.kind, earlier.headline, earlier.year) == (
        Decimal(2000000),
        "civil_penalty",
        False,
        2018,
    )
    assert earlier.authority == "Federal Trade Commission"


def test_each_amount_goes_to_its_own_company():
    result = extract(
        "France fines Google and Facebook\n\n"
        "The CNIL fined Google €150 million and Facebook €60 million over cookies."
    )
    assert {(f.company, f.amount) for f in result.findings} == {
        ("Google", Decimal(150000000)),
        ("Facebook", Decimal(60000000)),
    }


def test_companies_by_alias_from_the_database_and_unknown_names():
    gazetteer = Gazetteer(companies={"Northwind Traders": ("Northwind", "NWT Holdings")})
    result = extract(
        "NWT Holdings settles\n\n"
        "NWT Holdings agreed to pay $3 million to settle claims. Separately, Brightline Data "
        "LLC was fined $1.5 million by the FTC.",
        gazetteer=gazetteer,
    )
    assert [(f.company, f.amount) for f in result.findings] == [
        ("Northwind Traders", Decimal(3000000)),
        ("Brightline Data", Decimal(1500000)),
    ]


@pytest.mark.parametrize(
    ("text", "authority"),
    [
        ("An Illinois federal judge approved the deal.", "U.S. federal court in Illinois"),
        (
            "A federal judge in San Francisco approved the deal.",
            "U.S. District Court for the Northern District of California",
        ),
        ("The Texas Attorney General announced it.", "Texas Attorney General"),
        (
            "A coalition of 40 attorneys general announced it.",
            "State attorneys general (multistate)",
        ),
        ("France's CNIL announced it.", "CNIL"),
        ("The Irish DPC announced it.", "Data Protection Commission (Ireland)"),
        ("The FTC announced it.", "Federal Trade Commission"),
    ],
)
def test_authorities_and_courts(text, authority):
    assert [m.name for m in extraction.NameFinder().authorities(text)] == [authority]


@pytest.mark.parametrize(
    ("text", "law"),
    [
        ("It broke COPPA.", "COPPA"),
        ("under the Biometric Information Privacy Act", "BIPA"),
        ("the General Data Protection Regulation", "GDPR"),
        ("the California Consumer Privacy Act", "CCPA"),
        ("the Video Privacy Protection Act", "VPPA"),
    ],
)
def test_laws(text, law):
    assert [m.name for m in extraction.NameFinder().laws(text)] == [law]


def test_a_new_lawsuit_without_an_amount_is_proposed_as_a_lawsuit():
    result = extract(
        "Parents sue Acme\n\nA group of parents filed a class action lawsuit against Acme "
        "Games Inc. on March 3, 2024, under COPPA."
    )
    (finding,) = result.findings
    assert (finding.kind, finding.company, finding.amount, finding.law) == (
        "lawsuit",
        "Acme Games",
        None,
        "COPPA",
    )


def test_markup_or_noise_never_becomes_a_fact():
    assert extract("").findings == []
    assert extract("Related Articles\n\nLeave a Reply\n\nBack to top").findings == []


# --- The demo corpus -------------------------------------------------------------------------

CORPUS = expectations()


def corpus_result(article):
    text = (ARTICLES_DIR / f"{article['slug']}.txt").read_text(encoding="utf-8")
    return extract(text, published=datetime.date.fromisoformat(article["published"]))


@pytest.mark.parametrize("article", CORPUS, ids=[a["slug"] for a in CORPUS])
def test_corpus_headline_amount_currency_company_and_kind(article):
    headline = corpus_result(article).headline
    expected = article["headline"]
    if expected is None:
        assert headline is None
        return
    amount = Decimal(expected["amount"]) if expected["amount"] is not None else None
    assert (headline.amount, headline.currency, headline.kind) == (
        amount,
        expected["currency"],
        expected["kind"],
    )
    assert headline.company in expected.get("company_any", [expected["company"]])


@pytest.mark.parametrize("article", CORPUS, ids=[a["slug"] for a in CORPUS])
def test_corpus_findings_are_exactly_the_expected_money_facts(article):
    found = sorted((f.amount, f.currency) for f in corpus_result(article).findings if f.amount)
    expected = sorted((Decimal(amount), currency) for amount, currency in article["facts"])
    assert found == expected


def test_corpus_is_large_and_varied_enough():
    assert len(CORPUS) >= 30
    kinds = {a["headline"]["kind"] for a in CORPUS if a["headline"]}
    assert {"settlement", "fine", "civil_penalty", "judgment", "lawsuit"} <= kinds
    assert any(a["headline"] is None for a in CORPUS)
    assert any(len(a["facts"]) > 1 for a in CORPUS)
    assert {"USD", "EUR", "GBP"} <= {a["headline"]["currency"] for a in CORPUS if a["headline"]}


# --- Wire-style snippets: datelines, tickers, bylines, conversions ---------------------------


def test_restated_conversion_in_the_headline_joins_the_original_amount():
    result = extract(
        "China fines Alibaba record $2.8 billion in antitrust probe\n\n"
        "BEIJING, April 10 (Reuters) - China's market regulator fined Alibaba Group Holding Ltd "
        "a record 18.228 billion yuan ($2.78 billion) on Saturday.\n\n"
        "The fine is equal to 4% of the company's 2019 domestic revenue of 455.712 billion yuan.",
        published=datetime.date(2021, 4, 10),
    )
    (finding,) = result.findings
    assert (finding.amount, finding.currency, finding.company, finding.kind) == (
        Decimal("18228000000"),
        "CNY",
        "Alibaba",
        "fine",
    )
    assert finding.date == datetime.date(2021, 4, 10)
    assert finding.authority == "State Administration for Market Regulation"


def test_each_date_goes_to_the_amount_it_qualifies():
    result = extract(
        "Acme Bank's record\n\nAcme Bank paid a $5 million fine in 2019 and a $10 million "
        "fine in 2021 to the Consumer Financial Protection Bureau."
    )
    assert {(f.amount, f.year) for f in result.findings} == {
        (Decimal(5000000), 2019),
        (Decimal(10000000), 2021),
    }


def test_amount_followed_by_its_payer():
    result = extract(
        "Meta fined €390m\n\nMeta has been fined €390 million (£343m) by the Irish Data "
        "Protection Commission. The fines comprise €210m for breaches relating to Facebook "
        "and €180m for breaches relating to Instagram."
    )
    assert [(f.amount, f.company, f.headline) for f in result.findings] == [
        (Decimal(390000000), "Meta", True),
        (Decimal(210000000), "Facebook", False),
        (Decimal(180000000), "Instagram", False),
    ]
    assert result.findings[0].converted == [(Decimal(343000000), "GBP")]


def test_ticker_byline_and_share_price_are_not_facts():
    result = extract(
        "Google to pay $700 million to settle Play Store case\n\n"
        "Dec 18 (Reuters) - Alphabet's (GOOGL.O) Google agreed to pay $700 million to resolve "
        "allegations by U.S. states, according to a settlement disclosed on Monday. Shares "
        "rose 1% to $140.50.\n\n"
        "The settlement needs approval from U.S. District Judge James Donato in San Francisco.\n\n"
        "Reporting by Jane Doe in New York; Editing by John Roe",
        published=datetime.date(2023, 12, 18),
    )
    (finding,) = result.findings
    assert (finding.amount, finding.company, finding.kind, finding.date) == (
        Decimal(700000000),
        "Google",
        "settlement",
        datetime.date(2023, 12, 18),
    )
    assert finding.authority == "U.S. District Court for the Northern District of California"


def test_periodic_penalty_cap_is_not_a_fact():
    result = extract(
        "Clearview AI fined\n\nThe Dutch data protection authority has imposed a fine of "
        "EUR 30.5 million on Clearview AI and additional penalties of up to more than "
        "EUR 5 million for non-compliance."
    )
    assert [(f.amount, f.currency) for f in result.findings] == [(Decimal(30500000), "EUR")]


def test_indian_crore_amounts():
    result = extract(
        "CCI penalises Google\n\nThe Competition Commission of India on Thursday imposed a "
        "penalty of Rs 1,337.76 crore on Google for anti-competitive practices.",
        published=datetime.date(2022, 10, 21),
    )
    (finding,) = result.findings
    assert (finding.amount, finding.currency, finding.authority, finding.date) == (
        Decimal("13377600000"),
        "INR",
        "Competition Commission of India",
        datetime.date(2022, 10, 20),
    )


def test_bare_headline_figure_takes_its_kind_from_the_body_and_a_breach_is_no_penalty():
    result = extract(
        "Equifax to pay $425M to consumers harmed by data breach\n\n"
        "The credit bureau will pay up to $425 million to help people affected by the data "
        "breach, as part of a larger settlement of as much as $700 million with federal and "
        "state authorities. People can file a claim for up to $20,000 in losses."
    )
    (finding,) = result.findings
    assert (finding.amount, finding.kind, finding.company) == (
        Decimal(425000000),
        "settlement",
        "Equifax",
    )


def test_money_set_aside_is_not_a_payment():
    result = extract(
        "FTC approves Facebook settlement\n\n"
        "The Federal Trade Commission has approved a roughly $5 billion settlement with "
        "Facebook. Facebook had previously said it expected a fine of between $3 billion and "
        "$5 billion, and set aside $3 billion in its first-quarter earnings."
    )
    assert [(f.amount, f.kind) for f in result.findings] == [(Decimal(5000000000), "settlement")]


def test_legal_action_launched_is_a_lawsuit():
    result = extract(
        "Grindr users sue\n\nHundreds of Grindr users have launched legal action against the "
        "dating app in the High Court in London over the sharing of their HIV status."
    )
    (finding,) = result.findings
    assert (finding.kind, finding.company, finding.authority) == ("lawsuit", "Grindr", "High Court")

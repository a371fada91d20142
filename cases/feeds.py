"""Atom feeds: the latest records, a company's records, and any filtered list."""

import re
from itertools import chain

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from cases.models import Lawsuit, Settlement, Violation
from cases.public_selectors import public_lawsuits, public_settlements, public_violations

FEED_SIZE = 50

# Characters XML 1.0 cannot carry at all, not even escaped.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value):
    """Text with the characters XML forbids left out; anything else is returned as is."""
    return XML_FORBIDDEN.sub("", value) if isinstance(value, str) else value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom that stays well-formed whatever was imported: a control character in a company
    name or a description would otherwise make every feed listing it a server error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(xml_text, args), **{k: xml_text(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(xml_text, args), **{k: xml_text(v) for k, v in kwargs.items()})


def item_text(record) -> str:
    """Plain-text summary of a record, for the feed entry."""
    if isinstance(record, Settlement):
        parts = [
            f"{record.amount_display} settlement ({record.get_status_display().lower()})",
            f"in {record.lawsuit.title}",
        ]
        if record.amount_usd is not None and record.currency != "USD":
            parts.append(f"({record.amount_usd_display}, approximate)")
        if record.announced_on_display:
            parts.append(f"announced {record.announced_on_display}.")
        return " ".join(parts) + (f" {record.summary}" if record.summary else "")
    if isinstance(record, Violation):
        return (
            f"{record.get_kind_display()} of {record.amount_display} imposed on "
            f"{record.company.name} by {record.authority.name} ({record.decided_on_display})."
            + (f" {record.description}" if record.description else "")
        )
    if isinstance(record, Lawsuit):
        return f"{record.get_kind_display()}, {record.get_status_display().lower()}." + (
            f" {record.summary}" if record.summary else ""
        )
    return str(record)


class RecordFeed(Feed):
    """An Atom feed of records; subclasses or callers supply the items."""

    feed_type = XmlSafeAtom1Feed

    def item_title(self, item) -> str:
        return str(item)

    def item_description(self, item) -> str:
        # Atom summaries are HTML: escape our plain text so nothing in it is run as markup.
        return escape(item_text(item))

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at


class LatestRecordsFeed(RecordFeed):
    title = "Casetrack: latest settlements and penalties"
    subtitle = "Settlements and penalties most recently added to Casetrack."

    def link(self):
        return reverse("cases:home")

    def items(self):
        settlements = public_settlements().order_by("-created_at", "-pk")[:FEED_SIZE]
        violations = public_violations().order_by("-created_at", "-pk")[:FEED_SIZE]
        records = chain(settlements, violations)
        return sorted(records, key=lambda record: record.created_at, reverse=True)[:FEED_SIZE]


class CompanyFeed(RecordFeed):
    """A company's settlements, penalties and lawsuits, its subsidiaries' included."""

    def __init__(self, company):
        super().__init__()
        self.company = company

    def title(self):
        return f"Casetrack: {self.company.name} and its subsidiaries"

    def subtitle(self):
        return f"Lawsuits, settlements and penalties of {self.company.name}, newest first."

    def link(self):
        return self.company.get_absolute_url()

    def items(self):
        records = chain(
            public_settlements().for_company(self.company).order_by("-created_at")[:FEED_SIZE],
            public_violations().for_company(self.company).order_by("-created_at")[:FEED_SIZE],
            public_lawsuits().for_company(self.company).order_by("-created_at")[:FEED_SIZE],
        )
        return sorted(records, key=lambda record: record.created_at, reverse=True)[:FEED_SIZE]


class FilteredListFeed(RecordFeed):
    """The first rows of a filtered list, in the list's own order."""

    def __init__(self, *, title: str, link: str, feed_url: str, items):
        super().__init__()
        self._title, self._link, self._feed_url, self._items = title, link, feed_url, items

    def feed_url(self):
        return self._feed_url

    def title(self):
        return self._title

    def link(self):
        return self._link

    def items(self):
        return list(self._items[:FEED_SIZE])

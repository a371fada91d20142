"""The review queue and the feeds, in the admin.

Editors see each pending finding with the sentence that states it, the article it came
from and the record accepting it would create or link; they accept it (as is, or after
correcting it) or reject it. Feeds can be added, edited and polled on demand.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from articles import services, tasks
from articles.models import Article, ArticleStatus, Feed, FeedPoll, Finding, FindingKind
from cases.models import Lawsuit
from cases.services import settlement_matching, violation_matching


def _admin_link(obj, text=None):
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text or str(obj))


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(f"{msg}" for msgs in error.message_dict.values() for msg in msgs)
    return " ".join(error.messages)


def proposed_record(finding: Finding) -> str:
    """What accepting would do, in words, without writing anything."""
    if finding.record is not None:
        return f"Linked to {finding.record}"
    if finding.company is None:
        who = finding.company_name or "an unnamed company"
        return f"Needs a company: “{who}” is not in the database yet"
    amount = finding.amount_display
    if finding.kind == FindingKind.SETTLEMENT and finding.amount is not None:
        existing = settlement_matching(
            company=finding.company, amount=finding.amount, currency=finding.currency
        )
        if existing:
            return f"Link to existing settlement: {existing}"
        return f"New {amount} settlement by {finding.company}"
    if finding.kind == FindingKind.LAWSUIT:
        return f"New or matching lawsuit against {finding.company}"
    if finding.amount is None:
        return "Needs an amount"
    existing = violation_matching(
        company=finding.company,
        amount=finding.amount,
        currency=finding.currency,
        year=finding.date.year if finding.date else None,
    )
    if existing:
        return f"Link to existing violation: {existing}"
    by = finding.authority or (
        finding.authority_name and f"“{finding.authority_name}” (not in database)"
    )
    return f"New {amount} {finding.get_kind_display().lower()} on {finding.company} by {by or '?'}"


class PendingFirstFilter(admin.SimpleListFilter):
    """The queue opens on pending findings; the other states are one click away."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("all", "All"), *Finding.Status.choices]

    def choices(self, changelist):
        value = self.value() or Finding.Status.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or Finding.Status.PENDING
        if value == "all":
            return queryset
        if value in Finding.Status.values:
            return queryset.filter(status=value)
        return queryset.none()


class FindingForm(forms.ModelForm):
    accept_into_lawsuit = forms.ModelChoiceField(
        queryset=Lawsuit.objects.all(),
        required=False,
        help_text="Optional: attach the settlement or penalty to this existing lawsuit.",
    )
    new_lawsuit_title = forms.CharField(
        max_length=300,
        required=False,
        help_text="Optional: title for the lawsuit created on accepting, if none matches.",
    )
    reject_note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Why it is rejected."
    )

    class Meta:
        model = Finding
        fields = [
            "kind",
            "company",
            "amount",
            "currency",
            "date",
            "date_precision",
            "authority",
            "law",
        ]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    form = FindingForm
    change_form_template = "admin/articles/finding/change_form.html"
    list_display = [
        "summary",
        "quoted_sentence",
        "article_link",
        "proposed",
        "confidence",
        "status",
    ]
    list_display_links = ["summary"]
    list_filter = [PendingFirstFilter, "kind", "is_headline", "currency"]
    search_fields = ["sentence", "company_name", "company__name", "article__title", "article__url"]
    list_select_related = ["article", "company", "authority", "law"]
    autocomplete_fields = ["company", "authority", "law"]
    readonly_fields = [
        "article_link",
        "quoted_sentence_full",
        "company_name",
        "authority_name",
        "law_name",
        "is_headline",
        "also_stated_as",
        "date_from_publication",
        "confidence",
        "status",
        "record_link",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]
    fieldsets = [
        ("From the article", {"fields": ["article_link", "quoted_sentence_full"]}),
        (
            "The fact (correct before accepting)",
            {
                "fields": [
                    "kind",
                    ("company", "company_name"),
                    ("amount", "currency", "also_stated_as"),
                    ("date", "date_precision", "date_from_publication"),
                    ("authority", "authority_name"),
                    ("law", "law_name"),
                    ("is_headline", "confidence"),
                ]
            },
        ),
        ("Accepting", {"fields": ["accept_into_lawsuit", "new_lawsuit_title", "reject_note"]}),
        (
            "Review",
            {"fields": ["status", "record_link", "reviewed_by", "reviewed_at", "review_note"]},
        ),
    ]
    actions = ["accept_selected", "reject_selected", "create_named_companies"]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status == Finding.Status.ACCEPTED:
            fields += list(FindingForm.Meta.fields)
        return fields

    @admin.display(description="finding", ordering="amount")
    def summary(self, obj):
        headline = " ★" if obj.is_headline else ""
        return f"{obj}{headline}"

    @admin.display(description="sentence")
    def quoted_sentence(self, obj):
        return format_html("<q>{}</q>", Truncator(obj.sentence).chars(220))

    @admin.display(description="sentence")
    def quoted_sentence_full(self, obj):
        return format_html("<blockquote><q>{}</q></blockquote>", obj.sentence)

    @admin.display(description="article")
    def article_link(self, obj):
        article = obj.article
        return format_html(
            '{}<br><a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>',
            _admin_link(article, Truncator(article.title).chars(90)),
            article.url,
            Truncator(article.url).chars(70),
        )

    @admin.display(description="proposed record")
    def proposed(self, obj):
        return proposed_record(obj)

    @admin.display(description="record")
    def record_link(self, obj):
        return _admin_link(obj.record)

    def _accept(self, request, finding, lawsuit=None, title="") -> bool:
        try:
            record = services.finding_accept(
                finding, user=request.user, lawsuit=lawsuit, lawsuit_title=title
            )
        except ValidationError as error:
            self.message_user(
                request, f"Not accepted — {finding}: {_validation_message(error)}", messages.ERROR
            )
            return False
        self.message_user(
            request,
            format_html("Accepted — {} is now {}.", str(finding), _admin_link(record)),
            messages.SUCCESS,
        )
        return True

    @admin.action(description="Accept selected findings", permissions=["change"])
    def accept_selected(self, request, queryset):
        for finding in queryset.select_related("article", "company"):
            self._accept(request, finding)

    @admin.action(description="Reject selected findings", permissions=["change"])
    def reject_selected(self, request, queryset):
        rejected = 0
        for finding in queryset:
            try:
                services.finding_reject(finding, user=request.user)
                rejected += 1
            except ValidationError as error:
                self.message_user(request, _validation_message(error), messages.WARNING)
        self.message_user(request, f"Rejected {rejected} finding(s).", messages.SUCCESS)

    @admin.action(
        description="Create the companies these findings name (unpublished)",
        permissions=["change"],
    )
    def create_named_companies(self, request, queryset):
        created = 0
        for finding in queryset.filter(company__isnull=True).exclude(company_name=""):
            try:
                services.company_for_finding_create(finding)
                created += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{finding.company_name}: {_validation_message(error)}", messages.ERROR
                )
        self.message_user(request, f"Created {created} company(ies).", messages.SUCCESS)

    def response_change(self, request, obj):
        if "_accept" in request.POST or "_reject" in request.POST:
            form_data = request.POST
            if "_accept" in form_data:
                lawsuit_id = form_data.get("accept_into_lawsuit") or None
                lawsuit = Lawsuit.objects.filter(pk=lawsuit_id).first() if lawsuit_id else None
                done = self._accept(
                    request, obj, lawsuit=lawsuit, title=form_data.get("new_lawsuit_title", "")
                )
            else:
                try:
                    services.finding_reject(
                        obj, user=request.user, note=form_data.get("reject_note", "")
                    )
                    self.message_user(request, f"Rejected — {obj}.", messages.SUCCESS)
                    done = True
                except ValidationError as error:
                    self.message_user(request, _validation_message(error), messages.ERROR)
                    done = False
            if done:
                return HttpResponseRedirect(reverse("admin:articles_finding_changelist"))
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


POLL_COLUMNS = [
    "started_at",
    "outcome",
    "http_status",
    "entries_seen",
    "articles_created",
    "entries_rejected",
]
RECENT_POLLS_SHOWN = 50


class FeedPollInline(admin.TabularInline):
    model = FeedPoll
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-started_at"]
    fields = [*POLL_COLUMNS, "error"]
    readonly_fields = fields
    verbose_name = "poll"
    verbose_name_plural = f"poll history (latest {RECENT_POLLS_SHOWN})"


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "url",
        "is_active",
        "last_outcome",
        "last_polled_at",
        "consecutive_failures",
        "retry_after",
        "article_count",
    ]
    list_filter = ["is_active", "last_outcome"]
    search_fields = ["name", "url", "publisher"]
    readonly_fields = [
        "etag",
        "last_modified",
        "last_polled_at",
        "last_outcome",
        "last_error",
        "consecutive_failures",
        "retry_after",
    ]
    inlines = [FeedPollInline]
    actions = ["poll_now"]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, FeedPollInline) and obj is not None and obj.pk is not None:
            latest = FeedPoll.objects.filter(feed=obj).order_by("-started_at").values("pk")
            kwargs["queryset"] = kwargs["queryset"].filter(pk__in=latest[:RECENT_POLLS_SHOWN])
        return kwargs

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, obj):
        return obj.article_total

    @admin.action(description="Poll selected feeds now", permissions=["change"])
    def poll_now(self, request, queryset):
        for feed in queryset:
            tasks.fetch_feed.delay(feed.pk)
        self.message_user(
            request,
            f"Queued a poll of {queryset.count()} feed(s); see each feed's poll history.",
            messages.SUCCESS,
        )


@admin.register(FeedPoll)
class FeedPollAdmin(admin.ModelAdmin):
    list_display = ["feed", *POLL_COLUMNS]
    list_filter = ["outcome", "feed"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "company_name", "amount", "currency", "date", "is_headline", "status"]
    readonly_fields = fields


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "publisher",
        "published_on",
        "status",
        "failure_reason",
        "pending_findings",
        "feed",
    ]
    list_filter = ["status", "failure_reason", "feed"]
    search_fields = ["title", "url", "publisher", "text"]
    date_hierarchy = "published_on"
    readonly_fields = [
        "feed",
        "url_link",
        "guid",
        "title",
        "publisher",
        "published_on",
        "status",
        "status_changed_at",
        "failure_reason",
        "failure_detail",
        "fetch_attempts",
        "extractor_version",
        "content_hash",
        "raw_content_type",
        "summary",
        "text",
    ]
    fields = readonly_fields
    inlines = [FindingInline]
    actions = ["extract_again", "fetch_again"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("feed")
            .annotate(pending=Count("findings", filter=Q(findings__status=Finding.Status.PENDING)))
        )

    @admin.display(description="pending findings", ordering="pending")
    def pending_findings(self, obj):
        return obj.pending

    @admin.display(description="address")
    def url_link(self, obj):
        return format_html(
            '<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>',
            obj.url,
            obj.url,
        )

    @admin.action(description="Extract findings again (keeps decided ones)", permissions=["change"])
    def extract_again(self, request, queryset):
        ready = queryset.filter(
            status__in=[ArticleStatus.FETCHED, ArticleStatus.EXTRACTED, ArticleStatus.REVIEWED]
        )
        for article in ready:
            tasks.extract_findings.delay(article.pk, force=True)
        self.message_user(request, f"Queued {ready.count()} article(s).", messages.SUCCESS)

    @admin.action(description="Fetch failed articles again", permissions=["change"])
    def fetch_again(self, request, queryset):
        ids = services.articles_retry_failed(queryset)
        for article_id in ids:
            tasks.fetch_article.delay_on_commit(article_id)
        self.message_user(request, f"Queued {len(ids)} article(s).", messages.SUCCESS)

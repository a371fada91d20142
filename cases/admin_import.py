"""The admin's bulk import: upload a CSV, preview what it would do, then confirm.

The preview is a dry run of the real import, so it shows exactly what confirming will do.
Between the two steps the file waits in the editor's session (stored server-side), checked
by its SHA-256 so that a confirmation always imports the file that was previewed.
"""

import base64
import hashlib
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from cases.importing import (
    LAYOUT_LABELS,
    MAX_UPLOAD_BYTES,
    REVIEW_REASONS,
    SKIP_REASONS,
    ImportRefused,
    import_records,
)

PENDING_KEY = "cases_import_pending"
REPORT_KEY = "cases_import_report"
IMPORT_PERMISSIONS = (
    "cases.add_violation",
    "cases.change_violation",
    "cases.add_settlement",
    "cases.change_settlement",
    "cases.add_lawsuit",
    "cases.change_lawsuit",
    "cases.add_authority",
    "cases.add_law",
    "cases.add_source",
    "companies.add_company",
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "Casetrack's own violations or settlements export, or a GDPR-fines dataset "
            "(id, picture, name, price, authority, date, controller, article_violated, type, "
            f"source, summary). UTF-8, comma-separated, at most {MAX_UPLOAD_BYTES // 2**20} MB."
        ),
    )
    publish = forms.BooleanField(
        required=False,
        help_text="Publish the imported records at once (rows flagged for review never are).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.1f} MB; the limit is "
                f"{MAX_UPLOAD_BYTES // 2**20} MB. Split it, or use the import_records command."
            )
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)


def import_view(request, model_admin):
    if not request.user.has_perms(IMPORT_PERMISSIONS):
        raise PermissionDenied
    if request.GET.get("report") and REPORT_KEY in request.session:
        response = HttpResponse(request.session[REPORT_KEY], content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="import-report.csv"'
        return response
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import records from CSV",
        "skip_reasons": SKIP_REASONS,
        "review_reasons": REVIEW_REASONS,
    }
    form = ImportUploadForm()
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, model_admin, context)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            publish = form.cleaned_data["publish"]
            try:
                report = import_records(data, dry_run=True, publish=publish)
            except ImportRefused as refusal:
                form.add_error("file", f"Not imported, nothing was written: {refusal}")
            else:
                token = str(uuid.uuid4())
                request.session[PENDING_KEY] = {
                    "token": token,
                    "name": form.cleaned_data["file"].name,
                    "data": base64.b64encode(data).decode("ascii"),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "publish": publish,
                }
                context.update(
                    report=report,
                    layout=LAYOUT_LABELS[report.layout],
                    file_name=form.cleaned_data["file"].name,
                    confirm_form=ImportConfirmForm(initial={"token": token}),
                )
                return TemplateResponse(request, "admin/cases/import_preview.html", context)
    context["form"] = form
    return TemplateResponse(request, "admin/cases/import_upload.html", context)


def _confirm(request, model_admin, context):
    form = ImportConfirmForm(request.POST)
    pending = request.session.get(PENDING_KEY)
    if not form.is_valid() or not pending or str(form.cleaned_data["token"]) != pending["token"]:
        messages.error(request, "This preview has expired or was replaced; upload the file again.")
        return redirect(request.path)
    data = base64.b64decode(pending["data"])
    if hashlib.sha256(data).hexdigest() != pending["sha256"]:
        messages.error(request, "The stored file does not match its preview; upload it again.")
        return redirect(request.path)
    try:
        report = import_records(data, publish=pending["publish"])
    except ImportRefused as refusal:
        messages.error(request, f"Not imported, nothing was written: {refusal}")
        return redirect(request.path)
    del request.session[PENDING_KEY]
    request.session[REPORT_KEY] = report.csv_text()
    messages.success(request, report.summary_lines()[0])
    context.update(
        report=report,
        layout=LAYOUT_LABELS[report.layout],
        file_name=pending["name"],
        report_url=f"{request.path}?report=1",
        changelist_url=reverse(
            f"admin:{model_admin.model._meta.app_label}_{model_admin.model._meta.model_name}"
            "_changelist"
        ),
    )
    return TemplateResponse(request, "admin/cases/import_preview.html", context)


class ImportRecordsMixin:
    """Adds the import page (…/import/) and a link to it on the admin list."""

    change_list_template = "admin/cases/change_list_with_import.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(lambda request: import_view(request, self)),
                name=f"{info[0]}_{info[1]}_import",
            ),
            *super().get_urls(),
        ]

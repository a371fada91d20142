"""The admin import: upload, preview (a dry run), confirm, download the report."""

from pathlib import Path

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Violation

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
IMPORT_URL = reverse("admin:cases_violation_import")


def upload(client, name="fines.csv", publish=False):
    data = (FIXTURES / name).read_bytes()
    payload = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if publish:
        payload["publish"] = "on"
    return client.post(IMPORT_URL, payload)


def test_list_links_to_import(editor_client):
    response = editor_client.get(reverse("admin:cases_violation_changelist"))
    assert IMPORT_URL.encode() in response.content
    settlements = editor_client.get(reverse("admin:cases_settlement_changelist"))
    assert reverse("admin:cases_settlement_import").encode() in settlements.content


def test_upload_shows_a_preview_and_writes_nothing(seed, editor_client):
    response = upload(editor_client, "gdpr_dirty.csv")

    assert response.status_code == 200
    assert "Dry run, nothing written. Would have: 10 created" in response.text
    assert "duplicate_row" in response.text
    assert "Confirm and import" in response.text
    assert not Violation.objects.filter(currency="EUR").exists()


def test_confirm_imports_the_previewed_file(seed, editor_client):
    preview = upload(editor_client, "gdpr_dirty.csv", publish=True)
    token = preview.context["confirm_form"].initial["token"]

    response = editor_client.post(IMPORT_URL, {"token": token})

    assert response.status_code == 200
    assert "10 created, 0 updated, 0 unchanged, 9 skipped" in response.text
    assert Violation.objects.filter(currency="EUR").count() == 10
    assert Violation.objects.get(amount=50000).is_published
    report = editor_client.get(IMPORT_URL + "?report=1")
    assert report["Content-Type"] == "text/csv"
    assert report.content.decode().count("\n") == 20


def test_a_token_cannot_be_confirmed_twice(seed, editor_client):
    preview = upload(editor_client, "gdpr_dirty.csv")
    token = preview.context["confirm_form"].initial["token"]
    editor_client.post(IMPORT_URL, {"token": token})

    response = editor_client.post(IMPORT_URL, {"token": token}, follow=True)

    assert "This preview has expired" in response.text
    assert Violation.objects.filter(currency="EUR").count() == 10


def test_a_refused_file_shows_why(seed, editor_client):
    response = upload(editor_client, "latin1.csv")

    assert response.status_code == 200
    assert "Not imported, nothing was written" in response.text
    assert "not UTF-8" in response.text
    assert "Confirm and import" not in response.text


def test_staff_without_record_permissions_cannot_import(db, client):
    staff = User.objects.create_user("staff", password="staff-password-1", is_staff=True)
    client.force_login(staff)

    assert client.get(IMPORT_URL).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

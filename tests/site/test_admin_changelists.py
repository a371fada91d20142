"""The editors' record lists render (the browser scenario lands on them after a save)."""

import pytest


@pytest.mark.usefixtures("seed")
@pytest.mark.parametrize("path", ["/admin/cases/settlement/", "/admin/cases/violation/"])
def test_changelists_show_formatted_amounts(editor_client, path):
    response = editor_client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "$92,000,000" in html or "$5,700,000" in html
    assert "≈ $" in html

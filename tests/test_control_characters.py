"""portal/validation.py: the one control-character check (the signup form's own refusal is in
test_newsletter.py, the API's in test_fuzz.py)."""

import pytest

from portal.validation import has_control_characters


@pytest.mark.parametrize("value", ["\x00", "a\nb", "tab\there", "\r", "del\x7f", "\x1f"])
def test_control_characters_are_found(value):
    assert has_control_characters(value)


@pytest.mark.parametrize("value", ["", "Mali", "café ü 中文", "a b", "\x80 C1 is not C0", None, 3])
def test_other_values_pass(value):
    assert not has_control_characters(value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/search/?q=a%00b", "/api/search/?q=a%0Ab", "/api/v2/pages/?search=%00"]
)
def test_search_and_the_api_refuse_them_with_a_400(client, home, url):
    response = client.get(url)
    assert response.status_code == 400, url
    assert b"control characters" in response.content

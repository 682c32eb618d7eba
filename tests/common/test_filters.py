import pytest

from marketplace.common.filters import filesize


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 字节"),
        (37, "37 字节"),
        (1023, "1023 字节"),
        (1024, "1.0 KB"),
        (3500, "3.4 KB"),
        (2_202_010, "2.1 MB"),
    ],
)
def test_filesize_reads_like_a_person_would_say_it(size, shown):
    assert filesize(size) == shown


def test_a_tiny_contract_attachment_is_not_shown_as_zero_kb(app):
    rendered = app.jinja_env.from_string("{{ 37|filesize }}").render()
    assert rendered == "37 字节"

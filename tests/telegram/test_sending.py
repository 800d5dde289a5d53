"""Splitting long replies: every part under the limit, every part valid HTML."""

from __future__ import annotations

import pytest

from bot.telegram.sending import plain, split
from tests.telegram.fake_api import parse_html


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_short_text_is_one_part() -> None:
    assert split("<b>hi</b>") == ["<b>hi</b>"]
    assert split("   ") == []


def test_paragraphs_split_at_blank_lines() -> None:
    paragraphs = [f"<i>Paragraph {i}</i> " + "word " * 150 for i in range(20)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split(text, limit=4096)
    assert len(parts) > 1
    for part in parts:
        assert utf16(part) <= 4096
        parse_html(part)  # raises on a cut tag or entity
        assert part.startswith("<i>Paragraph")  # cut at a paragraph boundary
    assert "\n\n".join(parts) == text


def test_tags_open_at_a_cut_are_closed_and_reopened() -> None:
    text = "<blockquote>" + "a quoted line &amp; more\n" * 400 + "</blockquote>"
    parts = split(text, limit=1000)
    assert len(parts) > 5
    for part in parts:
        assert utf16(part) <= 1000
        assert part.startswith("<blockquote>") and part.endswith("</blockquote>")
        parse_html(part)
    assert "".join(parse_html(p) for p in parts).count("&") == 400


def test_one_giant_word_is_cut_too() -> None:
    parts = split("x" * 10_000, limit=4096)
    assert all(utf16(p) <= 4096 for p in parts)
    assert "".join(parts) == "x" * 10_000


def test_emoji_count_double() -> None:
    text = "😀 " * 3000  # 3,000 code points of emoji, 6,000 UTF-16 units (plus spaces)
    parts = split(text, limit=4096, markup=False)
    assert len(parts) == 3
    assert all(utf16(p) <= 4096 for p in parts)


@pytest.mark.parametrize("text", ["a < b & c > d", "<b>bold</b> &amp; &lt;tag&gt;"])
def test_plain_text_mode_never_treats_text_as_tags(text: str) -> None:
    assert split(text * 500, limit=600, markup=False)
    assert plain("<b>a &amp; b</b>") == "a & b"

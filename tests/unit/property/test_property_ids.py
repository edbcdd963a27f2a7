"""Salesforce Id forms: the 18-character form adds a case-checksum to the 15-character one, so
two Ids that differ only in case stay distinct when compared case-insensitively."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st
from sfscan.rules._values import id18, id_key

ids15 = st.text(alphabet=string.ascii_letters + string.digits, min_size=15, max_size=15)


@given(ids15)
def test_the_18_character_form_extends_the_15_and_both_share_one_key(value: str) -> None:
    long_form = id18(value)
    assert len(long_form) == 18 and long_form.startswith(value)
    assert id18(long_form) == long_form  # already 18: unchanged
    assert id_key(long_form) == id_key(value) == value


@given(ids15, st.lists(st.booleans(), min_size=15, max_size=15))
def test_flipping_the_case_of_any_letter_changes_the_checksum(
    value: str, flips: list[bool]
) -> None:
    flipped = "".join(
        c.swapcase() if flip and c.isalpha() else c for c, flip in zip(value, flips, strict=True)
    )
    if flipped == value:
        return
    assert id18(flipped).lower() != id18(value).lower()
    assert id_key(flipped) != id_key(value)  # the join key is case-sensitive


@given(st.text(max_size=30))
def test_text_that_is_not_an_id_is_left_as_is(value: str) -> None:
    stripped = value.strip()
    if len(stripped) in (15, 18) and stripped.isascii() and stripped.isalnum():
        return
    assert id18(value) == stripped
    assert id_key(value) == stripped

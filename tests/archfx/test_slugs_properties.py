"""Property tests (hypothesis): parsing never raises anything but ValueError, and every slug
that parses prints a canonical form that parses back to itself."""
from __future__ import annotations

from typing import Any, Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from archfx_cloud.utils import convert
from archfx_cloud.utils.slugs import (
    ArchFxDeviceSlug,
    ArchFxParentSlug,
    ArchFxStreamerSlug,
    ArchFxStreamSlug,
    ArchFxVariableID,
)

PARSERS: dict = {
    "parent": ArchFxParentSlug,
    "device": ArchFxDeviceSlug,
    "variable": ArchFxVariableID,
    "stream": ArchFxStreamSlug,
    "streamer": ArchFxStreamerSlug,
}

# Text that looks like slugs often enough to reach the deep branches, plus anything at all.
_piece = st.sampled_from(["pl", "ps", "pa", "sl", "sd", "ss", "sa", "d", "m", "t", "x", "0x", "0X", "-", "--",
                          "0000", "0001", "ffff", "FFFF", "5051", "a", "g", " ", "_", "+", "\u0661", "1" * 17])
slug_like = st.lists(_piece, max_size=12).map("".join)
_group = st.sampled_from(["0000", "0001", "ffff", "5051", "a", "0xA", "Ab", "12345", "zz", "", " 1"])
_term = st.lists(_group, min_size=1, max_size=5).map("-".join)
_prefix = st.sampled_from(["", "pl", "ps", "pa", "sl", "sd", "ss", "sa", "xx", "d", "m", "t", "g"])
structured = st.tuples(_prefix, st.lists(_term, max_size=5)).map(lambda p: "--".join([p[0], *p[1]]))
_good_term = st.lists(st.sampled_from(["0000", "0001", "ffff", "5051", "a", "0xA", "Ab"]),
                      min_size=1, max_size=3).map("-".join)
_good_prefix = st.sampled_from(["pl", "ps", "pa", "sl", "sd", "ss", "sa", "d", "m", "t"])
mostly_valid = st.one_of(
    _good_term,
    st.tuples(_good_prefix, st.lists(_good_term, min_size=1, max_size=4)).map(lambda p: "--".join([p[0], *p[1]])),
)
any_text = st.one_of(mostly_valid, structured, _term, slug_like, st.text(max_size=80))
any_input = st.one_of(mostly_valid, mostly_valid, any_text, st.binary(max_size=40), st.integers(), st.floats(), st.none(), st.booleans(),
                      st.tuples(st.integers(), st.integers()), st.tuples(any_text, any_text),
                      st.lists(st.integers(), max_size=3))


def _parse_or_value_error(parse: Callable[[Any], Any], value: Any) -> Any:
    try:
        return parse(value)
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(PARSERS)), value=any_input)
def test_parsing_anything_raises_only_value_error_and_round_trips(kind: str, value: Any) -> None:
    parse = PARSERS[kind]
    slug = _parse_or_value_error(parse, value)
    if slug is None:
        return
    text = str(slug)
    again = parse(text)
    assert str(again) == text
    assert again == slug and hash(again) == hash(slug)


@settings(max_examples=300, deadline=None)
@given(value=any_input, terms=st.integers(0, 5))
def test_convert_helpers_raise_only_value_error(value: Any, terms: int) -> None:
    for call in (lambda: convert.gid2int(value), lambda: convert.fix_gid(value, terms),
                 lambda: convert.gid_split(value), lambda: convert.get_device_and_block_by_did(value),
                 lambda: convert.get_vid_from_gvid(value), lambda: convert.formatted_gdid(value)):
        _parse_or_value_error(lambda _: call(), None)


ids16 = st.integers(0, 0xFFFF)
ids32 = st.integers(0, 0xFFFFFFFF)
ids64 = st.integers(0, 2 ** 64 - 1)


@settings(max_examples=300, deadline=None)
@given(ptype=st.sampled_from(["pl", "ps", "pa", None]), parent=ids32, device=ids64, scope=ids16, var=ids16,
       start=st.one_of(st.none(), st.integers(0, 10 ** 16 - 1)), index=ids16)
def test_every_valid_slug_round_trips(ptype: Any, parent: int, device: int, scope: int, var: int, start: Any,
                                      index: int) -> None:
    parent_slug = ArchFxParentSlug(parent, ptype=ptype) if ptype else None
    device_slug = ArchFxDeviceSlug(device)
    variable = ArchFxVariableID((scope, var))
    stream = ArchFxStreamSlug()
    stream.from_parts(parent_slug, device_slug, variable, start)
    streamer = ArchFxStreamerSlug(device_slug, index)
    for slug in (parent_slug, device_slug, variable, stream, streamer):
        if slug is None:
            continue
        again = type(slug)(str(slug))
        assert str(again) == str(slug) and again == slug and hash(again) == hash(slug)
    assert variable.get_id() == (scope << 16) | var
    assert device_slug.get_id() == device
    parts = stream.get_parts()
    assert parts["parent"] == (str(parent_slug) if parent_slug else None)
    rebuilt = ArchFxStreamSlug()
    rebuilt.from_parts(parts["parent"], "-".join([parts["block"], parts["scope"], parts["device"]]),
                       parts["variable"], None if parts["start"] is None else int(parts["start"]))
    assert rebuilt == stream

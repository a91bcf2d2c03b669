"""Slug behaviour beyond the vectors: equality, hashing, round trips, fixed upstream defects."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from archfx_cloud.utils import gid, slugs
from archfx_cloud.utils.slugs import (
    ArchFxCloudSlug,
    ArchFxDeviceSlug,
    ArchFxParentSlug,
    ArchFxStreamerSlug,
    ArchFxStreamSlug,
    ArchFxVariableID,
    slugify,
)


def test_seed_readme_example_through_utils_gid() -> None:
    parent = gid.ArchFxParentSlug(5, ptype="pl")
    assert str(parent) == "pl--0000-0005"
    device = gid.ArchFxDeviceSlug(10)
    assert str(device) == "d--0000-0000-0000-000a"
    stream = gid.ArchFxStreamSlug()
    stream.from_parts(parent=parent, device=device, variable="0000-5501")
    assert str(stream) == "sl--0000-0005--0000-0000-0000-000a--0000-5501"
    parts = stream.get_parts()
    assert parts["parent"] == str(parent)
    assert parts["device"] == "0000-000a"
    assert parts["variable"] == "0000-5501"
    for form in ("000a", "d--000a", 0xA):
        assert str(gid.ArchFxDeviceSlug(form)) == "d--0000-0000-0000-000a"
    assert gid.int64gid(1) == "0000-0000-0000-0001" and gid.gid2int("0001-0000") == 0x10000
    assert gid.ArchFxStreamSlug is slugs.ArchFxStreamSlug


def test_equality_and_hash_are_by_value_between_slugs_only() -> None:
    a, b = ArchFxDeviceSlug(10), ArchFxDeviceSlug("d--000a")
    assert a == b and hash(a) == hash(b) and not (a != b)
    assert a != ArchFxDeviceSlug(11)
    assert a != "d--0000-0000-0000-000a"  # upstream: never equal to plain text
    assert len({a, b, ArchFxDeviceSlug("m--000a"), ArchFxDeviceSlug(11)}) == 2
    assert {ArchFxParentSlug(1): "x"}[ArchFxParentSlug("pl--0001")] == "x"
    assert ArchFxParentSlug(1, ptype="ps") != ArchFxParentSlug(1)
    assert repr(a) == "ArchFxDeviceSlug('d--0000-0000-0000-000a')"
    assert str(ArchFxStreamSlug()) == "" and ArchFxStreamSlug() == ArchFxStreamSlug("")


def test_copies_keep_type() -> None:
    site = ArchFxParentSlug(3, ptype="ps")
    assert str(ArchFxParentSlug(site)) == "ps--0000-0003" and ArchFxParentSlug(site).get_type() == "ps"
    assert ArchFxDeviceSlug(ArchFxDeviceSlug(7)) == ArchFxDeviceSlug(7)
    assert ArchFxVariableID(ArchFxVariableID("5051")) == ArchFxVariableID(0x5051)


def test_variable_parts() -> None:
    var = ArchFxVariableID("0001-5051")
    assert (var.scope, var.var_id, var.scope_hex, var.var_hex) == (1, 0x5051, "0001", "5051")
    assert var.formatted_id() == "0001-5051"
    assert str(ArchFxVariableID(("0001", 0x5051))) == "0001-5051"


@pytest.mark.parametrize("pair, expected", [
    # archfx-cloud 0.17: int halves become 4 hex digits, text halves are glued as written and the
    # result read as one hex id, so short text halves do not pad to their own group.
    (("1", "51"), "0000-0151"),
    ((1, "51"), "0000-0151"),
    (("1", 0x51), "0001-0051"),
    (("0001", "0051"), "0001-0051"),
    ((1, 0x51), "0001-0051"),
    (("", "5051"), "0000-5051"),
    (("10000", "1"), "0010-0001"),
    (("0x1", "51"), "0000-0151"),
])
def test_variable_pairs_use_upstreams_arithmetic(pair: tuple, expected: str) -> None:
    assert str(ArchFxVariableID(pair)) == expected


@pytest.mark.parametrize("pair", [("1", "2", "3"), ("1",), (1.5, 2), (True, 1), ("zz", "1"), ("1--2", "3"),
                                  (0x10000, 1), (1, -1), ("1", "000000000")])
def test_bad_variable_pairs_are_value_errors(pair: tuple) -> None:
    with pytest.raises(ValueError, match="ArchFxVariableID"):
        ArchFxVariableID(pair)


def test_get_parts_on_sd_slugs_round_trips_through_from_parts() -> None:
    built = ArchFxStreamSlug()
    built.from_parts(None, "d--0000-0001-0000-0002", (1, 0x5051), start=1234)
    assert str(built) == "sd--0000-0000--0000-0001-0000-0002--0001-5051--0000000000001234"
    parts = built.get_parts()
    assert parts == {"parent": None, "block": "0000", "scope": "0001", "device": "0000-0002",
                     "variable": "0001-5051", "start": "0000000000001234"}
    again = ArchFxStreamSlug()
    again.from_parts(parts["parent"], "-".join([parts["block"], parts["scope"], parts["device"]]),
                     parts["variable"], int(parts["start"]))
    assert again == built


def _upstream_start(start: datetime) -> str:
    """archfx-cloud 0.17's arithmetic for a datetime start (reference 1.5), written out here."""
    return f"{int(start.timestamp() * 10 ** 6):016}"


@pytest.mark.parametrize("start, expected", [
    (datetime(2021, 1, 20, 0, 0, 0, 100001, tzinfo=timezone(timedelta(hours=1))), "1611097200100001"),
    (datetime(2021, 1, 1, tzinfo=timezone.utc), "1609459200000000"),  # the vector
    # the float product falls just below the exact count, and int() truncates: upstream's slug is 1 us lower
    (datetime(2004, 4, 12, 12, 14, 10, 242812, tzinfo=timezone.utc), "1081772050242811"),
    (datetime(2038, 3, 19, 7, 36, 22, 863166, tzinfo=timezone.utc), "2152596982863165"),
    (datetime(2248, 6, 30, 2, 28, 8, 577676, tzinfo=timezone.utc), "8788444088577677"),  # and 1 us higher
])
def test_from_parts_start_from_datetime_matches_upstream_rounding(start: datetime, expected: str) -> None:
    slug = ArchFxStreamSlug()
    slug.from_parts("pl--0001", 2, "5051", start=start)
    assert slug.get_parts()["start"] == expected == _upstream_start(start)
    assert str(slug) == f"sl--0000-0001--0000-0000-0000-0002--0000-5051--{expected}"


def test_from_parts_start_from_a_naive_datetime_is_local_time_as_upstream() -> None:
    naive = datetime(2022, 6, 1, 12, 30, 15, 123456)
    slug = ArchFxStreamSlug()
    slug.from_parts(None, 2, "5051", start=naive)
    assert slug.get_parts()["start"] == _upstream_start(naive)


def test_from_parts_datetime_starts_agree_with_upstream_arithmetic_everywhere() -> None:
    import random

    rng = random.Random(7)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    zones = [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
    slug = ArchFxStreamSlug()
    for _ in range(2000):
        start = (epoch + timedelta(microseconds=rng.randrange(0, 9_000_000_000_000_000))).astimezone(rng.choice(zones))
        slug.from_parts("pl--0001", 2, "5051", start=start)
        assert slug.get_parts()["start"] == _upstream_start(start)


def test_from_parts_refuses_starts_that_make_no_valid_slug() -> None:
    slug = ArchFxStreamSlug()
    slug.from_parts("pl--0001", 2, "5051", start=1611097200100001)
    with pytest.raises(ValueError, match="before 1970"):
        slug.from_parts("pl--0001", 2, "5051", start=-1)
    with pytest.raises(ValueError, match="before 1970"):
        slug.from_parts("pl--0001", 2, "5051", start=datetime(1969, 12, 31, tzinfo=timezone.utc))
    with pytest.raises(ValueError, match="too big"):
        slug.from_parts("pl--0001", 2, "5051", start=datetime(2300, 1, 1, tzinfo=timezone.utc))
    for bad in ("soon", [1], 10 ** 16, True, float("inf")):
        with pytest.raises(ValueError):
            slug.from_parts("pl--0001", 2, "5051", start=bad)
    assert str(slug) == "sl--0000-0001--0000-0000-0000-0002--0000-5051--1611097200100001"  # unchanged


def test_stream_slug_keeps_prefix_and_start_terms_as_given() -> None:
    slug = ArchFxStreamSlug("sa----2--51--0000000000000007")
    assert str(slug) == "sa--0000-0000--0000-0000-0000-0002--0000-0051--0000000000000007"
    assert slug.stype == "sa"
    assert slug.get_parts()["parent"] == "pa--0000-0000"
    with pytest.raises(ValueError, match="unknown stream type 'xx'"):
        ArchFxStreamSlug("xx--1--2--3").get_parts()
    with pytest.raises(ValueError, match="'sl--0001--zz--5051'"):
        ArchFxStreamSlug("sl--0001--zz--5051")


def test_streamer_slug_forms() -> None:
    streamer = ArchFxStreamerSlug(ArchFxDeviceSlug(10), 1)
    assert str(streamer) == "t--0000-0000-0000-000a--0001"
    assert ArchFxStreamerSlug("t--0000-0000-0000-000a--0001") == streamer
    assert ArchFxStreamerSlug(streamer) == streamer
    assert ArchFxStreamerSlug("000a", "16").get_index() == "0010"  # decimal text, as upstream's int()
    for device, index in [(10, 65536), (10, -1), (10, "x"), (10, None), (None, 1), (1.5, 1), (b"a", 1),
                          ("t--000a", None), ("t--000a--zz", None), (-1, 1)]:
        with pytest.raises(ValueError):
            ArchFxStreamerSlug(device, index)


@pytest.mark.parametrize("cls", [ArchFxParentSlug, ArchFxDeviceSlug, ArchFxVariableID, ArchFxStreamSlug])
@pytest.mark.parametrize("bad", [None, b"pl--0001", 1.5, True, [1], {"a": 1}, object(), "", "--", "p--1"])
def test_bad_input_of_any_type_is_a_value_error(cls, bad) -> None:  # type: ignore[no-untyped-def]
    if cls is ArchFxStreamSlug and bad in (None, ""):
        assert str(cls(bad)) == ""  # the empty stream slug, filled later by from_parts
        return
    with pytest.raises(ValueError):
        cls(bad)


def test_parent_type_is_validated_and_get_id_limits() -> None:
    with pytest.raises(ValueError, match="ptype"):
        ArchFxParentSlug(1, ptype="d")
    assert ArchFxParentSlug("pa--0002").get_id() == 2
    with pytest.raises(ValueError):
        ArchFxStreamSlug("sl--1--2--3").get_id()
    with pytest.raises(ValueError):
        ArchFxStreamSlug().formatted_id()
    assert ArchFxDeviceSlug(2 ** 48 - 1, allow_64bits=False).get_id() == 2 ** 48 - 1


def test_base_slug_helpers() -> None:
    slug = ArchFxCloudSlug()
    slug.set_from_single_id_slug("g", 3, "g--0001")
    assert str(slug) == "g--0000-0000-0001"
    with pytest.raises(ValueError):
        slug.set_from_single_id_slug("x", 2, "1")
    with pytest.raises(ValueError):
        slug.set_from_single_id_slug("g", 2, 1)  # type: ignore[arg-type]


def test_slugify() -> None:
    assert slugify("Hello World -- Ünïcode!") == "hello-world-unicode"
    assert slugify("Ünï", allow_unicode=True) == "ünï"
    assert slugify(12) == "12"
    with pytest.raises(ValueError):
        slugify(None)  # type: ignore[arg-type]

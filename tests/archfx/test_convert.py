"""archfx_cloud.utils.convert (gid helpers) and utils.basic.datetime_to_str."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from archfx_cloud.utils import convert
from archfx_cloud.utils.basic import datetime_to_str
from archfx_cloud.utils.convert import (
    fix_gid,
    formatted_area_id,
    formatted_dbid,
    formatted_fleet_id,
    formatted_gdid,
    formatted_gpid,
    formatted_gsid,
    formatted_gtid,
    formatted_line_id,
    formatted_machine_id,
    formatted_site_id,
    get_device_and_block_by_did,
    get_device_slug_by_block_slug,
    get_vid_from_gvid,
    gid2int,
    gid_join,
    gid_split,
    int16gid,
    int32gid,
    int48gid,
    int64gid,
)


def test_int_gids_mask_to_their_width() -> None:
    n = 0x1234567890ABCDEF
    assert int16gid(n) == "cdef"
    assert int32gid(n) == "90ab-cdef"
    assert int48gid(n) == "5678-90ab-cdef"
    assert int64gid(n) == "1234-5678-90ab-cdef"
    assert int16gid(-1) == "ffff"  # two's complement, as upstream's mask gives


def test_upstream_aliases() -> None:
    assert convert.int2bid is int16gid
    assert convert.int2did is int64gid
    assert convert.int2did_short is int48gid and convert.int2fleet_id is int48gid
    assert convert.int2pid is int32gid and convert.int2vid is int32gid


def test_split_join_and_fix() -> None:
    assert gid_split("pl--0000-0001") == ["pl", "0000-0001"]
    assert gid_join(["d", "0000-0001"]) == "d--0000-0001"
    assert gid_join(iter(["a", "b"])) == "a--b"
    assert fix_gid("0001", 2) == "0000-0001"
    assert fix_gid("0001-0002-0003", 2) == "0002-0003"
    assert fix_gid("1-2", 2) == "1-2"


def test_gid2int_accepts_groups_and_0x_and_refuses_the_rest() -> None:
    assert gid2int("0001-0002") == 0x10002
    assert gid2int("0xA") == 10
    assert gid2int("ABCD") == 0xABCD
    for bad in ["", "-", "0x", " 1", "1 ", "+1", "1_0", "\u0661", "g", "0x-", "zz"]:
        with pytest.raises(ValueError, match="not a hexadecimal id"):
            gid2int(bad)


def test_formatted_ids() -> None:
    assert formatted_line_id("0005") == "pl--0000-0005"
    assert formatted_site_id("0005") == "ps--0000-0005"
    assert formatted_area_id("0001-0005") == "pa--0001-0005"
    assert formatted_gpid("5") == "pl--0000-5"
    assert formatted_gdid("0001") == "d--0000-0000-0000-0001"
    assert formatted_gdid("0001", bid="0002") == "d--0002-0000-0000-0001"
    assert formatted_machine_id("0003") == "d--0000-0001-0000-0003"
    assert formatted_machine_id("0003", bid="0002", mid="0004") == "d--0002-0004-0000-0003"
    assert formatted_dbid("0001", "0000-0000-0000-0002") == "b--0001-0000-0000-0002"
    assert formatted_dbid("0001", "0002") == "b--0001-0000-0000-0002"
    assert formatted_gsid("0001", "0002", "5001") == "s--0000-0001--0000-0000-0000-0002--5001"
    assert formatted_gtid("000a", "0001") == "t--0000-0000-0000-000a--0001"
    assert formatted_fleet_id("0001") == "g--0000-0000-0001"


def test_device_block_and_variable_helpers() -> None:
    assert get_device_and_block_by_did("d--0001-0000-0000-0002") == (1, 2)
    assert get_device_and_block_by_did("b--0003-0000-0000-0002") == (3, 2)
    assert get_device_and_block_by_did("pl--0000-0001") == (None, None)
    assert get_vid_from_gvid("v--0000-0001--5001") == "5001"
    assert get_device_slug_by_block_slug("b--0001-0000-0000-0002") == "d--0001-0000-0000-0002"


@pytest.mark.parametrize("call", [
    lambda: int16gid("12"), lambda: int64gid(1.0), lambda: int32gid(None), lambda: int48gid(True),
    lambda: gid_split(None), lambda: gid_split(b"pl--1"), lambda: gid_join(5), lambda: gid_join([1, 2]),
    lambda: fix_gid(None, 2), lambda: fix_gid("1", "2"), lambda: gid2int(None), lambda: gid2int(b"01"),
    lambda: formatted_line_id(5), lambda: formatted_gdid("1", bid=0), lambda: formatted_gsid("1", "2", 3),
    lambda: formatted_gtid("1", 1), lambda: formatted_dbid(1, "2"), lambda: formatted_fleet_id(None),
    lambda: get_vid_from_gvid("v--0001"), lambda: get_device_and_block_by_did("d"),
    lambda: get_device_and_block_by_did("d--zz-0001"), lambda: get_device_slug_by_block_slug("b"),
])
def test_bad_input_is_a_value_error(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


def test_error_messages_name_the_input_and_stay_short() -> None:
    with pytest.raises(ValueError, match="b'01'"):
        gid2int(b"01")
    with pytest.raises(ValueError) as excinfo:
        gid2int("z" * 10_000)
    assert len(str(excinfo.value)) < 200


def test_datetime_to_str() -> None:
    assert datetime_to_str(datetime(2021, 1, 20, 1, 2, 3, 456)) == "2021-01-20T01:02:03Z"
    plus_two = timezone(timedelta(hours=2))
    assert datetime_to_str(datetime(2021, 1, 20, 3, 2, 3, tzinfo=plus_two)) == "2021-01-20T01:02:03Z"
    with pytest.raises(ValueError):
        datetime_to_str("2021-01-20")  # type: ignore[arg-type]

"""Global-id (gid) helpers: integers <-> groups of four lower-case hex digits.

ArchFX ids are written as 16-bit groups joined by ``-`` (``0000-0005``), and slugs join a
type prefix and ids with ``--`` (``pl--0000-0005``). These helpers keep upstream's names and
results; bad input of any type raises :class:`ValueError` that names it (upstream leaked
``AttributeError``/``TypeError`` from ``str`` and ``int`` methods).
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

__all__ = [
    "int16gid", "int32gid", "int48gid", "int64gid",
    "int2bid", "int2did", "int2did_short", "int2fleet_id", "int2pid", "int2vid",
    "gid_split", "gid_join", "fix_gid", "gid2int", "parse_hex",
    "formatted_dbid", "formatted_machine_id", "formatted_line_id", "formatted_site_id",
    "formatted_area_id", "formatted_gpid", "formatted_gdid", "formatted_gsid", "formatted_gtid",
    "formatted_fleet_id", "get_vid_from_gvid", "get_device_and_block_by_did",
    "get_device_slug_by_block_slug",
]

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def describe(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages about user input."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _require_int(value: object, who: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{who}: expected an int, got {describe(value)}")
    return value


def _require_str(value: object, who: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{who}: expected a str, got {describe(value)}")
    return value


def _groups(n: int, count: int) -> str:
    """The lowest ``count`` 16-bit groups of ``n`` (two's complement for negatives, as upstream)."""
    return "-".join(f"{(n >> (16 * i)) & 0xFFFF:04x}" for i in range(count - 1, -1, -1))


def int16gid(n: int) -> str:
    """``n`` masked to 16 bits as ``xxxx``."""
    return _groups(_require_int(n, "int16gid"), 1)


def int32gid(n: int) -> str:
    """``n`` masked to 32 bits as ``xxxx-xxxx``."""
    return _groups(_require_int(n, "int32gid"), 2)


def int48gid(n: int) -> str:
    """``n`` masked to 48 bits as ``xxxx-xxxx-xxxx``."""
    return _groups(_require_int(n, "int48gid"), 3)


def int64gid(n: int) -> str:
    """``n`` masked to 64 bits as ``xxxx-xxxx-xxxx-xxxx``."""
    return _groups(_require_int(n, "int64gid"), 4)


int2bid = int16gid
int2did = int64gid
int2did_short = int48gid
int2fleet_id = int48gid
int2pid = int32gid
int2vid = int32gid


def gid_split(val: str) -> List[str]:
    """Split a slug into its ``--`` separated terms."""
    return _require_str(val, "gid_split").split("--")


def gid_join(elements: Iterable[str]) -> str:
    """Join terms with ``--``."""
    try:
        items = list(elements)
    except TypeError:
        raise ValueError(f"gid_join: expected an iterable of str, got {describe(elements)}") from None
    for item in items:
        _require_str(item, "gid_join")
    return "--".join(items)


def fix_gid(gid: str, num_terms: int) -> str:
    """Left-pad ``gid`` with ``0000`` groups, or keep its rightmost ``num_terms`` groups.

    Groups themselves are not zero-padded (``fix_gid('1-2', 2) == '1-2'``), as upstream.
    """
    elements = _require_str(gid, "fix_gid").split("-")
    num_terms = _require_int(num_terms, "fix_gid")
    if len(elements) < num_terms:
        elements = ["0000"] * (num_terms - len(elements)) + elements
    elif len(elements) > num_terms:
        elements = elements[len(elements) - num_terms:]
    return "-".join(elements)


def parse_hex(text: str, who: str = "gid2int", whole: object = None) -> int:
    """Parse ASCII hex digits, optionally prefixed ``0x``, with ``-`` group separators ignored.

    Stricter than ``int(text, 16)`` on purpose: whitespace, signs, ``_`` and non-ASCII digits
    are refused, so that every accepted id has exactly one canonical slug. ``whole`` is the
    full input the text came from, named in the error message.
    """
    digits = _require_str(text, who).replace("-", "")
    if digits[:2] in ("0x", "0X"):
        digits = digits[2:]
    if not digits or not _HEX_DIGITS.issuperset(digits):
        where = f" in {describe(whole)}" if whole is not None and whole != text else ""
        raise ValueError(f"{who}: {describe(text)}{where} is not a hexadecimal id")
    return int(digits, 16)


def gid2int(gid: str) -> int:
    """``'0001-0002'`` -> ``65538``."""
    return parse_hex(gid, "gid2int")


def formatted_dbid(bid: str, did: str) -> str:
    """Global data-block id ``b--<block>-<3 device groups>`` (a 4-group ``did`` loses its left group)."""
    _require_str(bid, "formatted_dbid")
    parts = _require_str(did, "formatted_dbid").split("-")
    if len(parts) == 4:
        parts = parts[1:]
    elif len(parts) < 3:
        parts = ["0000"] * (3 - len(parts)) + parts
    return gid_join(["b", "-".join([bid] + parts)])


def formatted_machine_id(did: str, bid: str = "0000", mid: str = "0001") -> str:
    """Global machine id ``d--<block>-<machine scope>-<2 id groups>``."""
    gid = "-".join([_require_str(bid, "formatted_machine_id"), _require_str(mid, "formatted_machine_id"),
                    fix_gid(did, 2)])
    return gid_join(["d", gid])


def formatted_line_id(pid: str) -> str:
    """``pl--xxxx-xxxx``."""
    return gid_join(["pl", fix_gid(pid, 2)])


def formatted_site_id(pid: str) -> str:
    """``ps--xxxx-xxxx``."""
    return gid_join(["ps", fix_gid(pid, 2)])


def formatted_area_id(pid: str) -> str:
    """``pa--xxxx-xxxx``."""
    return gid_join(["pa", fix_gid(pid, 2)])


def formatted_gpid(pid: str) -> str:
    """Parent ids default to lines: ``pl--xxxx-xxxx``."""
    return formatted_line_id(pid)


def formatted_gdid(did: str, bid: str = "0000") -> str:
    """Global device id ``d--<block>-<3 groups>``."""
    return gid_join(["d", "-".join([_require_str(bid, "formatted_gdid"), fix_gid(did, 3)])])


def formatted_gsid(pid: str, did: str, vid: str) -> str:
    """Legacy stream id ``s--pppp-pppp--dddd-dddd-dddd-dddd--<vid>``."""
    return gid_join(["s", fix_gid(pid, 2), fix_gid(did, 4), _require_str(vid, "formatted_gsid")])


def formatted_gtid(did: str, index: str) -> str:
    """Global streamer id ``t--<4 device groups>--<index>``."""
    return gid_join(["t", fix_gid(did, 4), _require_str(index, "formatted_gtid")])


def formatted_fleet_id(id: str) -> str:  # noqa: A002 - upstream's parameter name
    """Legacy fleet id ``g--xxxx-xxxx-xxxx``."""
    return gid_join(["g", fix_gid(id, 3)])


def get_vid_from_gvid(gvid: str) -> str:
    """The third ``--`` term of a variable gid."""
    parts = gid_split(gvid)
    if len(parts) < 3:
        raise ValueError(f"get_vid_from_gvid: {describe(gvid)} has no variable term")
    return parts[2]


def get_device_and_block_by_did(gid: str) -> Tuple[Optional[int], Optional[int]]:
    """``(block, device)`` integers of a ``d--``/``b--`` id, ``(None, None)`` for other prefixes."""
    parts = gid_split(gid)
    if parts[0] not in ("d", "b"):
        return None, None
    if len(parts) < 2:
        raise ValueError(f"get_device_and_block_by_did: {describe(gid)} has no id term")
    elements = parts[1].split("-")
    who = "get_device_and_block_by_did"
    return parse_hex(elements[0], who, gid), parse_hex("".join(elements[1:]), who, gid)


def get_device_slug_by_block_slug(block_slug: str) -> str:
    """``b--xxxx-...`` -> ``d--xxxx-...`` (the same id term)."""
    parts = gid_split(block_slug)
    if len(parts) < 2:
        raise ValueError(f"get_device_slug_by_block_slug: {describe(block_slug)} has no id term")
    return gid_join(["d", parts[1]])

"""ArchFX globally unique id slugs: parents, devices, variables, streams and streamers.

Every slug is canonical lower-case hex in 4-digit groups (``pl--0000-0005``,
``d--0000-0000-0000-000a``, ``sl--0000-0005--0000-0000-0000-000a--0000-5001``). Slugs hash and
compare by their text (only against other slugs, as upstream), and any bad input raises
:class:`ValueError` naming it.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, Dict, Optional, Tuple, Union

from .convert import describe, fix_gid, gid_join, gid_split, int16gid, int2did, int2pid, int2vid, parse_hex

__all__ = [
    "slugify", "ArchFxCloudSlug", "ArchFxParentSlug", "ArchFxDeviceSlug", "ArchFxVariableID",
    "ArchFxStreamSlug", "ArchFxStreamerSlug",
]

_SINGLE_ID_TYPES = ("pl", "ps", "pa", "m", "d", "b", "g")
_PARENT_TYPES = ("pl", "ps", "pa")


def slugify(value: Union[str, int], allow_unicode: bool = False) -> str:
    """Django's slugify: ASCII (unless ``allow_unicode``), lower case, runs of spaces/dashes -> ``-``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"slugify: expected a str, got {describe(value)}")
    if allow_unicode:
        value = unicodedata.normalize("NFKC", value)
    else:
        value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip()
    return re.sub(r"[-\s]+", "-", value).lower()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_range(value: int, limit_hex_digits: int, message: str) -> int:
    if value < 0 or value >= 16 ** limit_hex_digits:
        raise ValueError(message)
    return value


class ArchFxCloudSlug:
    """Base class: a slug is its text; equal and hashed by that text."""

    _slug: Optional[str] = None

    def __str__(self) -> str:
        return self._slug or ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __hash__(self) -> int:
        return hash(self._slug)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArchFxCloudSlug):
            return False
        return self._slug == other._slug

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def _require_slug(self) -> str:
        if not self._slug:
            raise ValueError(f"{type(self).__name__}: the slug is empty")
        return self._slug

    def formatted_id(self) -> str:
        """The text after the type prefix (``pl--0000-0005`` -> ``0000-0005``)."""
        return gid_join(gid_split(self._require_slug())[1:])

    def set_from_single_id_slug(self, stype: str, terms: int, id_: str) -> None:
        """Set the slug to ``<stype>--<id_ padded/cut to terms groups>``."""
        if stype not in _SINGLE_ID_TYPES:
            raise ValueError(f"Slugs must start with p/d/b/g, got {describe(stype)}")
        if not isinstance(id_, str):
            raise ValueError(f"Slug must be a string, got {describe(id_)}")
        parts = gid_split(id_)
        if parts[0] in _SINGLE_ID_TYPES and len(parts) > 1:
            id_ = parts[1]
        self._slug = gid_join([stype, fix_gid(id_, terms)])

    def get_id(self) -> int:
        """The integer id of a two-term parent (``ps``/``pa``/``pl``) or device (``d``) slug."""
        parts = gid_split(self._require_slug())
        if len(parts) != 2:
            raise ValueError(f"Cannot call get_id() for IDs with more than one term: {self._slug!r}")
        if parts[0] not in ("ps", "pa", "pl", "d"):
            raise ValueError(f"Only parents and devices have single ids: {self._slug!r}")
        return parse_hex(parts[1], type(self).__name__)


class ArchFxParentSlug(ArchFxCloudSlug):
    """Site, area or line id: ``ps--0000-0001``, ``pa--0000-0001``, ``pl--0000-0001``.

    Accepts another parent slug, an int in ``[0, 16**8)``, hex text (``'0005'``), or text with a
    ``pl--``/``ps--``/``pa--`` prefix (which then wins over ``ptype``).
    """

    _type = "pl"
    _RANGE_ERROR = "ArchFxProjectSlug: UUID should be greater or equal than zero and less than 16^8"

    def __init__(self, id: Union[int, str, "ArchFxParentSlug"], ptype: str = "pl") -> None:  # noqa: A002
        if isinstance(id, ArchFxParentSlug):
            self._slug = id._slug
            self._type = id.get_type()
            return
        if ptype not in _PARENT_TYPES:
            raise ValueError(f"ArchFxParentSlug: ptype must be one of pl/ps/pa, got {describe(ptype)}")
        self._type = ptype
        if _is_int(id):
            value = id
        elif isinstance(id, str):
            parts = gid_split(id)
            if len(parts) == 1:
                text = parts[0]
            else:
                if parts[0] not in _PARENT_TYPES:
                    raise ValueError(f'ArchFxProjectSlug: must start with a "p" (pl/ps/pa), got {describe(id)}')
                text = gid_join(parts[1:])
                self._type = parts[0]
            value = parse_hex(text, "ArchFxParentSlug", id)
        else:
            raise ValueError(f"ArchFxParentSlug: not convertible from {type(id)}: {describe(id)}")
        _check_range(value, 8, self._RANGE_ERROR + f", got {describe(id)}")
        self._slug = gid_join([self._type, int2pid(value)])

    def get_type(self) -> str:
        """``pl``, ``ps`` or ``pa``."""
        return self._type


class ArchFxDeviceSlug(ArchFxCloudSlug):
    """Device or machine id ``d--bbbb-ssss-xxxx-xxxx`` (block, scope, id).

    Accepts another device slug, an int, hex text (``'000a'``, ``'0xa'``) or text prefixed
    ``d--``/``m--``. Ids must be below ``16**16`` (``16**12`` with ``allow_64bits=False``).
    """

    def __init__(self, id: Union[int, str, "ArchFxDeviceSlug"], allow_64bits: bool = True) -> None:  # noqa: A002
        if isinstance(id, ArchFxDeviceSlug):
            self._slug = id._slug
            return
        hex_count = 16 if allow_64bits else 12
        if isinstance(id, str):
            parts = gid_split(id)
            if len(parts) == 1:
                text = parts[0]
            else:
                if parts[0] not in ("d", "m"):
                    raise ValueError(f'ArchFxDeviceSlug: must start with a "d" or "m", got {describe(id)}')
                text = gid_join(parts[1:])
            value = parse_hex(text, "ArchFxDeviceSlug", id)
        elif _is_int(id):
            value = id
        else:
            raise ValueError(f"ArchFxDeviceSlug: not convertible from {type(id)}: {describe(id)}")
        _check_range(value, hex_count, "ArchFxDeviceSlug: UUID should be greater or equal than zero and less "
                                       f"than 16^{hex_count}, got {describe(id)}")
        self._slug = gid_join(["d", int2did(value)])


class ArchFxVariableID(ArchFxCloudSlug):
    """A 32-bit variable id ``ssss-vvvv`` (16-bit scope, 16-bit variable), unique within a device.

    Accepts another variable id, a ``(scope, var)`` tuple of ints below ``0x10000`` or hex
    strings, one hex term (``'5051'``, ``'0001-5051'``, ``'f5051'``), or an int below ``16**8``.
    """

    def __init__(self, id_: Union[int, str, Tuple[Union[int, str], Union[int, str]], "ArchFxVariableID"]) -> None:
        if isinstance(id_, ArchFxVariableID):
            self._slug = id_._slug
            return
        if isinstance(id_, tuple):
            value = self._from_pair(id_)
        elif isinstance(id_, str):
            parts = gid_split(id_)
            if len(parts) != 1:
                raise ValueError(f"ArchFxVariableID: must be a single hex term like 0001-5051, got {describe(id_)}")
            value = parse_hex(parts[0], "ArchFxVariableID", id_)
        elif _is_int(id_):
            value = id_
        else:
            raise ValueError(f"ArchFxVariableID: not convertible from {type(id_)}: {describe(id_)}")
        _check_range(value, 8, "ArchFxVariableID: ID should be greater or equal than zero and less than 16^8, "
                               f"got {describe(id_)}")
        self._slug = int2vid(value)

    @staticmethod
    def _from_pair(pair: tuple) -> int:
        """Upstream's arithmetic: int halves become 4 hex digits, text halves are kept as written,
        and ``"<scope>-<var>"`` is read as one hex id. So ``("0001", "5051")`` and ``(1, 0x5051)``
        are ``0001-5051``, while ``("1", "51")`` is ``0000-0151``, as in archfx-cloud 0.17."""
        if len(pair) != 2:
            raise ValueError(f"ArchFxVariableID: a tuple must be (scope, var), got {describe(pair)}")
        texts = []
        for name, half in zip(("Scope", "Var"), pair):
            if isinstance(half, str):
                texts.append(half)
            elif _is_int(half):
                _check_range(half, 4, f"ArchFxVariableID: {name} should be greater or equal than zero and less "
                                      f"than 16^4, got {describe(half)} in {describe(pair)}")
                texts.append(int16gid(half))
            else:
                raise ValueError(f"ArchFxVariableID: {name.lower()} must be an int or hex str, "
                                 f"got {describe(half)} in {describe(pair)}")
        joined = f"{texts[0]}-{texts[1]}"
        if len(gid_split(joined)) != 1:
            raise ValueError(f"ArchFxVariableID: must be a single hex term like 0001-5051, got {describe(pair)}")
        return parse_hex(joined, "ArchFxVariableID", pair)

    def formatted_id(self) -> str:
        """A variable id has no prefix: the formatted id is the slug itself."""
        return self._require_slug()

    def set_from_single_id_slug(self, stype: Any, terms: Any, id_: str) -> None:
        """Set the slug from ``xxxx-yyyy`` text (``stype`` and ``terms`` are ignored, as upstream)."""
        if not isinstance(id_, str):
            raise ValueError(f"ArchFxVariableID: expected a str, got {describe(id_)}")
        self._slug = fix_gid(id_, 2)

    def get_id(self) -> int:
        """The 32-bit integer id."""
        return parse_hex(self._require_slug(), "ArchFxVariableID")

    @property
    def var_hex(self) -> str:
        """The variable half as 4 hex digits."""
        return self._require_slug()[5:9]

    @property
    def scope_hex(self) -> str:
        """The scope half as 4 hex digits."""
        return self._require_slug()[0:4]

    @property
    def var_id(self) -> int:
        """The 16 least significant bits: the variable."""
        return self.get_id() & 0xFFFF

    @property
    def scope(self) -> int:
        """The 16 most significant bits: the scope."""
        return (self.get_id() >> 16) & 0xFFFF


def _start_micros(start: Any) -> int:
    """A stream start as integer microseconds since the epoch (a datetime, or an int-like).

    A datetime goes through upstream's float arithmetic, ``int(start.timestamp() * 10**6)``
    (naive = local time), so the slug, a server key, is the one archfx-cloud 0.17 makes: that
    can be 1 µs below the exact count (``2004-04-12T12:14:10.242812Z`` -> ``...242811``).
    """
    if isinstance(start, datetime):
        try:
            return int(start.timestamp() * 10 ** 6)
        except (OverflowError, ValueError, OSError):
            raise ValueError(f"Stream start {describe(start)} cannot be written as a timestamp") from None
    if isinstance(start, bool):
        raise ValueError(f"Stream start must be a datetime or integer microseconds, got {describe(start)}")
    try:
        return int(start)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"Stream start must be a datetime or integer microseconds, got {describe(start)}") from None


class ArchFxStreamSlug(ArchFxCloudSlug):
    """Stream id ``s<x>--<parent>--<device>--<variable>[--<16-digit µs start>]``.

    ``ArchFxStreamSlug()`` is empty (fill it with :meth:`from_parts`); a ``str`` with 4 or 5
    terms is canonicalised (parent, device and variable; prefix and start are kept as given).
    """

    stype = "sd"

    PTYPES_FROM_STYPE = {"sl": "pl", "sa": "pa", "ss": "ps"}
    STYPES_FROM_PTYPE = {"pl": "sl", "pa": "sa", "ps": "ss"}

    def __init__(self, sid: Optional[str] = None) -> None:
        if sid is None or sid == "":
            self.stype = "sd"
            return
        if not isinstance(sid, str):
            raise ValueError(f"Stream ID must be str, got {describe(sid)}")
        parts = gid_split(sid)
        if not 4 <= len(parts) <= 5:
            raise ValueError("Stream slug must have at least four terms: s<type>--<prnt>--<dev>--<var> - "
                             "and at most five: s<type>--<prnt>--<dev>--<var>--<start>, "
                             f"got {describe(sid)}")
        if parts[1] == "":
            parts[1] = "0000-0000"
        try:
            parts[1] = ArchFxParentSlug(parts[1]).formatted_id()
            parts[2] = ArchFxDeviceSlug(parts[2]).formatted_id()
            parts[3] = str(ArchFxVariableID(parts[3]))
        except ValueError as exc:
            raise ValueError(f"ArchFxStreamSlug: bad term in {describe(sid)}: {exc}") from None
        self._slug = gid_join(parts)
        self.stype = parts[0]

    def from_parts(self, parent: Union[None, str, int, ArchFxParentSlug],
                   device: Union[None, str, int, ArchFxDeviceSlug],
                   variable: Union[str, int, tuple, ArchFxVariableID],
                   start: Union[None, int, str, datetime] = None) -> None:
        """Fill this slug from its parts; no parent gives an ``sd--`` slug with parent ``0000-0000``.

        ``start`` (a datetime, or integer microseconds since the epoch) adds the fifth term,
        written with 16 digits.
        """
        if parent is None or parent == "":
            parent_slug = ArchFxParentSlug(0)
            stype = "sd"
        else:
            parent_slug = parent if isinstance(parent, ArchFxParentSlug) else ArchFxParentSlug(parent)
            stype = self.STYPES_FROM_PTYPE[parent_slug.get_type()]
        if device is None or device == "":
            device_slug = ArchFxDeviceSlug(0)
        else:
            device_slug = device if isinstance(device, ArchFxDeviceSlug) else ArchFxDeviceSlug(device)
        variable_id = variable if isinstance(variable, ArchFxVariableID) else ArchFxVariableID(variable)
        parts = [stype, parent_slug.formatted_id(), device_slug.formatted_id(), str(variable_id)]
        if start is not None:
            micros = _start_micros(start)
            if micros < 0:
                raise ValueError(f"Start timestamp of {micros} us is before 1970 (must be >= 0)")
            if len(str(micros)) > 16:
                raise ValueError(f"Start timestamp of {micros} us is too big (must fit into 16 decimal places)")
            parts.append(f"{micros:016}")
        self.stype = stype
        self._slug = gid_join(parts)

    def get_parts(self) -> Dict[str, Optional[str]]:
        """The parts: ``parent`` (``None`` for ``sd--`` streams), ``block``, ``scope``, ``device``, ``variable``, ``start``.

        ``start`` is ``None`` for four-term slugs. ``from_parts`` with these values (and the
        ``block-scope-device`` triple as the device) rebuilds the same slug.
        """
        parts = gid_split(self._require_slug())
        prefix = parts[0]
        if prefix == "sd":
            parent = None
        elif prefix in self.PTYPES_FROM_STYPE:
            parent = str(ArchFxParentSlug(parts[1] or "0", ptype=self.PTYPES_FROM_STYPE[prefix]))
        else:
            raise ValueError(f"ArchFxStreamSlug: unknown stream type {prefix!r} in {self._slug!r} "
                             "(expected sl, sa, ss or sd)")
        block, scope, *device = parts[2].split("-")
        return {
            "parent": parent,
            "block": block,
            "scope": scope,
            "device": "-".join(device),
            "variable": parts[3],
            "start": parts[4] if len(parts) == 5 else None,
        }


class ArchFxStreamerSlug(ArchFxCloudSlug):
    """Streamer id ``t--xxxx-xxxx-xxxx-xxxx--iiii``: a device and a 16-bit streamer index.

    ``device`` may be an int, an :class:`ArchFxDeviceSlug` or text; with ``index`` left out,
    ``device`` may also be a whole streamer slug (``'t--0000-0000-0000-000a--0001'``).
    """

    def __init__(self, device: Union[int, str, ArchFxDeviceSlug, "ArchFxStreamerSlug"],
                 index: Union[int, str, None] = None) -> None:
        if index is None:
            device, index = self._split_streamer(device)
        if isinstance(device, ArchFxDeviceSlug):
            device_slug = device
        elif _is_int(device) or isinstance(device, str):
            device_slug = ArchFxDeviceSlug(device)
        else:
            raise ValueError("ArchFxStreamerSlug: Unknown device specifier, must be string, int or "
                             f"ArchFxDeviceSlug, got {describe(device)}")
        index_value = self._index_value(index)
        device_gid = device_slug.formatted_id()
        self._slug = gid_join(["t", device_gid, int16gid(index_value)])
        self._device = gid_join(["d", device_gid])
        self._index = int16gid(index_value)

    @staticmethod
    def _split_streamer(value: Any) -> Tuple[str, int]:
        if isinstance(value, ArchFxStreamerSlug):
            return value.get_device(), int(value.get_index(), 16)
        if not isinstance(value, str):
            raise ValueError(f"ArchFxStreamerSlug: an index is required with device {describe(value)}")
        parts = gid_split(value)
        if len(parts) != 3 or parts[0] != "t":
            raise ValueError(f"ArchFxStreamerSlug: expected t--<device>--<index>, got {describe(value)}")
        return parts[1], parse_hex(parts[2], "ArchFxStreamerSlug", value)

    @staticmethod
    def _index_value(index: Any) -> int:
        if isinstance(index, bool):
            raise ValueError(f"ArchFxStreamerSlug: index must be an integer, got {describe(index)}")
        try:
            value = int(index)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"ArchFxStreamerSlug: index must be an integer, got {describe(index)}") from None
        return _check_range(value, 4, f"ArchFxStreamerSlug: index must be in [0, 0xffff], got {describe(index)}")

    def get_device(self) -> str:
        """The device slug as text (``d--...``)."""
        return self._device

    def get_index(self) -> str:
        """The streamer index as 4 hex digits."""
        return self._index

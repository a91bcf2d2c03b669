"""FDL (Functions Definition Language) files to OSCAR service definitions.

An FDL file lists services per cluster::

    functions:
      oscar:
      - my-cluster:
          name: cowsay
          image: ghcr.io/grycap/cowsay
          script: script.sh            # a path, relative to the FDL file
    storage_providers: {webdav: {dcache: {hostname: ..., login: ..., password: ...}}}
    clusters: {...}

:func:`load_services` returns *every* service keyed by the client's cluster id (upstream kept
only the last one), with each ``script`` replaced by the file's contents, a numeric ``cpu``
turned into a string, and the top-level ``storage_providers`` and ``clusters`` embedded in
each service (as oscar-cli does; a service's own entries win). Services for other clusters
are skipped; an error is raised only when none is for this cluster.
"""
from __future__ import annotations

import copy
import os
from typing import Any, Dict, List, Mapping, Optional, Union

import yaml

from .exceptions import FDLError

__all__ = ["load_services", "read_fdl", "normalize_service", "is_fdl_document"]

PathLike = Union[str, "os.PathLike[str]"]


def read_fdl(path: PathLike) -> Dict[str, Any]:
    """Parse an FDL file (YAML). ``yaml.YAMLError`` propagates, as upstream."""
    with open(os.fspath(path), "r", encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    if not isinstance(document, dict):
        raise FDLError(f"FDL file {os.fspath(path)!r} does not hold a YAML mapping")
    return document


def is_fdl_document(data: Mapping[str, Any]) -> bool:
    """A whole FDL document (``functions: oscar: [...]``) rather than one service definition."""
    return isinstance(data, Mapping) and isinstance(data.get("functions"), Mapping)


def _read_script(script: str, base_dir: Optional[str]) -> str:
    if "\n" in script:  # already the script's text
        return script
    path = script if os.path.isabs(script) or base_dir is None else os.path.join(base_dir, script)
    try:
        with open(path, "r", encoding="utf-8", newline="") as handle:
            return handle.read()
    except OSError as exc:
        raise FDLError(f"Couldn't read script {path!r}: {exc.strerror or exc}") from exc


def _merge_providers(own: Optional[Mapping[str, Any]], shared: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    merged: Dict[str, Any] = {}
    for source in (shared or {}, own or {}):  # the service's own definitions win
        for kind, entries in source.items():
            if isinstance(entries, Mapping):
                merged.setdefault(kind, {}).update(copy.deepcopy(dict(entries)))
    return merged


def normalize_service(service: Mapping[str, Any], base_dir: Optional[str] = None,
                      storage_providers: Optional[Mapping[str, Any]] = None,
                      clusters: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """One service definition ready to send: script text, string cpu, shared sections embedded."""
    svc = copy.deepcopy(dict(service))
    if isinstance(svc.get("script"), str):
        svc["script"] = _read_script(svc["script"], base_dir)
    if isinstance(svc.get("cpu"), (int, float)) and not isinstance(svc.get("cpu"), bool):
        svc["cpu"] = str(svc["cpu"])
    if storage_providers:
        svc["storage_providers"] = _merge_providers(svc.get("storage_providers"), storage_providers)
    if clusters:
        merged = copy.deepcopy(dict(clusters))
        merged.update(svc.get("clusters") or {})
        svc["clusters"] = merged
    return svc


def load_services(source: Union[PathLike, Mapping[str, Any]], cluster_id: Optional[str] = None,
                  base_dir: Optional[str] = None) -> List[Dict[str, Any]]:
    """The service definitions for ``cluster_id`` in ``source``.

    ``source`` is an FDL file path, a parsed FDL document, or a single service definition
    (a dict with ``name``), which is returned as it is (upstream's dict behaviour).
    """
    if isinstance(source, Mapping):
        if not is_fdl_document(source):
            return [copy.deepcopy(dict(source))]
        document: Mapping[str, Any] = source
    else:
        path = os.fspath(source)
        document = read_fdl(path)
        base_dir = base_dir or os.path.dirname(os.path.abspath(path))
    oscar = (document.get("functions") or {}).get("oscar")
    if not isinstance(oscar, list) or not oscar:
        raise FDLError("FDL has no 'functions: oscar:' list of services")
    found: List[Dict[str, Any]] = []
    seen_clusters: List[str] = []
    for entry in oscar:
        if not isinstance(entry, Mapping):
            raise FDLError(f"FDL 'functions.oscar' entries must map a cluster id to a service, got {entry!r}")
        for key, service in entry.items():
            seen_clusters.append(str(key))
            if cluster_id is not None and str(key) != str(cluster_id):
                continue
            if not isinstance(service, Mapping):
                raise FDLError(f"FDL service for cluster {key!r} is not a mapping")
            found.append(normalize_service(service, base_dir, document.get("storage_providers"),
                                           document.get("clusters")))
    if not found:
        raise FDLError(f"FDL clusterID does not match current clusterID: the FDL defines services for "
                       f"{sorted(set(seen_clusters))}, this client is for {cluster_id!r}")
    return found

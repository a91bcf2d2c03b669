"""Shapes of the records the v1 API returns, as ``TypedDict``s for type hints (the import path
``firecrest.types`` of pyfirecrest). They describe dicts; nothing is converted."""
from __future__ import annotations

from typing import Any, List, Optional, TypedDict

__all__ = ["Parameter", "Parameters", "Service", "System", "Filesystem", "Task", "LsFile", "StatFile", "JobAcct",
           "JobQueue", "NodeInfo", "PartitionInfo", "ReservationInfo", "JobSubmit", "InternalTransferJobSubmit",
           "Id", "UserId", "GroupInfo", "AccountInfo", "UserInfo"]


class Parameter(TypedDict):
    """One entry of ``/status/parameters``."""
    name: str
    unit: str
    value: Any
    description: str


class Parameters(TypedDict):
    """``/status/parameters`` by service (older servers lack ``compute`` and ``system``)."""
    storage: List[Parameter]
    utilities: List[Parameter]
    compute: List[Parameter]
    general: List[Parameter]


class Service(TypedDict):
    description: str
    service: str
    status: str
    status_code: int


class System(TypedDict):
    description: str
    status: str
    system: str


class Filesystem(TypedDict):
    name: str
    path: str
    description: str
    status: int
    status_code: str


class Task(TypedDict):
    """A task record of ``/tasks``."""
    created_at: str
    data: Any
    description: str
    hash_id: str
    last_modify: str
    service: str
    status: str
    system: str
    task_id: str
    updated_at: str
    user: str


class LsFile(TypedDict):
    """One entry of ``list_files``."""
    group: str
    last_modified: str
    link_target: str
    name: str
    permissions: str
    size: str
    type: str
    user: str


class StatFile(TypedDict):
    """``stat``: the fields of ``os.stat_result`` the server reports."""
    atime: int
    ctime: int
    dev: int
    gid: int
    ino: int
    mode: int
    mtime: int
    nlink: int
    size: int
    uid: int


class JobAcct(TypedDict):
    """One job of ``poll`` (accounting)."""
    jobid: str
    name: str
    nodelist: str
    nodes: str
    partition: str
    start_time: str
    state: str
    time: str
    time_left: str
    user: str


class JobQueue(JobAcct):
    """One job of ``poll_active`` (the queue), with its script and output files."""
    job_data_err: str
    job_data_out: str
    job_file: str
    job_file_err: str
    job_file_out: str


class NodeInfo(TypedDict):
    NodeName: str
    ActiveFeatures: List[str]
    Partitions: List[str]
    State: List[str]


class PartitionInfo(TypedDict):
    Default: str
    PartitionName: str
    State: str
    TotalCPUs: str
    TotalNodes: str


class ReservationInfo(TypedDict):
    ReservationName: str
    State: str
    Nodes: str
    StartTime: str
    EndTime: str
    Features: str


class JobSubmit(TypedDict):
    """What ``submit`` returns (``firecrest_taskid`` added by the client)."""
    firecrest_taskid: str
    job_data_err: str
    job_data_out: str
    job_file: str
    job_file_err: str
    job_file_out: str
    jobid: int
    result: str


class InternalTransferJobSubmit(JobSubmit):
    """What ``submit_move_job`` and the other transfer jobs return."""
    system: str


class Id(TypedDict):
    name: str
    id: str


class UserId(TypedDict):
    user: Id
    group: Id
    groups: List[Id]


class GroupInfo(Id):
    default: bool


class AccountInfo(TypedDict):
    name: str
    default: bool


class UserInfo(TypedDict):
    """``accounts`` is None when the scheduler reports none."""
    user: Id
    groups: List[GroupInfo]
    accounts: Optional[List[AccountInfo]]

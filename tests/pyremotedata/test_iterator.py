"""RemotePathIterator against a real server: order, content, back-pressure, clean stops,
retries, and dataset shaping (shuffle, subset, split, shard)."""
from __future__ import annotations

import os
import random
import sys
import threading
import time

import pytest

from pyremotedata.errors import RemoteFileNotFoundError
from pyremotedata.implicit_mount import IOHandler, RemotePathIterator
from pyremotedata.testing.sshd import LocalSFTPServer

from .conftest import files_under


def make_dataset(workspace, count=60, dirs=("a", "b", "c"), size=100):
    paths = []
    for index in range(count):
        relative = f"{dirs[index % len(dirs)]}/img_{index // len(dirs):03d}.bin"
        path = workspace.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(relative.encode().ljust(size, b"."))
        paths.append(relative)
    return sorted(paths)


def test_streams_every_file_in_index_order_with_content(pyremotedata_io, pyremotedata_workspace) -> None:
    expected = make_dataset(pyremotedata_workspace)
    iterator = RemotePathIterator(pyremotedata_io, batch_size=8, batch_parallel=4)
    assert len(iterator) == 60
    assert iterator.remote_paths == expected
    assert pyremotedata_workspace.path(".folder_index.txt").read_text().splitlines() == expected
    seen = []
    for local, remote in iterator:
        assert local == os.path.join(pyremotedata_io.lpwd(), remote)
        assert open(local, "rb").read() == pyremotedata_workspace.path(remote).read_bytes()
        seen.append(remote)
    assert seen == expected
    assert files_under(pyremotedata_io.lpwd()) == []  # clear_local removed everything
    assert not iterator.download_thread.is_alive()


def test_same_basenames_in_different_directories_stay_apart(pyremotedata_io, pyremotedata_workspace) -> None:
    for folder in ("x", "y", "z/deeper"):
        path = pyremotedata_workspace.path(f"{folder}/same.jpg")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(folder)
    contents = {remote: open(local).read()
                for local, remote in RemotePathIterator(pyremotedata_io, clear_local=False)}
    assert contents == {"x/same.jpg": "x", "y/same.jpg": "y", "z/deeper/same.jpg": "z/deeper"}
    assert files_under(pyremotedata_io.lpwd()) == ["x/same.jpg", "y/same.jpg", "z/deeper/same.jpg"]


def test_back_pressure_bounds_local_files_and_consumed_files_are_removed(pyremotedata_io,
                                                                        pyremotedata_workspace) -> None:
    make_dataset(pyremotedata_workspace, count=60)
    batch, queued, keep = 5, 2, 3
    iterator = RemotePathIterator(pyremotedata_io, batch_size=batch, max_queued_batches=queued, n_local_files=keep)
    most = 0
    for index, (local, _remote) in enumerate(iterator):
        if index % 10 == 0:
            time.sleep(0.15)  # a slow consumer: the producer must wait, not run ahead
        most = max(most, len(files_under(pyremotedata_io.lpwd())))
        assert os.path.exists(local)
    assert most <= (queued + 1) * batch + keep
    assert files_under(pyremotedata_io.lpwd()) == []


def test_files_consumed_and_deleted_inside_a_window_are_not_fetched_again(pyremotedata_io, pyremotedata_workspace,
                                                                           caplog) -> None:
    # n_local_files=0 deletes every file once consumed, while the rest of its window is still
    # downloading: those files must count as delivered, not as "did not arrive" (which used to
    # retry the window after a back-off and download the consumed files a second time).
    expected = make_dataset(pyremotedata_workspace, count=240, size=64 * 1024)
    fetched = []
    original = pyremotedata_io._fetch

    def recording(pairs, *args, **kwargs):
        fetched.extend(remote for remote, _ in pairs)
        return original(pairs, *args, **kwargs)

    iterator = RemotePathIterator(pyremotedata_io, batch_size=4, batch_parallel=2, max_queued_batches=30,
                                  n_local_files=0)
    pyremotedata_io._fetch = recording  # after the index is read: only the stream's fetches
    try:
        with caplog.at_level("WARNING", logger="pyremotedata"):
            seen = [remote for _local, remote in iterator]
    finally:
        del pyremotedata_io._fetch
    assert seen == expected
    assert sorted(fetched) == expected  # every file fetched exactly once
    assert not [r for r in caplog.records if "batch download failed" in r.getMessage()]
    assert files_under(pyremotedata_io.lpwd()) == []


def test_directories_emptied_by_the_consumer_do_not_pile_up(pyremotedata_io, pyremotedata_workspace) -> None:
    # one directory per sample: emptied directories are removed while streaming (by the producer,
    # between fetches), not all at the end of the epoch
    dirs = tuple(f"sample_{index:03d}" for index in range(90))
    expected = make_dataset(pyremotedata_workspace, count=90, dirs=dirs)
    root = pyremotedata_io.lpwd()
    batch, queued = 3, 2
    iterator = RemotePathIterator(pyremotedata_io, batch_size=batch, batch_parallel=2, max_queued_batches=queued,
                                  n_local_files=0)
    most, seen = 0, []
    for local, remote in iterator:
        time.sleep(0.005)  # a consumer slower than the producer: the producer waits between windows
        assert os.path.exists(local)
        seen.append(remote)
        most = max(most, sum(1 for entry in os.listdir(root) if entry.startswith("sample_")))
    assert seen == expected
    # at most the queued windows' directories, the one being consumed and the ones emptied since
    # the producer's last fetch; without pruning while streaming this reaches all 90
    assert most <= 4 * (queued + 1) * batch
    assert [entry for entry in os.listdir(root) if entry.startswith("sample_")] == []


def test_a_cached_file_index_is_used(pyremotedata_io, pyremotedata_workspace, caplog) -> None:
    expected = make_dataset(pyremotedata_workspace, count=9)
    pyremotedata_io.cache_file_index(nmax=4)  # as upstream: the iterator takes io.cache[pwd] when set
    with caplog.at_level("WARNING", logger="pyremotedata"):
        iterator = RemotePathIterator(pyremotedata_io, pattern="nothing-matches")
    assert iterator.remote_paths == expected[:4]
    assert any("cached file index" in r.getMessage() and "pattern" in r.getMessage() for r in caplog.records)
    assert [remote for _local, remote in iterator] == expected[:4]


def test_clear_local_false_keeps_files(pyremotedata_io, pyremotedata_workspace) -> None:
    expected = make_dataset(pyremotedata_workspace, count=12)
    assert [remote for _, remote in RemotePathIterator(pyremotedata_io, batch_size=5, clear_local=False)] == expected
    assert files_under(pyremotedata_io.lpwd()) == expected


def producer_threads():
    return [t for t in threading.enumerate() if t.name == "RemotePathIterator-producer"]


def test_breaking_early_stops_the_producer_and_cleans_up(pyremotedata_io, pyremotedata_workspace) -> None:
    make_dataset(pyremotedata_workspace, count=60)
    iterator = RemotePathIterator(pyremotedata_io, batch_size=4, max_queued_batches=3)
    for index, _pair in enumerate(iterator):
        if index == 5:
            break
    assert not iterator.download_thread.is_alive()
    assert producer_threads() == []
    assert files_under(pyremotedata_io.lpwd()) == []
    assert pyremotedata_io.ls() == [".folder_index.txt", "a/", "b/", "c/"]  # the handler still works


def test_an_exception_in_the_loop_body_stops_the_producer(pyremotedata_io, pyremotedata_workspace) -> None:
    make_dataset(pyremotedata_workspace, count=30)
    iterator = RemotePathIterator(pyremotedata_io, batch_size=4)
    with pytest.raises(KeyError):
        for index, _pair in enumerate(iterator):
            if index == 3:
                raise KeyError("consumer failed")
    iterator.download_thread.join(15)
    assert not iterator.download_thread.is_alive()
    assert files_under(pyremotedata_io.lpwd()) == []


def test_close_and_context_manager_are_safe_before_and_after_use(pyremotedata_io, pyremotedata_workspace) -> None:
    make_dataset(pyremotedata_workspace, count=10)
    with RemotePathIterator(pyremotedata_io, batch_size=3) as iterator:
        stream = iter(iterator)
        next(stream)
    assert not iterator.download_thread.is_alive()
    iterator.close()
    unused = RemotePathIterator(pyremotedata_io)
    unused.close()
    assert files_under(pyremotedata_io.lpwd()) == []


def test_a_file_missing_on_the_server_fails_fast_with_a_hint(pyremotedata_io, pyremotedata_workspace) -> None:
    make_dataset(pyremotedata_workspace, count=10)
    iterator = RemotePathIterator(pyremotedata_io, batch_size=3, retry_timeout=60)
    os.remove(pyremotedata_workspace.path(iterator.remote_paths[4]))
    started = time.monotonic()
    received = []
    with pytest.raises(RemoteFileNotFoundError, match="override=True"):
        for _local, remote in iterator:
            received.append(remote)
    assert time.monotonic() - started < 30
    assert received == iterator.remote_paths[:3]


def test_lftp_dying_mid_stream_is_retried_and_remounted(pyremotedata_io, pyremotedata_workspace) -> None:
    expected = make_dataset(pyremotedata_workspace, count=40)
    iterator = RemotePathIterator(pyremotedata_io, batch_size=4, max_queued_batches=1, retry_base_delay=0.05)
    seen = []
    for index, (local, remote) in enumerate(iterator):
        if index == 6:
            pyremotedata_io.lftp_shell.kill()
        assert open(local, "rb").read() == pyremotedata_workspace.path(remote).read_bytes()
        seen.append(remote)
    assert seen == expected
    assert pyremotedata_io.mounted and pyremotedata_io.pwd() == pyremotedata_workspace.remote_dir


def test_an_unreachable_server_ends_in_timeout_error(tmp_path) -> None:
    with LocalSFTPServer() as server:
        os.makedirs(server.path("ds"))
        for index in range(20):
            with open(server.path(f"ds/f{index:02d}"), "w") as handle:
                handle.write("x")
        kwargs = dict(server.mount_kwargs(), default_remote_dir=server.path("ds"))
        with IOHandler(local_dir=str(tmp_path), connect_timeout=5, **kwargs) as io:
            iterator = RemotePathIterator(io, batch_size=2, max_queued_batches=1, retry_base_delay=0.1,
                                          retry_max_delay=0.5, retry_timeout=3)
            started = time.monotonic()
            with pytest.raises(TimeoutError, match="retry_timeout=3"):
                for index, _pair in enumerate(iterator):
                    if index == 1:
                        server.stop()
            assert time.monotonic() - started < 60


def test_shuffle_subset_split_and_shard(pyremotedata_io, pyremotedata_workspace) -> None:
    expected = make_dataset(pyremotedata_workspace, count=30)
    iterator = RemotePathIterator(pyremotedata_io, batch_size=4)
    assert iterator.shuffle(seed=1).remote_paths != expected
    assert sorted(iterator.remote_paths) == expected
    same = RemotePathIterator(pyremotedata_io).shuffle(seed=1)
    assert same.remote_paths == iterator.remote_paths  # same seed, same order on every rank
    orders = []
    for _ in range(2):  # without a seed: the global random state, as upstream (random.seed applies)
        random.seed(7)
        orders.append(RemotePathIterator(pyremotedata_io).shuffle().remote_paths)
    assert orders[0] == orders[1] != expected

    fresh = RemotePathIterator(pyremotedata_io)
    assert fresh.subset(slice(0, 5)).remote_paths == expected[:5]
    assert RemotePathIterator(pyremotedata_io).subset([3, 1]).remote_paths == [expected[3], expected[1]]
    assert RemotePathIterator(pyremotedata_io).subset(2).remote_paths == [expected[2]]

    train, val = RemotePathIterator(pyremotedata_io).split(proportion=[0.8, 0.2])
    assert (len(train), len(val)) == (24, 6)
    assert train.remote_paths + val.remote_paths == expected
    first, second = RemotePathIterator(pyremotedata_io).split(indices=[[0, 2, 4], [1, 3]])
    assert first.remote_paths == [expected[0], expected[2], expected[4]]
    assert second.remote_paths == [expected[1], expected[3]]
    with pytest.raises(ValueError):
        RemotePathIterator(pyremotedata_io).split()
    assert [remote for _, remote in second] == [expected[1], expected[3]]  # a split streams on its own
    assert [remote for _, remote in val] == expected[24:]

    shards = [RemotePathIterator(pyremotedata_io).shard(rank, 4) for rank in range(4)]
    assert sorted(path for shard in shards for path in shard.remote_paths) == expected
    assert sum(len(shard) for shard in shards) == 30
    even = [RemotePathIterator(pyremotedata_io).shard(rank, 4, even=True) for rank in range(4)]
    assert {len(shard) for shard in even} == {7}
    with pytest.raises(ValueError):
        RemotePathIterator(pyremotedata_io).shard(4, 4)


def test_shard_reads_rank_and_world_size_from_the_environment(pyremotedata_io, pyremotedata_workspace,
                                                              monkeypatch) -> None:
    expected = make_dataset(pyremotedata_workspace, count=10)
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "3")
    assert RemotePathIterator(pyremotedata_io).shard().remote_paths == expected[1::3]


def test_workers_streaming_their_shards_concurrently_cover_the_dataset_once(pyremotedata_workspace,
                                                                           tmp_path) -> None:
    expected = make_dataset(pyremotedata_workspace, count=45)
    results = {}
    errors = []

    def worker(rank: int) -> None:
        try:
            local = tmp_path / f"rank{rank}"
            local.mkdir()
            with IOHandler(local_dir=str(local), **pyremotedata_workspace.mount_kwargs()) as io:
                iterator = RemotePathIterator(io, batch_size=4, store=False).shuffle(seed=7).shard(rank, 3)
                results[rank] = [remote for _local, remote in iterator]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(rank,)) for rank in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    streamed = [path for rank in range(3) for path in results[rank]]
    assert sorted(streamed) == expected and len(set(streamed)) == len(streamed)


def test_index_kwargs_and_remote_paths_assignment(pyremotedata_io, pyremotedata_workspace) -> None:
    expected = make_dataset(pyremotedata_workspace, count=12)
    filtered = RemotePathIterator(pyremotedata_io, pattern=r"^a/", store=False)
    assert filtered.remote_paths == [p for p in expected if p.startswith("a/")]
    assert not pyremotedata_workspace.path(".folder_index.txt").exists()
    limited = RemotePathIterator(pyremotedata_io, skip=2, nmax=3)
    assert limited.remote_paths == expected[2:5]
    limited.remote_paths = limited.remote_paths[:1]  # upstream users truncate the list directly
    assert [remote for _, remote in limited] == expected[2:3]


def test_progress_bar_with_and_without_tqdm(pyremotedata_io, pyremotedata_workspace, capsys, monkeypatch) -> None:
    expected = make_dataset(pyremotedata_workspace, count=6)
    assert [r for _, r in RemotePathIterator(pyremotedata_io, progress=True)] == expected
    assert "Streaming" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert [r for _, r in RemotePathIterator(pyremotedata_io, progress=True)] == expected
    assert "Streaming" not in capsys.readouterr().err


def _logins(server) -> int:
    with open(server.log_path, "r", encoding="utf-8", errors="replace") as handle:
        return handle.read().count("Accepted publickey")


@pytest.mark.parametrize("multiplex", [True, False])
def test_parallel_transfers_share_one_ssh_login_per_mount(pyremotedata_sshd, pyremotedata_workspace, tmp_path,
                                                          multiplex) -> None:
    """lftp's ten parallel connections run as channels of the mount's one SSH connection
    (no key exchange and login each), unless ssh_multiplex=False."""
    expected = make_dataset(pyremotedata_workspace, count=120, size=20_000)
    before = _logins(pyremotedata_sshd)
    kwargs = pyremotedata_workspace.mount_kwargs(ssh_multiplex=multiplex)
    with IOHandler(local_dir=str(tmp_path / "local"), **kwargs) as io:
        got = sorted(remote for _local, remote in RemotePathIterator(io, batch_size=20, batch_parallel=10))
    assert got == expected
    logins = _logins(pyremotedata_sshd) - before
    if multiplex:
        assert logins == 1, logins
    else:
        assert logins >= 5, logins


def test_stopping_mid_transfer_is_prompt_and_leaves_no_partial_files(pyremotedata_workspace, tmp_path) -> None:
    """A consumer that stops while big files are still arriving: the producer is cut off within
    seconds (lftp restarted, the mount re-established) and lftp's .in.* partials are removed."""
    make_dataset(pyremotedata_workspace, count=4, dirs=("big",), size=1_000_000)
    (pyremotedata_workspace.path("big/img_001.bin")).write_bytes(b"x" * 6_000_000)  # ~12 s at the limit
    (pyremotedata_workspace.path("big/img_002.bin")).write_bytes(b"y" * 6_000_000)
    kwargs = pyremotedata_workspace.mount_kwargs(lftp_settings={"net:limit-rate": "500000"})
    local = tmp_path / "local"
    with IOHandler(local_dir=str(local), **kwargs) as io:
        iterator = RemotePathIterator(io, batch_size=1, batch_parallel=2, max_queued_batches=2)
        stream = iter(iterator)
        next(stream)
        time.sleep(0.5)  # the next (big) transfers are under way, partly written
        began = time.monotonic()
        iterator.close()
        took = time.monotonic() - began
        assert took < 6, took
        assert not iterator.download_thread.is_alive()
        assert files_under(local) == []  # hidden partials included
        assert io.pwd() and "big/" in io.ls()  # re-mounted, still usable

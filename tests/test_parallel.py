"""Worker counts from the CPUs this process may use, BLAS held to one thread, work in
chunks and beside the caller.
"""

import io
import os
import threading

import numpy as np
import pytest

from heartgeo.parallel import (
    Background,
    SharedMemo,
    available_cpus,
    chunked,
    one_blas_thread,
    worker_count,
)
from heartgeo.progress import Progress


def _cgroup(tmp_path, **files):
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_available_cpus_follows_the_affinity_set_without_a_quota(tmp_path):
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert available_cpus(_cgroup(tmp_path, **{"cpu.max": "max 100000\n"})) == expected
    assert available_cpus(tmp_path / "missing") == expected


@pytest.mark.parametrize(
    ("files", "cap"),
    [
        ({"cpu.max": "50000 100000\n"}, 1),  # half a CPU: at least one thread
        ({"cpu.max": "150000 100000\n"}, 2),  # 1.5 CPUs: rounded up
        ({"cpu__cpu.cfs_quota_us": "100000\n", "cpu__cpu.cfs_period_us": "100000\n"}, 1),
        ({"cpu__cpu.cfs_quota_us": "-1\n"}, None),  # cgroup v1 without a limit
    ],
)
def test_a_cgroup_quota_caps_the_workers(tmp_path, files, cap):
    affinity = available_cpus(tmp_path / "missing")
    got = available_cpus(_cgroup(tmp_path, **files))
    assert got == (affinity if cap is None else min(cap, affinity))


def test_one_blas_thread_limits_and_restores():
    from threadpoolctl import threadpool_info

    np.ones((4, 4)) @ np.ones((4, 4))  # BLAS loaded
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    if not blas:
        pytest.skip("numpy has no BLAS library threadpoolctl can see")
    before = [i["num_threads"] for i in blas]
    with one_blas_thread():
        inside = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        assert inside == [1] * len(blas)
    after = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    assert after == before


def test_chunked_equals_one_call_in_chunks():
    import shapely

    rng = np.random.default_rng(0)
    boxes = shapely.box(*rng.uniform(0, 10, (2500, 2)).T, *rng.uniform(10, 20, (2500, 2)).T)
    disks = shapely.buffer(shapely.points(rng.uniform(5, 15, (2500, 2))), 3.0)
    calls = []

    def cut(a, b):
        calls.append(len(a))
        return shapely.intersection(a, b)

    want = shapely.intersection(boxes, disks)
    for workers, min_chunk in ((1, 1000), (2, 1000), (3, 700), (2, 5000)):
        calls.clear()
        got = chunked(cut, boxes, disks, workers=workers, min_chunk=min_chunk)
        assert len(got) == len(want) and shapely.equals_exact(got, want, 0).all()
        # one call per chunk, each at least min_chunk long (or the whole array)
        assert len(calls) == min(workers, max(1, len(boxes) // min_chunk))
        assert sum(calls) == len(boxes) and min(calls) >= min(min_chunk, len(boxes))


def test_a_background_job_runs_beside_the_caller_and_its_lines_come_in_one_piece():
    out = io.StringIO()
    progress = Progress(stream=out)
    started, release = threading.Event(), threading.Event()

    def job(p):
        with p.step("Loading the network"):
            started.set()
            assert release.wait(10)  # runs while the caller works
        p.info("  3 nodes")
        return 42

    job_ = Background(job, progress)
    assert started.wait(10)
    with progress.step("Loading boundaries"):
        release.set()
    assert "network" not in out.getvalue()  # held until the result is taken
    assert job_.result(progress) == 42
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Loading boundaries ... done")
    assert lines[1].startswith("Loading the network ... done")
    assert lines[2] == "  3 nodes"


def test_a_background_jobs_error_is_raised_by_its_result_after_its_lines():
    out = io.StringIO()
    progress = Progress(stream=out)

    def job(p):
        with p.step("Reading"):
            raise ValueError("bad file")

    with pytest.raises(ValueError, match="bad file"):
        Background(job, progress).result(progress)
    assert out.getvalue() == "Reading ... failed\n"
    quiet = io.StringIO()
    Background(lambda p: p.info("x"), Progress(quiet=True, stream=quiet)).result(
        Progress(quiet=True, stream=quiet)
    )
    assert quiet.getvalue() == ""


def test_a_job_with_one_worker_runs_at_once_on_the_callers_thread():
    out = io.StringIO()
    progress = Progress(stream=out)
    seen = []
    job = Background(
        lambda p: seen.append(threading.get_ident()) or p.info("done"), progress, workers=1
    )
    assert seen == [threading.get_ident()] and out.getvalue() == ""  # ran, lines held
    job.result(progress)
    assert out.getvalue() == "done\n"


def test_a_shared_memo_builds_each_key_once_while_threads_wait_for_it():
    memo, calls, release = SharedMemo(), [], threading.Event()

    def build(key):
        calls.append(key)
        release.wait(5)  # every thread asks while the first one builds
        return [key]

    values = []
    threads = [
        threading.Thread(target=lambda k=k: values.append(memo.get(k, lambda: build(k))))
        for k in ("a", "a", "a", "b")
    ]
    for t in threads:
        t.start()
    release.set()
    for t in threads:
        t.join()
    assert sorted(calls) == ["a", "b"]
    firsts = [v for v in values if v == ["a"]]
    assert len(firsts) == 3 and all(v is firsts[0] for v in firsts)  # one value, shared


def test_a_shared_memo_keeps_its_newest_values_and_retries_a_failed_build():
    memo = SharedMemo(size=2)
    for k in range(3):
        memo.get(k, lambda k=k: k * 10)
    assert memo.get(0, lambda: "again") == "again"  # the oldest went
    assert memo.get(2, lambda: "kept") == 20
    with pytest.raises(ZeroDivisionError):
        memo.get("bad", lambda: 1 / 0)
    assert memo.get("bad", lambda: "fine") == "fine"


def test_a_shared_memo_of_an_object_is_by_identity():
    memo = SharedMemo()
    a, b = [1], [1]  # equal, not the same object
    assert memo.of(a, "k", lambda: "a") == "a"
    assert memo.of(b, "k", lambda: "b") == "b"
    assert memo.of(a, "k", lambda: "again") == "a"


def test_a_background_job_tells_when_it_has_ended():
    release = threading.Event()
    progress = Progress(quiet=True, stream=io.StringIO())
    job = Background(lambda p: release.wait(5) and 7, progress, workers=2)
    assert not job.done()
    release.set()
    assert job.result(progress) == 7 and job.done()


def test_workers_given_as_a_function_are_asked_at_each_use():
    budget = [1]
    assert worker_count(lambda: budget[0]) == 1
    budget[0] = 3
    assert worker_count(lambda: budget[0]) == 3
    assert worker_count(lambda: None) == available_cpus()
    seen = []

    def cut(a, b):
        seen.append(len(a))
        return a + b

    values = np.arange(4000)
    budget[0] = 1
    assert (chunked(cut, values, values, workers=lambda: budget[0]) == 2 * values).all()
    budget[0] = 2
    assert (chunked(cut, values, values, workers=lambda: budget[0]) == 2 * values).all()
    assert seen[0] == 4000 and sorted(seen[1:]) == [2000, 2000]

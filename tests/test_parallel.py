"""Worker counts from the CPUs this process may use, and BLAS held to one thread."""

import os

import numpy as np
import pytest

from heartgeo.parallel import available_cpus, one_blas_thread


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

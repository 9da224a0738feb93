#!/usr/bin/env python3
"""Embeds the gluster placement engine from Python through ctypes (standard library only).

Usage: plan_volumes.py HEKETI_TOPOLOGY.json [LIBRARY.so]

The library defaults to $GP_LIBRARY, then to target/debug/libgluster_placement_ffi.so of the
workspace. Does what examples/c/plan_volumes.c does, with the same output lines (VERSION,
PLAN, COMMITTED, FAILED, MESSAGE, REASONS), plus a simulation (SIMULATE) of how many more
replica-3 volumes of 200 GiB fit. Exits 0 when everything behaved as expected.
"""

import ctypes
import json
import os
import sys
from pathlib import Path

# gp_result values used here (the header lists them all; the numbers never change).
GP_RESULT_OK = 0
GP_RESULT_INVALID_REQUEST = 5
GP_RESULT_INFEASIBLE = 6
GP_RESULT_BUFFER_TOO_SMALL = 9


class Cluster(ctypes.Structure):
    """Opaque gp_cluster: only ever used through a pointer."""


class GpString(ctypes.Structure):
    """Opaque gp_string: only ever used through a pointer."""


def load_library(path):
    lib = ctypes.CDLL(str(path))
    cluster_p = ctypes.POINTER(Cluster)
    string_p = ctypes.POINTER(GpString)
    u32 = ctypes.c_uint32
    signatures = {
        "gp_version": (ctypes.c_char_p, []),
        "gp_result_name": (ctypes.c_char_p, [u32]),
        "gp_cluster_new": (
            u32,
            [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(cluster_p)],
        ),
        "gp_cluster_free": (u32, [cluster_p]),
        "gp_cluster_commit": (u32, [cluster_p, ctypes.c_char_p]),
        "gp_plan": (u32, [cluster_p, ctypes.c_char_p, ctypes.c_uint64, ctypes.POINTER(string_p)]),
        "gp_simulate": (
            u32,
            [cluster_p, ctypes.c_char_p, ctypes.c_uint64, ctypes.c_size_t, ctypes.POINTER(string_p)],
        ),
        "gp_string_ptr": (ctypes.c_void_p, [string_p]),
        "gp_string_len": (ctypes.c_size_t, [string_p]),
        "gp_string_free": (u32, [string_p]),
        "gp_last_error_code": (u32, []),
        "gp_last_error_message": (
            u32,
            [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)],
        ),
        "gp_last_error_reasons_json": (u32, [ctypes.POINTER(string_p)]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


class PlacementError(Exception):
    """A failed call: the result code, its name, the message and the structured reasons."""

    def __init__(self, code, name, message, reasons):
        super().__init__(f"{name}: {message}")
        self.code = code
        self.name = name
        self.message = message
        self.reasons = reasons


class Engine:
    """A thin, safe wrapper: every gp_string is copied into Python and freed at once."""

    def __init__(self, lib):
        self.lib = lib

    def take_string(self, s):
        """Copies a library-owned string into Python and releases it."""
        try:
            return ctypes.string_at(self.lib.gp_string_ptr(s), self.lib.gp_string_len(s)).decode()
        finally:
            self.lib.gp_string_free(s)

    def error(self, code):
        needed = ctypes.c_size_t(0)
        # Ask for the size first; the answer includes the NUL terminator.
        self.lib.gp_last_error_message(None, 0, ctypes.byref(needed))
        buf = ctypes.create_string_buffer(needed.value)
        self.lib.gp_last_error_message(buf, needed.value, ctypes.byref(needed))
        reasons = ctypes.POINTER(GpString)()
        parsed = []
        if self.lib.gp_last_error_reasons_json(ctypes.byref(reasons)) == GP_RESULT_OK:
            parsed = json.loads(self.take_string(reasons))
        name = self.lib.gp_result_name(code).decode()
        return PlacementError(code, name, buf.value.decode(), parsed)

    def check(self, code):
        if code != GP_RESULT_OK:
            raise self.error(code)

    def cluster(self, topology: bytes, default_device_size: str):
        handle = ctypes.POINTER(Cluster)()
        self.check(
            self.lib.gp_cluster_new(
                topology, len(topology), default_device_size.encode(), ctypes.byref(handle)
            )
        )
        return handle

    def plan(self, cluster, request: dict, seed: int) -> str:
        out = ctypes.POINTER(GpString)()
        self.check(self.lib.gp_plan(cluster, json.dumps(request).encode(), seed, ctypes.byref(out)))
        return self.take_string(out)

    def simulate(self, cluster, request: dict, seed: int, count: int) -> dict:
        out = ctypes.POINTER(GpString)()
        self.check(
            self.lib.gp_simulate(
                cluster, json.dumps(request).encode(), seed, count, ctypes.byref(out)
            )
        )
        return json.loads(self.take_string(out))

    def commit(self, cluster, plan_json: str):
        self.check(self.lib.gp_cluster_commit(cluster, plan_json.encode()))


def print_error(name, e):
    print(f"FAILED {name} {e.name}")
    for line in e.message.splitlines():
        print(f"MESSAGE {line}")
    print(f"REASONS {json.dumps(e.reasons)}")


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    topology = Path(argv[1]).read_bytes()
    default_lib = Path(__file__).resolve().parents[3] / "target/debug/libgluster_placement_ffi.so"
    library = argv[2] if len(argv) == 3 else os.environ.get("GP_LIBRARY", default_lib)
    lib = load_library(library)
    engine = Engine(lib)
    print(f"VERSION {lib.gp_version().decode()}")

    ok = True
    cluster = engine.cluster(topology, "1TiB")
    try:
        for name, request, seed, role in [
            ("vol-r3", {"size": "100GiB", "volumetype": "replicate:3", "zone_checking": "strict"}, 1, "data"),
            (
                "vol-arbiter",
                {"size": "100GiB", "volumetype": "replicate:3", "arbiter": True, "zone_checking": "strict"},
                2,
                "arbiter",
            ),
        ]:
            try:
                plan_json = engine.plan(cluster, {"name": name, **request}, seed)
            except PlacementError as e:
                print_error(name, e)
                ok = False
                continue
            print(f"PLAN {name} {plan_json}")
            plan = json.loads(plan_json)
            for b in plan["bricks"]:
                print(f"  set {b['set']} {b['role']:7} zone {b['zone']} {b['storage_host']}:{b['path']} ({b['device']})")
            if plan["bricks"][-1]["role"] != role:
                print(f"UNEXPECTED: {name} ends with a {plan['bricks'][-1]['role']} brick", file=sys.stderr)
                ok = False
            try:
                engine.commit(cluster, plan_json)
            except PlacementError as e:
                print_error(name, e)
                ok = False
                continue
            print(f"COMMITTED {name}")

        for name, request, expected in [
            ("vol-nvme", {"name": "vol-nvme", "size": "10GiB", "device_tag_match": ["media=nvme"]}, GP_RESULT_INFEASIBLE),
            ("vol-typo", {"size": "10GiB", "replicas": 3}, GP_RESULT_INVALID_REQUEST),
        ]:
            try:
                plan_json = engine.plan(cluster, request, 3)
                print(f"UNEXPECTED: {name} was placed: {plan_json}", file=sys.stderr)
                ok = False
            except PlacementError as e:
                print_error(name, e)
                if e.code != expected:
                    print(f"UNEXPECTED: {name} failed with {e.name}", file=sys.stderr)
                    ok = False

        try:
            report = engine.simulate(cluster, {"size": "200GiB", "volumetype": "replicate:3"}, 10, 0)
            print(f"SIMULATE placed={report['placed']} max_over_mean={report['utilization']['max_over_mean']:.3f}")
        except PlacementError as e:
            print_error("simulate", e)
            ok = False
    finally:
        if lib.gp_cluster_free(cluster) != GP_RESULT_OK:
            ok = False
    print("OK" if ok else "NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

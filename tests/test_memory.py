"""The C heap's policy inside ``reused_heap``: large blocks come from the heap and stay there
while the block runs, and go back to the kernel after it (glibc only).

Each case runs in a fresh interpreter: whether glibc serves a block from the heap or maps it
depends on the free blocks that earlier allocations left behind."""

import subprocess
import sys
import textwrap

import pytest

from neurocast._memory import _glibc

HEAP = """
import ctypes
import numpy as np
from neurocast._memory import _glibc, reused_heap

MIB = 1 << 20


class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


libc = _glibc()
libc.mallinfo2.restype = Mallinfo2


def heap():  # (bytes the heaps hold from the kernel, bytes of blocks mapped one by one)
    info = libc.mallinfo2()
    return info.arena, info.hblkhd


def in_use():  # bytes of the heaps' blocks in use (mapped blocks not counted)
    return libc.mallinfo2().uordblks
"""


def _run(body: str) -> None:
    if _glibc() is None or not hasattr(_glibc(), "mallinfo2"):
        pytest.skip("needs glibc 2.33 or later (mallinfo2)")
    code = HEAP + textwrap.dedent(body)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_large_blocks_come_from_the_heap_inside_and_are_mapped_again_after():
    _run("""
        arena0, mapped0 = heap()
        used0 = in_use()
        with reused_heap():
            a = np.ones(64 * MIB, np.uint8)
            arena, mapped = heap()
            assert mapped == mapped0, "inside: a 64 MiB block must come from the heap"
            # the heap's free space at its top may serve part of it: count blocks in use
            assert in_use() >= used0 + 64 * MIB
            del a
            assert heap()[0] >= arena, "inside: freed memory is kept for reuse"
        assert heap()[0] <= arena0 + 16 * MIB, "after: freed memory goes back to the kernel"
        b = np.ones(64 * MIB, np.uint8)
        assert heap()[1] >= mapped0 + 64 * MIB, "after: large blocks are mapped again"
    """)


def test_nested_blocks_keep_the_policy_until_the_outer_one_ends():
    _run("""
        _, mapped0 = heap()
        with reused_heap():
            with reused_heap():
                pass
            a = np.ones(64 * MIB, np.uint8)
            assert heap()[1] == mapped0, "the inner block's end must not switch the policy off"
        b = np.ones(64 * MIB, np.uint8)
        assert heap()[1] >= mapped0 + 64 * MIB
    """)


def test_the_policy_ends_with_the_block_when_it_fails():
    _run("""
        _, mapped0 = heap()
        try:
            with reused_heap():
                raise RuntimeError("fitting failed")
        except RuntimeError:
            pass
        b = np.ones(64 * MIB, np.uint8)
        assert heap()[1] >= mapped0 + 64 * MIB, "after a failure: large blocks are mapped again"
    """)

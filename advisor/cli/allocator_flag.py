"""``--fast-allocator``: the opt-out of the heap behaviour advisor's training processes set
(allocator.py), the same flag and words on every command that trains."""

from __future__ import annotations

import argparse


def add_fast_allocator(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fast-allocator", action="store_true",
                   help="keep glibc's default allocator: faster steps (up to 1.7x measured on "
                        "small models), but freed memory stays with the process, so its peak "
                        "RSS is not the one RAM needed was fitted on")

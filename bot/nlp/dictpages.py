"""Keep the tagger's dictionary from filling a long batch process's memory (Linux only).

MeCab maps unidic-lite's ``sys.dic`` (188 MB) read-only and reads it where the words of each
text lead it; the kernel maps 64 KB around every page touched. Most of what piles up is the
section of per-word feature strings (lemma, reading, part of speech…), of which a text reads
only its own words': after a few thousand varied mails the process counts some 65 MB of it in
its resident set, on top of the trie, the word table and the connection matrix it needs for
every text. Those pages are clean file cache shared with every other process: dropping them
from this process's page tables (``madvise(MADV_DONTNEED)``) frees nothing anyone else uses,
changes no result, and costs a minor fault when a word's features are read again.

:func:`keep_within` is called by the batch classifier every few dozen mails. It reads
``/proc/self/statm`` and, over the limit, drops the feature section's pages (and, should
that not be enough, the rest of the dictionary's). Anywhere the files or the call are
missing (another OS, another dictionary layout) it does nothing.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import struct
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Final

import unidic_lite

# MeCab's dictionary header: ten 32-bit little-endian numbers (the number of entries at 3,
# the sizes of the trie, the word table and the feature strings at 6, 7 and 8), then a
# 32-byte charset name. The trie, the word table (one 16-byte entry per word) and the
# feature strings follow, in that order.
HEADER: Final = struct.Struct("<10I32s")
ENTRIES_FIELD: Final = 3
_TRIE_SIZE_FIELD: Final = 6
_WORDS_SIZE_FIELD: Final = 7
FEATURES_SIZE_FIELD: Final = 8
CHARSET_FIELD: Final = 10


def sections(header: tuple[int | bytes, ...]) -> tuple[int, int]:
    """Where a dictionary file's word table and feature strings start, from its header."""
    words = HEADER.size + int(header[_TRIE_SIZE_FIELD])
    return words, words + int(header[_WORDS_SIZE_FIELD])


def resident_bytes() -> int | None:
    """This process's resident set size now, or None where ``/proc`` is not there."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * mmap.PAGESIZE
    except (OSError, ValueError, IndexError):
        return None


def _feature_offset(path: Path) -> int | None:
    """Where the feature strings start in a MeCab system dictionary file."""
    try:
        with path.open("rb") as dictionary:
            header = HEADER.unpack(dictionary.read(HEADER.size))
    except (OSError, struct.error):
        return None
    return sections(header)[1]


def _mappings() -> list[tuple[int, int, int, str]]:
    """This process's mappings of the dictionary's files: start, end, file offset, file name."""
    folder = str(Path(unidic_lite.DICDIR).resolve())
    found = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                parts = line.split(maxsplit=5)
                # The kernel names a mapping by the file's real path.
                if len(parts) < 6 or not parts[5].startswith(folder + os.sep):
                    continue
                start, end = (int(address, 16) for address in parts[0].split("-"))
                found.append((start, end, int(parts[2], 16), parts[5].strip().rpartition("/")[2]))
    except (OSError, ValueError):
        return []
    return found


def _feature_ranges() -> list[tuple[int, int]]:
    """Address ranges of this process's mappings of the feature strings, page-aligned."""
    offset = _feature_offset(Path(unidic_lite.DICDIR) / "sys.dic")
    if offset is None:
        return []
    ranges = []
    for start, end, file_offset, name in _mappings():
        if name != "sys.dic":
            continue
        # Where the feature section falls in this mapping, rounded up to the next page: a
        # page shared with the word table stays.
        first = start + offset - file_offset
        first = max(start, -(-first // mmap.PAGESIZE) * mmap.PAGESIZE)
        if first < end:
            ranges.append((first, end))
    return ranges


def system_dictionary_mappings() -> dict[int, int]:
    """This process's mappings of the whole system dictionary file (``sys.dic``, mapped from
    its start, as MeCab maps it): start address → end address."""
    return {
        start: end for start, end, offset, name in _mappings() if name == "sys.dic" and not offset
    }


def mapped_bytes(start: int, end: int) -> memoryview:
    """The bytes of this process's memory from ``start`` to ``end``, read in place: the
    caller keeps whatever owns that mapping alive for as long as it keeps the view."""
    return memoryview((ctypes.c_char * (end - start)).from_address(start)).cast("B")


@cache
def _madvise() -> Callable[[int, int, int], int] | None:
    if not hasattr(mmap, "MADV_DONTNEED"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    function.restype = ctypes.c_int
    madvise: Callable[[int, int, int], int] = function
    return madvise


def _release(ranges: list[tuple[int, int]]) -> int:
    madvise = _madvise()
    if madvise is None:
        return 0
    released = 0
    for start, end in ranges:
        if madvise(start, end - start, mmap.MADV_DONTNEED) == 0:
            released += end - start
    return released


def release_features() -> int:
    """Drop the dictionary's feature pages from this process; the number of bytes advised."""
    # Read the mappings each time: the tagger may have been built (or rebuilt) since.
    return _release(_feature_ranges())


def release_dictionary() -> int:
    """Drop all of the dictionary's pages (trie, words, features, connection matrix)."""
    return _release([(start, end) for start, end, _, _ in _mappings()])


def keep_within(limit: int) -> bool:
    """Over ``limit`` bytes of resident memory, drop the dictionary's pages from this process.

    The feature strings go first; if that is not enough, the whole dictionary (whose hot
    pages every text then faults back in, a few milliseconds' work). Returns whether
    anything was dropped.
    """
    resident = resident_bytes()
    if resident is None or resident <= limit:
        return False
    released = release_features()
    resident = resident_bytes()
    if resident is not None and resident > limit:
        released += release_dictionary()
    return released > 0

"""A minimal baseline JPEG writer for the example shop's "photo of the damage".

Real buyers attach phone photos; the demo needs a small, valid JPEG whose bytes never change,
whatever image library is installed. Each 8x8 block is one flat grey level, so only DC
coefficients are coded (every AC run is an immediate end-of-block) and the encoder stays tiny.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

# Annex K.3 of the JPEG standard: the usual luminance DC table (code counts per length, symbols).
_DC_COUNTS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_SYMBOLS = tuple(range(12))
# An AC table with a single symbol, end-of-block (0x00), coded as the one-bit code "0".
_AC_COUNTS = (1, *([0] * 15))
_AC_SYMBOLS = (0x00,)
_QUANT = 8  # DC of a flat block is 8 * (level - 128): dividing by 8 keeps it in one byte range


def _canonical_codes(counts: Sequence[int], symbols: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Huffman code (value, length) per symbol, assigned the canonical JPEG way."""
    codes: dict[int, tuple[int, int]] = {}
    code = 0
    index = 0
    for length, count in enumerate(counts, start=1):
        for _ in range(count):
            codes[symbols[index]] = (code, length)
            code += 1
            index += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self._acc = 0
        self._nbits = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self._acc = (self._acc << 1) | ((value >> shift) & 1)
            self._nbits += 1
            if self._nbits == 8:
                self._emit(self._acc)
                self._acc = 0
                self._nbits = 0

    def _emit(self, byte: int) -> None:
        self.out.append(byte)
        if byte == 0xFF:  # a coded 0xFF must be stuffed so it is not read as a marker
            self.out.append(0x00)

    def flush(self) -> bytes:
        if self._nbits:
            pad = 8 - self._nbits
            self._emit(((self._acc << pad) | ((1 << pad) - 1)) & 0xFF)
            self._acc = 0
            self._nbits = 0
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


def grey_blocks_jpeg(levels: Sequence[Sequence[int]]) -> bytes:
    """A greyscale baseline JPEG whose 8x8 blocks have the given grey levels (rows of 0-255)."""
    rows = len(levels)
    cols = len(levels[0])
    if rows == 0 or any(len(row) != cols for row in levels):
        raise ValueError("levels must be a non-empty rectangle")
    dc_codes = _canonical_codes(_DC_COUNTS, _DC_SYMBOLS)
    ac_codes = _canonical_codes(_AC_COUNTS, _AC_SYMBOLS)
    bits = _BitWriter()
    previous = 0
    for row in levels:
        for level in row:
            dc = round(8 * (level - 128) / _QUANT)
            diff = dc - previous
            previous = dc
            category = abs(diff).bit_length()
            bits.write(*dc_codes[category])
            if category:
                bits.write(diff if diff > 0 else diff + (1 << category) - 1, category)
            bits.write(*ac_codes[0x00])
    scan = bits.flush()
    jfif = b"JFIF\x00" + struct.pack(">BBBHHBB", 1, 1, 1, 72, 72, 0, 0)
    quant = bytes([0x00]) + bytes([_QUANT] * 64)
    frame = struct.pack(">BHHB", 8, rows * 8, cols * 8, 1) + bytes([1, 0x11, 0])
    dc_table = bytes([0x00, *_DC_COUNTS, *_DC_SYMBOLS])
    ac_table = bytes([0x10, *_AC_COUNTS, *_AC_SYMBOLS])
    start_of_scan = bytes([1, 1, 0x00, 0, 63, 0])
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, jfif),
            _segment(0xDB, quant),
            _segment(0xC0, frame),
            _segment(0xC4, dc_table),
            _segment(0xC4, ac_table),
            _segment(0xDA, start_of_scan),
            scan,
            b"\xff\xd9",
        )
    )

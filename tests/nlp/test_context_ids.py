"""The tagger's token lines name one context id: unidic-lite's entries all have left id = right id."""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

import pytest
import unidic_lite

from bot.nlp import tokens

# A compiled MeCab dictionary: ten 32-bit header fields, a 32-byte charset name, the double
# array, then one 16-byte token per entry (left id, right id, pos id, cost, feature, compound).
_HEADER = struct.Struct("<10I")
_TOKEN_SIZE = 16


def _left_and_right_ids(path: Path) -> tuple[int, bytes, bytes]:
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        fields = _HEADER.unpack_from(data)
        lexsize, dsize, tsize = fields[3], fields[6], fields[7]
        assert tsize == lexsize * _TOKEN_SIZE
        start = _HEADER.size + 32 + dsize
        table = memoryview(data)[start : start + tsize]
        try:
            # Bytes 0-1 of each token are its left id, bytes 2-3 its right id.
            left = bytes(table[0::_TOKEN_SIZE]) + bytes(table[1::_TOKEN_SIZE])
            right = bytes(table[2::_TOKEN_SIZE]) + bytes(table[3::_TOKEN_SIZE])
        finally:
            table.release()
        return lexsize, left, right


@pytest.mark.parametrize("name", ["sys.dic", "unk.dic"])
def test_every_dictionary_entry_has_equal_left_and_right_ids(name: str) -> None:
    entries, left, right = _left_and_right_ids(Path(unidic_lite.DICDIR) / name)
    assert entries > (100_000 if name == "sys.dic" else 10)
    assert left == right


def test_the_context_id_definitions_are_the_same_file() -> None:
    directory = Path(unidic_lite.DICDIR)
    assert (directory / "left-id.def").read_bytes() == (directory / "right-id.def").read_bytes()


def test_a_token_line_names_the_id_cost_and_surface() -> None:
    output = tokens.tagger().parse("荷物が届かない")
    lines = output.split("\n")
    assert [line.split(" ")[2] for line in lines] == ["荷物", "が", "届か", "ない"]
    assert all(len(line.split(" ")) == 3 for line in lines)
    unknown = tokens.tagger().parse("ｑｚｘ")
    assert unknown.startswith("U")

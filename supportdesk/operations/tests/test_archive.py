"""The archive format on its own (no database): what goes in comes out, and every way of
spoiling an archive is refused with a sentence naming where."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportdesk.operations import archive
from supportdesk.operations.archive import (
    ArchiveHeaderDamaged,
    ArchiveTruncated,
    ArchiveWriter,
    ChunkDamaged,
    NotAnArchive,
    UnknownBackupKey,
    WrongBackupKey,
    archive_open,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
CHUNK = 64
FRAME = 5  # flag + length


def seal(data: bytes, *, chunk_size: int = CHUNK, key: bytes = KEY, key_id: str = "b1") -> bytes:
    out = io.BytesIO()
    writer = ArchiveWriter(out, key_id=key_id, key=key, chunk_size=chunk_size, level=0)
    for start in range(0, len(data), 1000):
        writer.write(data[start : start + 1000])
    writer.close()
    return out.getvalue()


def keys(**ring: bytes):
    ring = ring or {"b1": KEY}

    def key_for(key_id: str) -> bytes:
        if key_id not in ring:
            raise UnknownBackupKey(f"no key {key_id}")
        return ring[key_id]

    return key_for


def unseal(blob: bytes, **ring: bytes) -> bytes:
    reader = archive_open(io.BytesIO(blob), key_for=keys(**ring))
    return b"".join(reader.chunks())


def header_size(blob: bytes) -> int:
    return 123 + blob[10]


def frames(blob: bytes) -> list[tuple[int, int]]:
    """(offset, total size) of each chunk frame."""
    found, offset = [], header_size(blob)
    while offset < len(blob):
        size = struct.unpack(">I", blob[offset + 1 : offset + 5])[0]
        found.append((offset, FRAME + size))
        offset += FRAME + size
    return found


DATA = os.urandom(40 * CHUNK)  # incompressible: about 40 chunks at level 0


def test_what_goes_in_comes_out() -> None:
    blob = seal(DATA)
    assert unseal(blob) == DATA
    assert len(frames(blob)) > 17


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), chunk_size=st.integers(min_value=1, max_value=300))
def test_any_data_and_chunk_size_round_trip(data: bytes, chunk_size: int) -> None:
    assert unseal(seal(data, chunk_size=chunk_size)) == data


def test_a_large_dump_compresses_and_is_given_back_in_bounded_pieces() -> None:
    data = b"COPY public.cases_case FROM stdin;\n" * 200_000  # 7 MB, very compressible
    out = io.BytesIO()
    writer = ArchiveWriter(out, key_id="b1", key=KEY)
    writer.write(data)
    writer.close()
    assert len(out.getvalue()) < len(data) // 50
    reader = archive_open(io.BytesIO(out.getvalue()), key_for=keys())
    pieces = list(reader.chunks())
    assert b"".join(pieces) == data
    assert max(len(piece) for piece in pieces) <= archive.OUTPUT_PIECE


def test_the_header_names_the_key_and_holds_no_key() -> None:
    blob = seal(DATA)
    assert blob[:8] == b"SDBACKUP" and blob[8] == 1 and blob[9] == 1
    assert blob[11 : 11 + blob[10]] == b"b1"
    assert KEY not in blob
    assert archive.key_check(KEY) in blob  # an HMAC of the key, not the key


def test_nonces_and_keys_differ_between_archives() -> None:
    one, two = seal(DATA), seal(DATA)
    h = header_size(one)
    assert one[11 + 2 : 11 + 2 + 48] != two[11 + 2 : 11 + 2 + 48]  # archive id and salt
    assert one[h:] != two[h:]  # same data, same key: different ciphertext throughout


def test_a_wrong_key_is_refused_before_anything_is_read_past_the_header() -> None:
    blob = seal(DATA)
    with pytest.raises(WrongBackupKey, match="b1 here is not the key this archive was made with"):
        archive_open(io.BytesIO(blob), key_for=keys(b1=OTHER_KEY), first_chunk=False)


def test_a_key_id_not_in_the_ring_is_refused() -> None:
    with pytest.raises(UnknownBackupKey):
        archive_open(io.BytesIO(seal(DATA, key_id="b0")), key_for=keys())


def test_a_file_that_is_no_archive_is_refused() -> None:
    with pytest.raises(NotAnArchive, match="not a supportdesk backup archive"):
        unseal(b"PGDMP\x01\x0e\x00" + os.urandom(200))


@pytest.mark.parametrize("offset", [9, 11, 14, 40, 70, 100, 120])
def test_accidental_damage_to_the_header_is_told_as_such(offset: int) -> None:
    blob = bytearray(seal(DATA))
    blob[offset] ^= 0x01
    with pytest.raises((ArchiveHeaderDamaged, NotAnArchive)):
        unseal(bytes(blob))


def test_a_header_altered_on_purpose_fails_its_mac() -> None:
    blob = bytearray(seal(DATA))
    size = header_size(bytes(blob))
    blob[11 + 2 + 50] ^= 0x01  # inside the created-at time
    blob[size - 4 : size] = struct.pack(">I", zlib.crc32(bytes(blob[: size - 4])))
    with pytest.raises(ArchiveHeaderDamaged, match="was altered"):
        unseal(bytes(blob))


def test_a_flipped_byte_names_its_chunk() -> None:
    blob = bytearray(seal(DATA))
    offset, size = frames(bytes(blob))[16]
    blob[offset + size - 3] ^= 0x80
    with pytest.raises(ChunkDamaged, match="Chunk 17 of the archive is damaged") as refused:
        unseal(bytes(blob))
    assert refused.value.number == 17


def test_two_chunks_swapped_are_found() -> None:
    blob = seal(DATA)
    parts = frames(blob)
    (a, a_size), (b, b_size) = parts[4], parts[5]
    swapped = blob[:a] + blob[b : b + b_size] + blob[a : a + a_size] + blob[b + b_size :]
    with pytest.raises(ChunkDamaged, match="Chunk 5 "):
        unseal(swapped)


def test_a_chunk_left_out_is_found() -> None:
    blob = seal(DATA)
    offset, size = frames(blob)[9]
    with pytest.raises(ChunkDamaged, match="Chunk 10 "):
        unseal(blob[:offset] + blob[offset + size :])


def test_a_chunk_from_another_archive_is_found() -> None:
    one, two = seal(DATA), seal(DATA)
    offset, size = frames(one)[3]
    other_offset, _ = frames(two)[3]
    mixed = one[:offset] + two[other_offset : other_offset + size] + one[offset + size :]
    with pytest.raises(ChunkDamaged, match="Chunk 4 "):
        unseal(mixed)


def test_an_archive_cut_at_a_chunk_boundary_is_truncated_after_that_chunk() -> None:
    blob = seal(DATA)
    offset, _ = frames(blob)[12]
    with pytest.raises(ArchiveTruncated, match="ends after chunk 12: it is truncated") as cut:
        unseal(blob[:offset])
    assert cut.value.after == 12


def test_an_archive_cut_inside_a_chunk_is_truncated_after_the_one_before() -> None:
    blob = seal(DATA)
    offset, size = frames(blob)[7]
    with pytest.raises(ArchiveTruncated, match="ends after chunk 7"):
        unseal(blob[: offset + size // 2])


def test_an_archive_cut_after_its_header_is_truncated() -> None:
    blob = seal(DATA)
    with pytest.raises(ArchiveTruncated, match="ends after its header"):
        unseal(blob[: header_size(blob)])


def test_the_last_chunk_must_say_it_is_last() -> None:
    blob = bytearray(seal(DATA))
    offset, _ = frames(bytes(blob))[-1]
    blob[offset] = 0  # "more chunks follow": the tag no longer matches
    last = len(frames(bytes(blob)))
    with pytest.raises(ChunkDamaged, match=f"Chunk {last} "):
        unseal(bytes(blob))


def test_a_middle_chunk_cannot_be_made_the_last() -> None:
    blob = bytearray(seal(DATA))
    offset, _ = frames(bytes(blob))[2]
    blob[offset] = 1
    with pytest.raises(ChunkDamaged, match="Chunk 3 "):
        unseal(bytes(blob))


def test_bytes_after_the_last_chunk_are_refused() -> None:
    blob = seal(DATA)
    with pytest.raises(ChunkDamaged, match="goes on after its last chunk"):
        unseal(blob + b"\0")


def test_a_length_beyond_the_chunk_size_is_damage_not_a_huge_read() -> None:
    blob = bytearray(seal(DATA))
    offset, _ = frames(bytes(blob))[0]
    blob[offset + 1 : offset + 5] = struct.pack(">I", 2**31)
    with pytest.raises(ChunkDamaged, match="Chunk 1 "):
        unseal(bytes(blob))


def test_an_empty_dump_is_one_last_chunk() -> None:
    blob = seal(b"")
    assert len(frames(blob)) == 1
    assert unseal(blob) == b""

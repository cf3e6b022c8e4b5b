"""The backup archive: a database dump, compressed, then sealed in chunks with AES-256-GCM.

Nothing here knows of PostgreSQL or Django models: bytes go in, an archive comes out, and back.
docs/operations.md draws the layout; in short (all integers big-endian):

    header
      0    8  magic "SDBACKUP"
      8    1  format version (1)
      9    1  compression (1 = zlib)
     10    1  n, the length of the backup key id (1-32)
     11    n  backup key id (ASCII): which key of SUPPORTDESK_BACKUP_KEY opens the archive
    +0    16  archive id (random)
    +16   32  salt (random)
    +48    8  created at (Unix seconds)
    +56    4  chunk size: the most plaintext bytes a chunk holds
    +60   16  key check: HMAC-SHA256(backup key, "supportdesk.backup.key-check|v1"), first 16 bytes
    +76   32  header MAC: HMAC-SHA256(header key, every header byte before it)
    +108   4  CRC-32 of every header byte before it
    chunks, one after another
           1  0 = more chunks follow, 1 = the last chunk
           4  L, the length of what follows (16 to chunk size + 16)
           L  AES-256-GCM(chunk key, nonce, plaintext, associated data): ciphertext and tag

Keys: the archive holds none. HKDF-SHA256(backup key, salt, info="supportdesk.backup|v1|" +
archive id) gives 64 bytes: the chunk key, then the header key. Every archive has its own salt and
so its own keys, and within an archive chunk N has nonce `0000 0000 | N (8 bytes)`, N counting from
1: a nonce never repeats under a key. Each chunk's associated data is `archive id | N (8 bytes) |
last flag (1 byte)`, so a chunk moved to another place or archive, a chunk left out, a last chunk
cut off and any changed byte all fail to open, and the reader names the first chunk that did.

Telling problems apart, before anything is written anywhere:
- the CRC catches accidental damage to the header ("the header is damaged");
- the key check tells a wrong key from a damaged archive ("made with a different key");
- the header MAC catches a header altered on purpose (its CRC recomputed).
"""

from __future__ import annotations

import hmac
import os
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

from supportdesk.errors import ApplicationError

MAGIC = b"SDBACKUP"
FORMAT_VERSION = 1
COMPRESSION_ZLIB = 1
ARCHIVE_ID_SIZE = 16
SALT_SIZE = 32
KEY_CHECK_SIZE = 16
MAC_SIZE = 32
TAG_SIZE = 16
CHUNK_SIZE = 1 << 20  # 1 MiB of compressed dump per chunk
MAX_CHUNK_SIZE = 16 << 20  # a reader refuses a header asking for more
KEY_CHECK_INFO = b"supportdesk.backup.key-check|v1"
SUBKEY_INFO = b"supportdesk.backup|v1|"
OUTPUT_PIECE = 1 << 20  # a reader yields at most this many plaintext bytes at a time

_FIXED = struct.Struct(">8sBBB")  # magic, version, compression, key id length
_MIDDLE = struct.Struct(f">{ARCHIVE_ID_SIZE}s{SALT_SIZE}sQI")  # archive id, salt, created, chunk
_FRAME = struct.Struct(">BI")  # last flag, sealed length
_COUNTER = struct.Struct(">Q")
MORE, LAST = 0, 1


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class ArchiveError(ApplicationError):
    """The archive cannot be read: each subclass says why in one sentence."""


class NotAnArchive(ArchiveError):
    pass


class ArchiveHeaderDamaged(ArchiveError):
    pass


class UnknownBackupKey(ArchiveError):
    pass


class WrongBackupKey(ArchiveError):
    pass


class ChunkDamaged(ArchiveError):
    def __init__(self, number: int, message: str) -> None:
        super().__init__(message)
        self.number = number


class ArchiveTruncated(ArchiveError):
    def __init__(self, after: int, message: str) -> None:
        super().__init__(message)
        self.after = after


@dataclass(frozen=True)
class Header:
    key_id: str
    archive_id: bytes
    salt: bytes
    created_at: int  # Unix seconds
    chunk_size: int
    key_check: bytes
    mac: bytes
    raw: bytes  # every byte of the header, as read or written


def key_check(key: bytes) -> bytes:
    """What the header says about its key, without giving any of it away."""
    return hmac.digest(key, KEY_CHECK_INFO, "sha256")[:KEY_CHECK_SIZE]


def _subkeys(key: bytes, *, salt: bytes, archive_id: bytes) -> tuple[AESGCM, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=salt, info=SUBKEY_INFO + archive_id
    ).derive(key)
    return AESGCM(material[:32]), material[32:]


def _nonce(number: int) -> bytes:
    return b"\0\0\0\0" + _COUNTER.pack(number)


def _associated_data(archive_id: bytes, number: int, flag: int) -> bytes:
    return archive_id + _COUNTER.pack(number) + bytes([flag])


def _header_bytes(
    *, key_id: str, archive_id: bytes, salt: bytes, created_at: int, chunk_size: int, check: bytes
) -> bytes:
    encoded = key_id.encode("ascii")
    return (
        _FIXED.pack(MAGIC, FORMAT_VERSION, COMPRESSION_ZLIB, len(encoded))
        + encoded
        + _MIDDLE.pack(archive_id, salt, created_at, chunk_size)
        + check
    )


class ArchiveWriter:
    """Write an archive to `out` as data arrives: compress, cut into chunks, seal each.

    Call `write` with the dump's bytes, then `close` once (it seals the last chunk). Holds at most
    one chunk of compressed data in memory, however large the dump."""

    def __init__(
        self,
        out: Writable,
        *,
        key_id: str,
        key: bytes,
        chunk_size: int = CHUNK_SIZE,
        level: int = 6,
        archive_id: bytes | None = None,
    ) -> None:
        self.archive_id = archive_id or os.urandom(ARCHIVE_ID_SIZE)
        if len(self.archive_id) != ARCHIVE_ID_SIZE:
            raise ValueError("An archive id is 16 bytes.")
        salt = os.urandom(SALT_SIZE)
        self._aead, header_key = _subkeys(key, salt=salt, archive_id=self.archive_id)
        self._out, self._chunk_size = out, chunk_size
        self._compressor = zlib.compressobj(level)
        self._pending = bytearray()
        self.chunks = self.plain_bytes = 0
        body = _header_bytes(
            key_id=key_id,
            archive_id=self.archive_id,
            salt=salt,
            created_at=int(time.time()),
            chunk_size=chunk_size,
            check=key_check(key),
        )
        body += hmac.digest(header_key, body, "sha256")
        out.write(body + struct.pack(">I", zlib.crc32(body)))

    def write(self, data: bytes) -> None:
        self.plain_bytes += len(data)
        self._pending += self._compressor.compress(data)
        # Strictly more than a chunk: what is left at close() is never empty, so the last chunk
        # carries data (only an empty dump makes an empty last chunk).
        while len(self._pending) > self._chunk_size:
            self._seal(bytes(self._pending[: self._chunk_size]), MORE)
            del self._pending[: self._chunk_size]

    def close(self) -> None:
        self._pending += self._compressor.flush()
        while len(self._pending) > self._chunk_size:
            self._seal(bytes(self._pending[: self._chunk_size]), MORE)
            del self._pending[: self._chunk_size]
        self._seal(bytes(self._pending), LAST)
        self._pending.clear()

    def _seal(self, plain: bytes, flag: int) -> None:
        self.chunks += 1
        number = self.chunks
        sealed = self._aead.encrypt(
            _nonce(number), plain, _associated_data(self.archive_id, number, flag)
        )
        self._out.write(_FRAME.pack(flag, len(sealed)) + sealed)


def _read_exactly(source: Readable, size: int) -> bytes:
    data = source.read(size)
    while len(data) < size:
        more = source.read(size - len(data))
        if not more:
            break
        data += more
    return data


def _header_damaged() -> ArchiveHeaderDamaged:
    return ArchiveHeaderDamaged(_("The archive's header is damaged: the archive cannot be read."))


def read_header(source: Readable) -> Header:
    """Parse the header; raise NotAnArchive or ArchiveHeaderDamaged. Checks no key yet."""
    fixed = _read_exactly(source, _FIXED.size)
    if len(fixed) < _FIXED.size or fixed[: len(MAGIC)] != MAGIC:
        raise NotAnArchive(_("This file is not a supportdesk backup archive."))
    _magic, version, compression, key_id_size = _FIXED.unpack(fixed)
    rest_size = key_id_size + _MIDDLE.size + KEY_CHECK_SIZE + MAC_SIZE + 4
    rest = _read_exactly(source, rest_size) if 1 <= key_id_size <= 32 else b""
    raw = fixed + rest
    if len(rest) != rest_size or zlib.crc32(raw[:-4]) != struct.unpack(">I", raw[-4:])[0]:
        raise ArchiveHeaderDamaged(
            _("The archive's header is damaged: the archive cannot be read.")
        )
    if version != FORMAT_VERSION or compression != COMPRESSION_ZLIB:
        raise NotAnArchive(
            _("This archive is of format %(version)s, which this version cannot read.")
            % {"version": version}
        )
    offset = _FIXED.size
    key_id = raw[offset : offset + key_id_size].decode("ascii", errors="replace")
    offset += key_id_size
    archive_id, salt, created_at, chunk_size = _MIDDLE.unpack_from(raw, offset)
    offset += _MIDDLE.size
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ArchiveHeaderDamaged(
            _("The archive's header is damaged: the archive cannot be read.")
        )
    return Header(
        key_id=key_id,
        archive_id=archive_id,
        salt=salt,
        created_at=created_at,
        chunk_size=chunk_size,
        key_check=raw[offset : offset + KEY_CHECK_SIZE],
        mac=raw[offset + KEY_CHECK_SIZE : offset + KEY_CHECK_SIZE + MAC_SIZE],
        raw=raw,
    )


class ArchiveReader:
    """Open an archive whose header was read: check the key, then give the dump back in pieces.

    The key is checked in the constructor, so a wrong key is refused before anything is written
    anywhere. `chunks()` raises ChunkDamaged or ArchiveTruncated at the first bad chunk, after
    giving back only what came before it (the caller must not keep that: see restore)."""

    def __init__(self, source: Readable, header: Header, *, key: bytes) -> None:
        if not hmac.compare_digest(key_check(key), header.key_check):
            raise WrongBackupKey(
                _(
                    "The backup key %(key_id)s here is not the key this archive was made with: "
                    "restore with the key it was made with."
                )
                % {"key_id": header.key_id}
            )
        self._aead, header_key = _subkeys(key, salt=header.salt, archive_id=header.archive_id)
        body = header.raw[: -(MAC_SIZE + 4)]
        if not hmac.compare_digest(hmac.digest(header_key, body, "sha256"), header.mac):
            raise ArchiveHeaderDamaged(
                _("The archive's header was altered: the archive cannot be trusted.")
            )
        self._source, self.header = source, header
        self.chunks_read = 0
        self._first: bytes | None = None
        self._first_last = False

    def open_first_chunk(self) -> None:
        """Read and open chunk 1 now (a wrong or damaged start is refused before any output)."""
        if self._first is None and self.chunks_read == 0:
            self._first, self._first_last = self._next_chunk()

    def _next_chunk(self) -> tuple[bytes, bool]:
        number = self.chunks_read + 1
        frame = _read_exactly(self._source, _FRAME.size)
        if len(frame) < _FRAME.size:
            raise self._truncated()
        flag, size = _FRAME.unpack(frame)
        if flag not in (MORE, LAST) or not TAG_SIZE <= size <= self.header.chunk_size + TAG_SIZE:
            raise self._damaged(number)
        sealed = _read_exactly(self._source, size)
        if len(sealed) < size:
            raise self._truncated()
        try:
            plain = self._aead.decrypt(
                _nonce(number), sealed, _associated_data(self.header.archive_id, number, flag)
            )
        except InvalidTag:
            raise self._damaged(number) from None
        self.chunks_read = number
        return plain, flag == LAST

    def _damaged(self, number: int) -> ChunkDamaged:
        return ChunkDamaged(
            number,
            _(
                "Chunk %(number)s of the archive is damaged: it was altered, or chunks are "
                "missing or out of order."
            )
            % {"number": number},
        )

    def _truncated(self) -> ArchiveTruncated:
        after = self.chunks_read
        if after == 0:
            return ArchiveTruncated(0, _("The archive ends after its header: it is truncated."))
        return ArchiveTruncated(
            after,
            _("The archive ends after chunk %(number)s: it is truncated.") % {"number": after},
        )

    def sealed_chunks(self) -> Iterator[bytes]:
        """The compressed dump, chunk by chunk, each opened and checked."""
        if self._first is not None:
            first, last = self._first, self._first_last
            self._first = None
            yield first
            if last:
                self._check_end()
                return
        while True:
            plain, last = self._next_chunk()
            yield plain
            if last:
                self._check_end()
                return

    def _check_end(self) -> None:
        if self._source.read(1):
            raise ChunkDamaged(
                self.chunks_read + 1,
                _("The archive goes on after its last chunk (chunk %(number)s): it was altered.")
                % {"number": self.chunks_read},
            )

    def chunks(self) -> Iterator[bytes]:
        """The dump itself, decompressed, in pieces of at most OUTPUT_PIECE bytes."""
        decompressor = zlib.decompressobj()
        for sealed in self.sealed_chunks():
            data = sealed
            while data:
                try:
                    piece = decompressor.decompress(data, OUTPUT_PIECE)
                except zlib.error:
                    raise self._damaged(self.chunks_read) from None
                if piece:
                    yield piece
                data = decompressor.unconsumed_tail
        # Every chunk opened, so this can only fail for an archive written by a broken writer.
        if not decompressor.eof or decompressor.unused_data:
            raise self._damaged(self.chunks_read)


def archive_open(
    source: Readable, *, key_for: Callable[[str], bytes], first_chunk: bool = True
) -> ArchiveReader:
    """Read the header, find its key (`key_for(key id)` raises UnknownBackupKey when there is
    none), check it, and open the first chunk: every refusal that needs no more than that."""
    header = read_header(source)
    reader = ArchiveReader(source, header, key=key_for(header.key_id))
    if first_chunk:
        reader.open_first_chunk()
    return reader

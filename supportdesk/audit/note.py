"""Signed notes (C2SP signed-note) and transparency-log checkpoints (C2SP tlog-checkpoint), Ed25519.

A checkpoint is the text

    <origin>
    <tree size>
    <root hash, base64>

signed as a note: the text, an empty line, then one line per signature,
`— <key name> base64(key id || Ed25519 signature of the text)`. The key id is the first four bytes
of SHA-256(key name || 0x0A || 0x01 || public key). Keys are written as Go's
golang.org/x/mod/sumdb/note writes them:

    signing key   PRIVATE+KEY+<name>+<key id, 8 hex digits>+base64(0x01 || 32-byte seed)
    verifier key  <name>+<key id, 8 hex digits>+base64(0x01 || 32-byte public key)

so that the tools of Go's checksum database, Sigstore and Tessera read our checkpoints. The log's
origin is the key's name. No Django here: the off-host signer uses this module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 1
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
MAX_SIGNATURES = 100
_NAME = re.compile(r"[^\s+]+")
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A malformed key, note or checkpoint, or a signature that does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise NoteError("not base64") from error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise NoteError("a key name is not empty and has no spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key is <name>+<key id>+<base64 key>")
        name, hex_id, encoded = parts
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("not an Ed25519 verifier key")
        key = cls(_check_name(name), raw[1:])
        if hex_id != key.key_id.hex():
            raise NoteError("the verifier key's id does not match its name and key")
        return key

    def encode(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([ALG_ED25519]) + self.public_key)}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> SignerKey:
        seed = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(_check_name(name), seed)

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signing key is PRIVATE+KEY+<name>+<key id>+<base64 key>")
        name, hex_id, encoded = parts[2:]
        raw = _b64decode(encoded)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("not an Ed25519 signing key")
        key = cls(_check_name(name), raw[1:])
        if hex_id != key.verifier().key_id.hex():
            raise NoteError("the signing key's id does not match its name and key")
        return key

    def encode(self) -> str:
        key_hex = self.verifier().key_id.hex()
        return f"PRIVATE+KEY+{self.name}+{key_hex}+{_b64(bytes([ALG_ED25519]) + self.seed)}"

    def verifier(self) -> VerifierKey:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return VerifierKey(self.name, _raw_public(public))

    def sign(self, text: str) -> str:
        """The signed note: `text`, an empty line, and this key's signature line."""
        body = _check_text(text)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(body)
        blob = _b64(self.verifier().key_id + signature)
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {blob}\n"


def _check_text(text: str) -> bytes:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("a note's text ends with a newline and has no empty line")
    if any(ord(char) < 0x20 and char != "\n" for char in text):
        raise NoteError("a note's text has no control characters but newlines")
    return text.encode()


def open_note(note: str, verifier: VerifierKey) -> str:
    """The text of `note` if `verifier` signed it; NoteError otherwise."""
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("not a signed note: no empty line before the signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    body = _check_text(text)
    lines = signatures.split("\n")
    if lines[-1] != "" or len(lines) - 1 > MAX_SIGNATURES:
        raise NoteError("a signed note ends with a newline after at most 100 signatures")
    for line in lines[:-1]:
        if not line.startswith(SIGNATURE_PREFIX) or line.count(" ") != 2:
            raise NoteError("malformed signature line")
        name, blob = line[len(SIGNATURE_PREFIX) :].split(" ")
        raw = _b64decode(blob)
        if name == verifier.name and raw[:4] == verifier.key_id:
            if verifier.verify(body, raw[4:]):
                return text
            raise NoteError(f"the signature of {name} does not verify")
    raise NoteError(f"the note is not signed by {verifier.name} with this key")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Strict on the three lines; extension lines after them are allowed and ignored."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
            raise NoteError("a checkpoint is origin, tree size and root hash, one per line")
        origin, size, root = lines[0], lines[1], _b64decode(lines[2])
        if not _SIZE.fullmatch(size) or len(root) != 32 or not origin:
            raise NoteError("a checkpoint's tree size is decimal and its root 32 bytes")
        return cls(origin, int(size), root)

    @property
    def root_b64(self) -> str:
        return _b64(self.root)


def open_checkpoint(note: str, verifier: VerifierKey) -> Checkpoint:
    """The checkpoint in a signed note, if the log's key signed it for the log's origin."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if checkpoint.origin != verifier.name:
        raise NoteError(f"the checkpoint is for {checkpoint.origin}, not {verifier.name}")
    return checkpoint

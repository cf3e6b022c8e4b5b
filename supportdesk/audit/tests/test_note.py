"""Signed notes and checkpoints, byte for byte as C2SP and Go's golang.org/x/mod/sumdb/note
write them (the known answers are from Go's package documentation and the C2SP spec)."""

from __future__ import annotations

import base64

import pytest

from supportdesk.audit import merkle
from supportdesk.audit.note import (
    Checkpoint,
    NoteError,
    SignerKey,
    VerifierKey,
    open_checkpoint,
    open_note,
)

GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
SPEC_VERIFIER = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def test_signing_reproduces_the_go_reference_note() -> None:
    key = SignerKey.parse(GO_SIGNER)
    assert key.encode() == GO_SIGNER
    assert key.verifier().encode() == GO_VERIFIER
    assert key.sign(GO_TEXT) == GO_NOTE
    assert open_note(GO_NOTE, VerifierKey.parse(GO_VERIFIER)) == GO_TEXT


def test_the_c2sp_example_note_verifies() -> None:
    assert open_note(SPEC_NOTE, VerifierKey.parse(SPEC_VERIFIER)) == "This is an example message.\n"


@pytest.mark.parametrize(
    "note",
    [
        GO_NOTE.replace("problem is", "problem was"),  # text changed
        GO_NOTE.replace("x08go", "x08gp"),  # signature changed
        GO_TEXT,  # no signature
        GO_NOTE.replace("PeterNeumann", "Someone"),  # another signer's name
    ],
)
def test_a_changed_or_unsigned_note_is_refused(note: str) -> None:
    with pytest.raises(NoteError):
        open_note(note, VerifierKey.parse(GO_VERIFIER))


def test_a_note_signed_by_another_key_is_refused() -> None:
    other = SignerKey.generate("PeterNeumann")
    with pytest.raises(NoteError):
        open_note(other.sign(GO_TEXT), VerifierKey.parse(GO_VERIFIER))


def test_keys_with_a_wrong_id_are_refused() -> None:
    with pytest.raises(NoteError):
        VerifierKey.parse(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(NoteError):
        SignerKey.parse(GO_SIGNER.replace("c74f20a3", "c74f20a4"))


def test_a_checkpoint_is_the_c2sp_three_lines() -> None:
    root = merkle.root_of([merkle.leaf_hash(b"")])
    checkpoint = Checkpoint("desk.example.org/audit", 1, root)
    assert checkpoint.text() == (f"desk.example.org/audit\n1\n{base64.b64encode(root).decode()}\n")
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    # Extension lines are allowed and ignored.
    assert Checkpoint.parse(checkpoint.text() + "extension\n") == checkpoint


@pytest.mark.parametrize(
    "text",
    [
        "desk.example.org/audit\n01\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n",
        "desk.example.org/audit\n-1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n",
        "desk.example.org/audit\n1\nbjQLnP+zepicpUTmu3gKLHiQ=\n",
        "desk.example.org/audit\n1\n",
        "desk.example.org/audit\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


def test_a_checkpoint_for_another_origin_is_refused() -> None:
    key = SignerKey.generate("desk.example.org/audit")
    note = key.sign(Checkpoint("other.example.org/log", 3, bytes(32)).text())
    with pytest.raises(NoteError, match=r"other\.example\.org"):
        open_checkpoint(note, key.verifier())

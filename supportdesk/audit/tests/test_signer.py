"""The signer signs only a checkpoint that extends the last one it signed, in-process and as the
command a remote host runs (stdin, stdout, exit status)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supportdesk.audit import merkle
from supportdesk.audit.note import Checkpoint, SignerKey, open_checkpoint
from supportdesk.audit.signer import (
    EXIT_CONFLICT,
    EXIT_REFUSED,
    CheckpointSigner,
    Conflict,
    Refused,
    Signed,
    SignRequest,
    write_signer_key,
)

ORIGIN = "desk.example.org/audit"
LEAVES = [merkle.leaf_hash(f"event {n}".encode()) for n in range(20)]
NODES = merkle.all_nodes(LEAVES)


def checkpoint(size: int, leaves: list[bytes] = LEAVES) -> Checkpoint:
    return Checkpoint(ORIGIN, size, merkle.root_of(leaves[:size]))


def request(old: int, new: int, leaves: list[bytes] = LEAVES) -> SignRequest:
    nodes = merkle.all_nodes(leaves)
    return SignRequest(
        old=old, proof=merkle.consistency_proof(old, new, nodes), checkpoint=checkpoint(new, leaves)
    )


@pytest.fixture
def key() -> SignerKey:
    return SignerKey.generate(ORIGIN)


@pytest.fixture
def signer(key: SignerKey, tmp_path: Path) -> CheckpointSigner:
    return CheckpointSigner(key=key, state_path=tmp_path / "state.json")


def signed(answer: Signed | Conflict) -> str:
    assert isinstance(answer, Signed), answer
    return answer.note


def test_the_first_checkpoint_is_signed_and_remembered(
    signer: CheckpointSigner, key: SignerKey
) -> None:
    note = signed(signer.sign(request(0, 5)))
    assert open_checkpoint(note, key.verifier()) == checkpoint(5)
    assert '"size": 5' in signer.state_path.read_text()


def test_a_checkpoint_that_extends_the_last_one_is_signed(signer: CheckpointSigner) -> None:
    signed(signer.sign(request(0, 5)))
    signed(signer.sign(request(5, 13)))
    signed(signer.sign(request(13, 13)))  # the same tree again: the same note


def test_a_checkpoint_inconsistent_with_the_last_one_signed_is_refused(
    signer: CheckpointSigner,
) -> None:
    signed(signer.sign(request(0, 8)))
    rewritten = LEAVES[:3] + LEAVES[4:]  # the fourth event deleted, the rest moved up
    with pytest.raises(Refused, match="does not extend"):
        signer.sign(request(8, 12, rewritten))
    # Nor does a proof made for the genuine log help a different root through.
    forged = SignRequest(
        old=8, proof=merkle.consistency_proof(8, 12, NODES), checkpoint=checkpoint(12, rewritten)
    )
    with pytest.raises(Refused):
        signer.sign(forged)
    assert '"size": 8' in signer.state_path.read_text()  # nothing signed, nothing remembered


def test_a_smaller_tree_is_refused(signer: CheckpointSigner) -> None:
    signed(signer.sign(request(0, 8)))
    with pytest.raises(Refused, match="fewer"):
        signer.sign(SignRequest(old=8, proof=[], checkpoint=checkpoint(6)))


def test_the_same_size_with_another_root_is_refused(signer: CheckpointSigner) -> None:
    signed(signer.sign(request(0, 8)))
    with pytest.raises(Refused):
        signer.sign(SignRequest(old=8, proof=[], checkpoint=checkpoint(8, LEAVES[1:])))


def test_a_wrong_old_size_gets_the_signers_own(signer: CheckpointSigner) -> None:
    signed(signer.sign(request(0, 8)))
    assert signer.sign(request(5, 10)) == Conflict(8)


def test_another_logs_checkpoint_is_refused(signer: CheckpointSigner) -> None:
    other = SignRequest(old=0, proof=[], checkpoint=Checkpoint("other.example/log", 1, LEAVES[0]))
    with pytest.raises(Refused, match="signs for"):
        signer.sign(other)


def test_the_request_survives_its_text_form() -> None:
    original = request(5, 13)
    assert SignRequest.parse(original.encode()) == original


def run_signer(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the project's own module
        [sys.executable, "-m", "supportdesk.audit.signer", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_signs_answers_conflicts_and_refuses(tmp_path: Path, key: SignerKey) -> None:
    key_file, state = tmp_path / "signing.key", tmp_path / "state.json"
    write_signer_key(key_file, key)
    args = ("sign", "--key", str(key_file), "--state", str(state))

    first = run_signer(*args, stdin=request(0, 8).encode())
    assert first.returncode == 0, first.stderr
    assert open_checkpoint(first.stdout, key.verifier()) == checkpoint(8)

    conflict = run_signer(*args, stdin=request(0, 12).encode())
    assert (conflict.returncode, conflict.stdout) == (EXIT_CONFLICT, "size 8\n")

    rewritten = LEAVES[:3] + LEAVES[4:]
    refused = run_signer(*args, stdin=request(8, 12, rewritten).encode())
    assert refused.returncode == EXIT_REFUSED
    assert "does not extend" in refused.stderr


def test_the_command_makes_and_reads_key_files(tmp_path: Path) -> None:
    made = run_signer("generate-key", "--name", ORIGIN, str(tmp_path / "k"))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    shown = run_signer("public-key", "--key", str(tmp_path / "k"))
    assert shown.stdout == made.stdout and made.stdout.startswith(ORIGIN + "+")
    again = run_signer("generate-key", "--name", ORIGIN, str(tmp_path / "k"))
    assert again.returncode == 1  # never overwrites a key


def test_manage_py_runs_the_same_signer(tmp_path: Path, key: SignerKey) -> None:
    write_signer_key(tmp_path / "k", key)
    result = subprocess.run(  # noqa: S603 - the project's own manage.py
        [sys.executable, "manage.py", "audit_signer", "public-key", "--key", str(tmp_path / "k")],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key.verifier().encode()

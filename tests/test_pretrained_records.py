"""Training stages shipped as their manifest record alone (sadyn/solver/pretrained/__init__.py): listed apart from
the loadable checkpoints, refused by pretrained_path with the way out, found as a fine-tune's start by their
weights digest, and retrained by ``--full`` from their command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sadyn as sd
import sadyn.solver.pretrained as pretrained
from sadyn.reproduce import _core

RECORD = "itrsa9-rms-stage1"  # a real stage, turned into a record in a copy of the manifest


@pytest.fixture
def manifest(monkeypatch):
    real = json.loads((Path(pretrained.__file__).parent / "manifest.json").read_text())
    entry = dict(real["models"][RECORD], file=None, eval=[], weights_sha256="f" * 64)
    fake = {"models": {**real["models"], RECORD: entry}}
    monkeypatch.setattr(pretrained, "_manifest", lambda: fake)
    return fake


def test_a_record_is_listed_but_not_loadable(manifest):
    assert RECORD not in pretrained.pretrained_models() and RECORD not in sd.pretrained_models()
    assert RECORD in pretrained.pretrained_records() and "itrsa9-rms" in pretrained.pretrained_models()
    assert pretrained.pretrained_info(RECORD)["command"].startswith("sadyn train")
    with pytest.raises(ValueError, match=r"shipped as its record alone .* pretrained_info\('itrsa9-rms-stage1'\)"):
        pretrained.pretrained_path(RECORD)
    with pytest.raises(ValueError, match="record alone"):
        sd.load_pretrained(RECORD)


def test_a_fine_tune_finds_its_record_by_the_weights_digest(manifest):
    assert pretrained.shipped_parent({"path": "x/best.pt", "sha256": "0" * 64, "weights_sha256": "f" * 64}) == RECORD
    assert pretrained.shipped_parent({"path": "x/best.pt", "sha256": "0" * 64, "weights_sha256": "e" * 64}) is None
    assert pretrained.shipped_parent({"path": "x/best.pt", "sha256": "0" * 64}) is None


def test_full_retrains_a_record_stage_from_its_command(manifest, tmp_path, monkeypatch):
    """itrsa9-rms's stage as a record: --full retrains it from the record's command and updates, then fine-tunes."""
    from problems import recording_train

    calls: list = []
    monkeypatch.setattr(sd, "train", recording_train(calls))
    monkeypatch.setattr(pretrained, "shipped_parent", lambda init: RECORD)  # the fine-tune's file names the record
    best = _core.retrain("itrsa9-rms", tmp_path / "itrsa9-rms")
    assert best == tmp_path / "itrsa9-rms" / "best.pt"
    updates = manifest["models"][RECORD]["training"]["updates_total"]
    assert calls[0] == (RECORD, None, 100, updates)  # the command's 100 epochs, cut at the record's updates
    assert calls[1][0] == "itrsa9-rms" and calls[1][1] == str(tmp_path / RECORD / "best.pt")


def test_a_record_fine_tune_keeps_its_start_in_the_manifest():
    """akorn9-stage3 and -stage4 ship as their records alone and are themselves fine-tunes: shipped_start reads a
    record's start from the manifest (a file's from the checkpoint), so the chain akorn9 -> stage4 -> stage3 ->
    stage2 resolves by digest alone."""
    for record in ("akorn9-stage3", "akorn9-stage4"):
        assert pretrained.pretrained_info(record)["file"] is None
    assert pretrained.shipped_parent(pretrained.shipped_start("akorn9")) == "akorn9-stage4"
    assert pretrained.shipped_parent(pretrained.shipped_start("akorn9-stage4")) == "akorn9-stage3"
    assert pretrained.shipped_parent(pretrained.shipped_start("akorn9-stage3")) == "akorn9-stage2"
    assert pretrained.shipped_start("itrsa9-h1-stage1") is None and pretrained.shipped_start("itrsa4-rms") is None


def test_a_record_fine_tune_without_its_start_cannot_be_retrained(manifest, tmp_path):
    """A record whose manifest lost ``init_from`` has no known start: --full refuses with the way out."""
    manifest["models"]["akorn9-stage3"] = {
        k: v for k, v in manifest["models"]["akorn9-stage3"].items() if k != "init_from"
    }
    assert pretrained.shipped_start("akorn9-stage3") is None
    with pytest.raises(ValueError, match="cannot retrain 'akorn9-stage3'.*not a shipped checkpoint"):
        _core.retrain("akorn9-stage3", tmp_path / "akorn9-stage3")


def _make_pretrained():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "maintenance" / "make_pretrained.py"
    spec = importlib.util.spec_from_file_location("make_pretrained", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demoting_a_shipped_stage_keeps_what_its_fine_tune_finds_it_by(monkeypatch):
    """make_pretrained's ``demoted`` (how akorn9-stage3 and -stage4 were made): the record of the shipped akorn9 has
    no file, the same evaluation, its start's init_from, and the digest that a fine-tune of akorn9 finds it by."""
    from sadyn.solver import load_checkpoint

    mp = _make_pretrained()
    monkeypatch.setitem(mp.MODELS, "akorn9-next", ("a test record", "nothing", (16,), (1,)))
    monkeypatch.setattr(mp, "RECORD_ONLY", {*mp.RECORD_ONLY, "akorn9-next"})
    entry = pretrained.pretrained_info("akorn9")
    ckpt = load_checkpoint(pretrained.pretrained_path("akorn9"), check_versions=False)
    record = mp.demoted(entry, ckpt, "akorn9-next")
    assert record["file"] is None and record["description"] == "a test record" and entry["file"] == "akorn9.pt"
    assert record["eval"] == entry["eval"] and record["command"] == entry["command"]
    assert record["init_from"] == pretrained.shipped_start("akorn9")
    fake = {"models": {**pretrained._manifest()["models"], "akorn9-next": record}}
    fake["models"].pop("akorn9")  # akorn9's next stage has shipped over its file
    monkeypatch.setattr(pretrained, "_manifest", lambda: fake)
    child = {
        "path": "sadyn/solver/pretrained/akorn9.pt",
        "sha256": "0" * 64,
        "weights_sha256": record["weights_sha256"],
    }
    assert pretrained.shipped_parent(child) == "akorn9-next"
    assert pretrained.shipped_parent(pretrained.shipped_start("akorn9-next")) == "akorn9-stage4"
    with pytest.raises(ValueError, match="add 'akorn9-later' to MODELS and RECORD_ONLY"):
        mp.demoted(entry, ckpt, "akorn9-later")

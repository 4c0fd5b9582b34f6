"""Re-save every shipped checkpoint with its EMA weights alone, in the current format (with its own digest).

    python scripts/maintenance/repack_shipped.py

Files shipped before 2026-12-02 hold both the raw training weights and the EMA weights, though evaluation, every
figure and ``load_pretrained`` use only the EMA (1.38 MB per 9x9 file instead of 0.69 MB). This writes each file
as ``make_pretrained.py`` now ships one (the same ``_strip``), so the EMA weights, config, data digests, history and
metrics stay exactly as they were; only the raw weights go. A fine-tune whose ``init_from`` names a shipped file by
its sha256 gets that file's ``weights_sha256`` (the digest of the EMA weights it loaded) before the bytes change,
so :func:`sadyn.solver.pretrained.shipped_parent` still finds its stage. Idempotent: an EMA-only file is left as is.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "maintenance"))

from make_pretrained import _strip, with_start_weights  # noqa: E402

from sadyn.solver import load_checkpoint, save_checkpoint  # noqa: E402
from sadyn.solver.integrity import SHIPPED_DIR, weights_digest  # noqa: E402


def repack() -> list[str]:
    """Repack every shipped file that still holds raw weights; returns the names rewritten."""
    files = sorted(SHIPPED_DIR.glob("*.pt"))
    ckpts = {p: load_checkpoint(p, check_versions=False) for p in files}  # verifies every digest first
    # every fine-tune's start weights, looked up while all files still have their shipped bytes
    starts = {p: with_start_weights(c.get("init_from"), files) for p, c in ckpts.items()}
    done = []
    for path, ckpt in ckpts.items():
        if ckpt.get("model") is None and starts[path] == ckpt.get("init_from"):
            continue
        if ckpt.get("init_from"):
            ckpt["init_from"] = starts[path]
        before = weights_digest(ckpt["ema"])
        payload = _strip(ckpt)
        payload.pop("digest", None)  # save_checkpoint writes the new one
        save_checkpoint(path, payload)
        after = load_checkpoint(path, check_versions=False)
        assert weights_digest(after["ema"]) == before and after["model"] is None, path.name
        done.append(path.stem)
    return done


if __name__ == "__main__":
    names = repack()
    print(f"repacked {len(names)} files: {', '.join(names) or 'none'}")

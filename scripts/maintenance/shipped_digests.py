"""Write sadyn/solver/pretrained/digests.json: the sha256 digests of the shipped checkpoints that carry none.

    python scripts/maintenance/shipped_digests.py

Checkpoints of format 1 (sadyn 0.1) have no ``digest`` field; :func:`sadyn.solver.load_checkpoint` checks a shipped
one against this file instead, so a changed byte in a shipped weight is refused like in any newer checkpoint.
Run it after ``scripts/maintenance/make_pretrained.py`` only for files that still have format 1 (files it writes now
carry their own digest and are left out). ``tests/test_checkpoint_integrity.py`` checks that the file is current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sadyn.solver.integrity import SHIPPED_DIR, digests  # noqa: E402


def shipped_digests() -> dict[str, dict[str, str]]:
    """``{file name: digests}`` for every shipped .pt file without a digest of its own."""
    out = {}
    for path in sorted(SHIPPED_DIR.glob("*.pt")):
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        if ckpt.get("digest") is None:
            out[path.name] = digests(ckpt)
    return out


def main() -> None:
    text = {
        "about": "sha256 digests of the shipped format-1 checkpoints (no digest field of their own); "
        "written by scripts/maintenance/shipped_digests.py, checked by sadyn.solver.load_checkpoint",
        "files": shipped_digests(),
    }
    (SHIPPED_DIR / "digests.json").write_text(json.dumps(text, indent=1) + "\n")
    print(f"{len(text['files'])} files -> {SHIPPED_DIR / 'digests.json'}")


if __name__ == "__main__":
    main()

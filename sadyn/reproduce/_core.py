"""What every reproduction shares: settings, verdicts, the result record, and trained-solver helpers.

A reproduction measures numbers, judges each of the paper's claims by a stated criterion with :func:`judge`
("holds", "does not hold" or "inconclusive") and draws one figure, in separate functions (see
:mod:`sadyn.reproduce`); the runner gathers them in a :class:`Result`, which :func:`save` writes once as
``<out>/<figure>.json`` beside ``<out>/<figure>.png``.

Settings: ``"test"`` (tiny, for the unit tests), ``"quick"`` (shipped checkpoints, minutes on 2 CPU cores) and
``"full"`` (larger samples; trained figures first retrain each shipped checkpoint from its manifest command,
:func:`retrain`). An internal fourth, ``"smoke"``, runs quick's models and variants (:func:`choose`) at test's sample sizes (:func:`pick`): the
test that every figure's quick path runs uses it, so a quick-only model choice cannot break unnoticed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from torch import Tensor

__all__ = [
    "SETTINGS",
    "VERDICTS",
    "Claim",
    "Result",
    "judge",
    "save",
    "pick",
    "choose",
    "retrain",
    "solver",
    "exponents",
    "long_run_exponents",
    "TRANSIENT",
    "retrain_command",
    "jsonable",
    "measured",
    "listed",
    "generic_cause",
    "compare",
    "available",
]

Setting = Literal["test", "quick", "full", "smoke"]  # "smoke" (SMOKE): the tests' tiniest run, not on the CLI
SETTINGS: tuple[Setting, ...] = ("test", "quick", "full")
SMOKE: Setting = "smoke"
VERDICTS = ("holds", "does not hold", "inconclusive")


@dataclass(frozen=True)
class Claim:
    """One claim of the paper, judged: ``verdict`` follows from ``evidence`` by ``criterion``."""

    claim: str
    criterion: str
    evidence: dict[str, Any]
    verdict: str
    # for a claim that does not hold: the measured reason, a sentence built from the evidence
    # (sadyn.reproduce.causes; REPRODUCTION.md prints it beside the claim)
    cause: str = ""


@dataclass
class Result:
    """One reproduced figure: the numbers behind it, the judged claims, where its PNG is, how long it took."""

    figure: str
    title: str
    paper: str
    setting: str
    ours: str
    differences: str
    numbers: dict[str, Any]
    claims: list[Claim]
    png: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The short text table the CLI prints: one line per claim, then its criterion."""
        lines = [f"{self.figure}: {self.title}  [{self.setting}, {self.seconds:.0f} s]"]
        for c in self.claims:
            lines.append(f"  [{c.verdict:^13}] {c.claim}")
            lines.append(f"                  criterion: {c.criterion}")
            shown = ", ".join(f"{k}={_short(v)}" for k, v in c.evidence.items())
            lines.append(f"                  measured:  {shown}")
        return "\n".join(lines)


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)) and len(v) > 8:
        return "[" + ", ".join(_short(x) for x in v[:8]) + ", ...]"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    return str(v)


def judge(claim: str, criterion: str, holds: bool | None, **evidence: Any) -> Claim:
    """A :class:`Claim` with verdict "holds" (``holds`` true), "does not hold" (false) or "inconclusive" (None).

    Non-finite evidence makes the verdict inconclusive: a NaN never decides a claim.
    """
    values = [v for v in evidence.values() if isinstance(v, float)]
    if holds is not None and any(not math.isfinite(v) for v in values):
        holds = None
    verdict = "inconclusive" if holds is None else ("holds" if bool(holds) else "does not hold")
    return Claim(claim, criterion, jsonable(evidence), verdict)


def measured(claim: Claim, key: str) -> float:
    """A number of ``claim``'s evidence as a float (NaN where it is missing, not finite or not a number), for
    the sentences of :mod:`sadyn.reproduce.causes`."""
    try:
        return float(claim.evidence.get(key, math.nan))
    except (TypeError, ValueError):
        return math.nan


def listed(claim: Claim, key: str, spec: str = "+.3f") -> str:
    """A list of ``claim``'s evidence formatted with ``spec`` (``"[a, b, ...]"``), for the same sentences."""
    values = claim.evidence.get(key) or []
    return "[" + ", ".join(format(v, spec) if isinstance(v, (int, float)) else str(v) for v in values) + "]"


def generic_cause(claim: Claim) -> str:
    """The fallback reason of a claim that does not hold: its measured numbers against its criterion."""
    shown = ", ".join(f"{k} = {_short(v)}" for k, v in claim.evidence.items() if k != "reason")
    return f"measured {shown}; the criterion asks: {claim.criterion}"


def jsonable(x: Any) -> Any:
    """Tensors, arrays and numpy scalars as plain lists and floats; NaN/inf as strings (valid JSON)."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else str(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


def save(result: Result, fig: Any, out: Path) -> Result:
    """Write ``<out>/<figure>.png`` (small: 80 dpi) and ``<out>/<figure>.json``; return ``result`` with ``png`` set."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    png = out / f"{result.figure}.png"
    fig.savefig(png, dpi=80, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    result.png = png.name
    record = asdict(result)
    record["numbers"] = jsonable(record["numbers"])
    (out / f"{result.figure}.json").write_text(json.dumps(record, indent=1) + "\n")
    return result


def pick(setting: Setting, test: Any, quick: Any, full: Any) -> Any:
    """A sample size (puzzles, steps, grid points) for ``setting``; the smoke run takes the test value."""
    if setting == SMOKE:
        return test
    if setting not in SETTINGS:
        raise ValueError(f"`setting` must be one of {SETTINGS}, got {setting!r}.")
    return {"test": test, "quick": quick, "full": full}[setting]


def choose(setting: Setting, test: Any, quick: Any, full: Any) -> Any:
    """Which models or variants to evaluate at ``setting``; the smoke run takes the quick choice."""
    return pick("quick" if setting == SMOKE else setting, test, quick, full)


# ---------------------------------------------------------------------------------------------- trained solvers
def retrain_command(name: str, folder: Path, *, epochs: int | None = None) -> list[str]:
    """The argv (after ``sadyn``) that retrains shipped checkpoint ``name`` into ``folder``: its manifest command
    with ``--out`` replaced (and ``--epochs``, if ``epochs`` is given)."""
    from ..solver.pretrained import pretrained_info

    argv = shlex.split(pretrained_info(name)["command"])[1:]
    changes = [("--out", str(folder))] + ([] if epochs is None else [("--epochs", str(int(epochs)))])
    for flag, value in changes:
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    return argv


def retrain(name: str, folder: Path, *, epochs: int | None = None) -> Path:
    """Retrain shipped checkpoint ``name`` from its manifest command (:func:`retrain_command`) into ``folder`` with
    :func:`sadyn.train`; returns the best checkpoint's path.

    The run stops after as many updates as the shipped run made (the manifest's ``training.updates_total``), so a
    run that its time box ended early (``itrsa9-rms-stage1``: 38 of the command's 100 epochs, 28 batches into the
    39th) is retrained to the same point, not to its nominal epochs; a given ``epochs`` trains exactly those
    epochs instead. A ``folder`` holding a partial retrain resumes it.

    A fine-tune (e.g. ``itrsa9-rms``, which starts from ``itrsa9-rms-stage1``) first retrains the stage it started
    from into ``folder``'s sibling ``<stage>`` (reused when present) and starts from that result, so the whole
    recipe is rerun (from the stage's best.pt, or its last.pt where ``shipped.toml`` says so). The stage is the
    shipped checkpoint whose file or weights digest the fine-tune recorded
    (``init_from``, :func:`sadyn.solver.pretrained.shipped_parent`); the path in its command is the machine's that
    trained it."""
    import sadyn as sd

    from ..solver import pretrained
    from ..solver._flags import config_from_argv
    from ..solver.pretrained import shipped_parent, shipped_start
    from ..solver.sweep import expand, load_spec

    folder = Path(folder)
    config = config_from_argv(retrain_command(name, folder, epochs=epochs)[1:])  # drop "train"
    if config.init_from is not None:
        stage = shipped_parent(shipped_start(name))
        if stage is None:
            raise ValueError(
                f"cannot retrain {name!r}: it fine-tunes {config.init_from!r}, which is not a shipped checkpoint "
                f"(no shipped file has the sha256 or the weights it recorded); retrain that run first and pass its "
                f"best.pt as --init-from."
            )
        # the stage's file the fine-tune starts from, as shipped.toml plans it: best.pt, or last.pt (the state a
        # time-boxed stage ended at); the path in the recorded command is the training machine's
        planned = {r.name: r.config for r in expand(load_spec(Path(pretrained.__file__).parent / "shipped.toml"))}
        start = folder.parent / stage / Path(planned[name].init_from or "best.pt").name
        if not start.is_file():
            best = retrain(stage, folder.parent / stage)
            start = best if start.name == "best.pt" else start
        config = dataclasses.replace(config, init_from=str(start))
    left = None if epochs is not None else _updates_left(name, folder)
    if left == 0:  # an earlier retrain got there: nothing to add
        return folder / "best.pt" if (folder / "best.pt").is_file() else folder / "last.pt"
    result = sd.train(config, folder, max_batches=left)
    return Path(result.best or result.last)


def _updates_left(name: str, folder: Path) -> int | None:
    """Updates still to make in ``folder`` to reach the shipped run's ``updates_total``: all of them in a new folder,
    fewer where a retrain was interrupted (its ``last.pt``); None where the manifest does not record the count."""
    from ..solver.checkpoint import load_checkpoint
    from ..solver.pretrained import pretrained_info

    total = (pretrained_info(name).get("training") or {}).get("updates_total")
    if total is None:
        return None
    last = Path(folder) / "last.pt"
    done = int(load_checkpoint(last)["progress"]["update"]) if last.is_file() else 0
    return max(int(total) - done, 0)


_CACHE: dict[tuple[str, str, str], Any] = {}


def solver(name: str, setting: Setting, out: Path | None = None):
    """The trained :class:`~sadyn.models.SudokuSolver` ``name``: the shipped checkpoint ("test",
    "quick"), or for "full" the same run retrained from its manifest command into ``<out>/checkpoints/<name>``
    (:func:`retrain`; reused when present)."""
    key = (name, setting, str(out))
    if key in _CACHE:
        return _CACHE[key]
    if setting == "full":
        import sadyn as sd

        folder = Path(out or "reproduction") / "checkpoints" / name
        best = folder / "best.pt"
        if not best.is_file():
            best = retrain(name, folder)
        model = sd.load_model(best)
    else:
        import sadyn as sd

        model = sd.load_pretrained(name)
    model = model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    _CACHE[key] = model
    return model


def exponents(model, puzzles, *, horizon: int = 16, seed: int = 0, mean: bool = True) -> dict[str, Any]:
    """The finite-time exponents of a solver at each puzzle: :func:`sadyn.experiments.solver_exponents`."""
    from ..experiments import solver_exponents

    return solver_exponents(model, puzzles, horizon=horizon, seed=seed, mean=mean)


TRANSIENT = 128  # loops run before a long-run QR exponent starts averaging (Fig. S.5's warm-up, App. B.5.4)


def long_run_exponents(
    model, puzzles, *, steps: int, transient: int = TRANSIENT, horizon: int = 16, seed: int = 0
) -> dict[str, list[Any]]:
    """Per puzzle, from the same initial state X_0 (:func:`sadyn.experiments.solver_lyapunov`): the paper's
    finite-time lambda_max (T = ``horizon`` loops from the inference start) and the long-run QR lambda_max over
    ``steps`` steps after ``transient`` loops, radial directions excluded. Returns lists ``{"finite_time", "qr",
    "qr_stderr", "status"}`` (``status`` "divergent" where the rollout or the QR run left the finite numbers)."""
    from ..experiments import solver_lyapunov

    out: dict[str, list[Any]] = {"finite_time": [], "qr": [], "qr_stderr": [], "status": []}
    for puzzle in puzzles:
        r = solver_lyapunov(model, puzzle, horizon=horizon, steps=steps, transient=transient, seed=seed)
        for key in out:
            out[key].append(r[key])
    return out


def compare(a: float, b: float, n: int) -> bool | None:
    """Is accuracy ``a`` above ``b`` (fractions on ``n`` puzzles each)? True if ``a - b`` exceeds twice the binomial
    standard error of the difference, False if ``b - a`` does, None (within noise) otherwise."""
    se = math.sqrt(max(a * (1 - a) + b * (1 - b), 1.0 / n) / n)
    if a - b > 2 * se:
        return True
    if b - a > 2 * se:
        return False
    return None


def compare_paired(d: Any) -> tuple[bool | None, float, float]:
    """Paired test on the same puzzles: ``d`` ``(n,)`` holds, per puzzle, model A's score minus model B's (averaged
    over noise seeds). Returns ``(verdict, mean, se)`` with ``se = std(d) / sqrt(n)``: True if the mean exceeds
    ``2 se``, False if it is below ``-2 se``, None (within noise) otherwise. Symmetric in A and B."""
    d = np.asarray(d, dtype=float)
    n = d.size
    mean = float(d.mean()) if n else math.nan
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    if not (math.isfinite(mean) and math.isfinite(se)):
        return None, mean, se
    if mean > 2 * se and mean > 0:
        return True, mean, se
    if mean < -2 * se and mean < 0:
        return False, mean, se
    return None, mean, se


def available(names: list[str] | tuple[str, ...]) -> list[str]:
    """The names among ``names`` that are shipped 4x4 checkpoints (others are still being trained, never were, or
    are of another board size than the 4x4 datasets the figures evaluate)."""
    from ..experiments import shipped_solvers

    return shipped_solvers(4, list(names))

"""Sweeps: many training runs from one TOML spec, on this machine or on a Slurm cluster (through submitit).

A spec names a ``[base]`` :class:`~sadyn.TrainConfig` (``[base.model]`` for the model), an optional ``[grid]``
whose cross product is the sweep (dotted keys such as ``"model.heads"`` reach the model), optional ``[[run]]``
tables (named variants, each crossed with the grid; ``"sweep.minutes"`` and the like override run options), a ``[sweep]`` table for how to run (``minutes``, ``threads``,
``device``, ``eval_steps``, ``eval_limit``) and a ``[slurm]`` table for the cluster (``partition``, ``gpus``,
``time`` in minutes, ``mem_gb``, ``cpus``)::

    [base]
    dataset = "sudoku4-id"
    ood_dataset = "sudoku4-ood"
    steps = 8
    epochs = 20
    [base.model]
    dim = 32
    heads = 4
    size = 4
    [grid]
    "model.heads" = [1, 2, 4, 8]
    seed = [0, 1]

Every run is an ordinary ``sadyn train`` folder under the sweep's folder, named from its variant and grid values
(``heads=2,seed=1``); the string ``"none"`` stands for None (TOML has no null), plus a ``result.json`` once it has finished or failed. :func:`run_sweep` skips finished runs,
resumes interrupted ones from their ``last.pt`` and records failures without stopping the others; ``results.csv``
is rewritten from the run folders at every call (one row per run). Local runs go through
:class:`concurrent.futures.ProcessPoolExecutor` (one torch thread per process by default), Slurm runs through
``submitit.SlurmExecutor`` as one job array.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import re
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = ["SweepSpec", "SweepRun", "load_spec", "expand", "run_sweep", "collect_results", "run_one"]

Executor = Literal["local", "slurm"]
RESULT = "result.json"
_SWEEP_KEYS = {"minutes": None, "threads": 1, "device": "cpu", "eval_steps": [16, 32, 64], "eval_limit": None}
_SLURM_KEYS = {"partition": None, "gpus": 0, "time": 60, "mem_gb": 8, "cpus": 2, "job_name": "sadyn-sweep"}


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep spec (see the module docstring): ``base`` config, ``grid`` lists, named ``runs``, run options."""

    base: dict[str, Any]
    grid: dict[str, list[Any]] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    sweep: dict[str, Any] = field(default_factory=lambda: dict(_SWEEP_KEYS))
    slurm: dict[str, Any] = field(default_factory=lambda: dict(_SLURM_KEYS))


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its folder ``name``, the grid/variant ``values`` that define it and its ``config``."""

    name: str
    values: dict[str, Any]
    config: Any  # sadyn.TrainConfig
    options: dict[str, Any] = field(default_factory=dict)  # [sweep] keys this run overrides ("sweep.minutes")


def _toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"`spec` {str(path)!r} cannot be read ({error.strerror}); pass a TOML file.") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"`spec` {str(path)!r} is not valid TOML: {error}.") from None


def _table(data: Mapping[str, Any], key: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    given = dict(data.get(key) or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f"unknown keys {unknown} in the spec's [{key}] table; known keys are {sorted(defaults)}.")
    return {**defaults, **given}


def _none_values(table: Any) -> Any:
    """A copy of a (nested) table with the string "none" read as None."""
    if isinstance(table, Mapping):
        return {k: _none_values(v) for k, v in table.items()}
    return None if isinstance(table, str) and table.lower() == "none" else table


def load_spec(spec: str | Path | Mapping[str, Any]) -> SweepSpec:
    """Read a sweep spec from a TOML file (or an already-parsed mapping) and check its structure."""
    data = _toml(Path(spec)) if isinstance(spec, (str, Path)) else dict(spec)
    data["base"] = _none_values(data.get("base"))
    unknown = sorted(set(data) - {"base", "grid", "run", "sweep", "slurm"})
    if unknown:
        raise ValueError(f"unknown tables {unknown} in the sweep spec; use [base], [grid], [[run]], [sweep], [slurm].")
    if not isinstance(data.get("base"), Mapping) or "model" not in data["base"]:
        raise ValueError("the sweep spec needs a [base] table with a [base.model] table (at least dim and heads).")
    grid = dict(data.get("grid") or {})
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"[grid] {key!r} must be a non-empty list of values, got {values!r}.")
    runs = [dict(r) for r in (data.get("run") or [{}])]
    names = [r.get("name") for r in runs]
    if len(runs) > 1 and (None in names or len(set(names)) != len(names)):
        raise ValueError("every [[run]] table needs a distinct `name` when there is more than one.")
    return SweepSpec(
        dict(data["base"]), grid, runs, _table(data, "sweep", _SWEEP_KEYS), _table(data, "slurm", _SLURM_KEYS)
    )


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    """``config[key] = value`` where ``key`` may be dotted (``model.heads``); the string "none" stands for None
    (TOML has no null; the same spelling as the ``sadyn train`` flags)."""
    value = None if isinstance(value, str) and value.lower() == "none" else value
    *path, last = key.split(".")
    node = config
    for part in path:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(f"key {key!r} does not reach a table: {part!r} is a value.")
    node[last] = value


def _slug(value: Any) -> str:
    text = "none" if value is None else format(value, "g") if isinstance(value, float) else str(value)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text)


def expand(spec: SweepSpec) -> list[SweepRun]:
    """The runs of a spec: every named variant crossed with every grid point, as validated TrainConfigs."""
    import sadyn as sd

    keys = list(spec.grid)
    out: list[SweepRun] = []
    for variant in spec.runs:
        overrides = {k: v for k, v in variant.items() if k != "name" and not k.startswith("sweep.")}
        options = {k.split(".", 1)[1]: v for k, v in variant.items() if k.startswith("sweep.")}
        unknown = sorted(set(options) - set(_SWEEP_KEYS))
        if unknown:
            raise ValueError(
                f"unknown run options {unknown} in [[run]] {variant.get('name')!r}; known: {sorted(_SWEEP_KEYS)}."
            )
        for point in itertools.product(*(spec.grid[k] for k in keys)):
            config = json.loads(json.dumps(spec.base))
            for key, value in [*overrides.items(), *zip(keys, point, strict=True)]:
                _set(config, key, value)
            parts = [str(variant["name"])] if "name" in variant else []
            parts += [f"{k.split('.')[-1]}={_slug(v)}" for k, v in zip(keys, point, strict=True)]
            name = ",".join(parts) or "run"
            try:
                train_config = sd.TrainConfig.from_dict(config)
            except (ValueError, TypeError) as error:
                raise ValueError(f"sweep run {name!r}: {error}") from None
            values = {**({"run": variant["name"]} if "name" in variant else {}), **dict(zip(keys, point, strict=True))}
            out.append(SweepRun(name, values, train_config, options))
    names = [r.name for r in out]
    if len(set(names)) != len(names):
        raise ValueError(f"two runs of the sweep get the same folder name ({names}); give the [[run]] tables names.")
    return out


def _read_result(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / RESULT).read_text())
    except (OSError, ValueError):
        return None


def run_one(run: SweepRun, folder: str | Path, options: Mapping[str, Any]) -> dict[str, Any]:
    """Train (or resume) one run in ``folder`` and evaluate its best checkpoint; writes and returns ``result.json``.

    A failure is caught and recorded (``status="failed"`` with the error) so that the other runs go on.
    """
    import torch

    import sadyn as sd

    from .sweep_workers import SweepStopped, stop_raises

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    options = {**options, **run.options}
    torch.set_num_threads(max(1, int(options.get("threads") or 1)))
    start = time.perf_counter()
    record: dict[str, Any] = {"name": run.name, "values": run.values, "config": run.config.to_dict()}
    try:
        result = sd.train(
            run.config,
            folder,
            device=options.get("device") or "cpu",
            minutes=options.get("minutes"),
            show_progress=False,
            command=None,
        )
        record["best_val"] = result.best_val
        if result.stopped != "done":
            record.update(status="interrupted", stopped=result.stopped)
        else:
            with stop_raises():  # a stop signal now leaves the run unevaluated; the next call evaluates it
                model = sd.load_model(result.best or result.last)
                steps = tuple(options.get("eval_steps") or (16,))
                rows = sd.evaluate(model, steps=steps, limit=options.get("eval_limit"))
            record.update(status="done", test=rows)
    except SweepStopped:
        record.update(status="interrupted", stopped="evaluation")
    except Exception as error:  # noqa: BLE001 - a failed run is a result of the sweep, reported in results.csv
        record.update(status="failed", error=f"{type(error).__name__}: {error}", traceback=traceback.format_exc())
    record["seconds"] = round(time.perf_counter() - start, 1)
    if record["status"] != "interrupted":
        tmp = folder / (RESULT + ".tmp")
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, folder / RESULT)
    return record


def collect_results(runs: Sequence[SweepRun], out: str | Path) -> Path:
    """Rewrite ``out/results.csv`` from the run folders: one row per run (grid values, status, accuracies, time)."""
    out = Path(out)
    rows, columns = [], ["name", *dict.fromkeys(k for r in runs for k in r.values)]
    extra: dict[str, None] = {}
    for run in runs:
        res = _read_result(out / run.name)
        status = res["status"] if res else ("interrupted" if (out / run.name / "last.pt").exists() else "pending")
        row: dict[str, Any] = {"name": run.name, **run.values, "status": status}
        if res:
            row["best_val_board"] = (res.get("best_val") or {}).get("val_board")
            row["train_seconds"] = res.get("seconds")
            row["error"] = res.get("error", "")
            for t in res.get("test") or []:
                key = f"{t['dataset']}_T{t['steps']}_board"
                row[key] = round(float(t["board"]), 4)
                extra[key] = None
        rows.append(row)
    columns += ["status", "best_val_board", *extra, "train_seconds", "error"]
    path = out / "results.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _submitit_executor(spec: SweepSpec, out: Path, jobs: int, cluster: str):
    """A submitit executor for ``cluster`` ("slurm"; "local" or "debug" run the same job mechanics without one)."""
    try:
        import submitit
    except ImportError:
        raise RuntimeError(
            "`executor='slurm'` needs submitit: pip install 'sadyn[cluster]' (or pip install submitit)."
        ) from None
    s = spec.slurm
    executor = submitit.AutoExecutor(folder=out / "slurm" / "%j", cluster=cluster)
    params: dict[str, Any] = dict(
        name=s["job_name"], timeout_min=int(s["time"]), mem_gb=int(s["mem_gb"]), cpus_per_task=int(s["cpus"])
    )
    if int(s["gpus"]):
        params["gpus_per_node"] = int(s["gpus"])
    if cluster == "slurm":
        if s["partition"]:
            params["slurm_partition"] = s["partition"]
        params["slurm_array_parallelism"] = int(jobs)
    executor.update_parameters(**params)
    return executor


def run_sweep(
    spec: str | Path | SweepSpec,
    out: str | Path,
    *,
    executor: Executor = "local",
    jobs: int = 1,
    dry_run: bool = False,
    log: Any = print,
    cluster: str = "slurm",
) -> dict[str, Any]:
    """Run every unfinished run of ``spec`` under ``out`` and rewrite ``out/results.csv``.

    Arguments:
        spec: a TOML path or a :class:`SweepSpec`. out: the sweep folder.

    Other arguments:
        executor: "local" (``jobs`` processes here) or "slurm" (one submitit job array; returns after submitting,
            call again once the jobs have ended to collect results and resubmit what did not finish).
        dry_run: list what would run, run nothing. log: where progress lines go. cluster: the submitit executor
            behind ``executor="slurm"`` ("local" and "debug" run the same mechanics without a cluster: tests).

    Returns ``{"runs", "skipped", "submitted", "results", "job_ids", "signal"}``. ``signal`` is the SIGINT or
    SIGTERM that stopped a local sweep (else None): it is forwarded to the trainers, which save a resumable
    ``last.pt`` after their current batch, and queued runs are cancelled; a second signal acts as usual.
    """
    spec = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    if executor not in ("local", "slurm"):
        raise ValueError(f"`executor` must be 'local' or 'slurm', got {executor!r}.")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"`jobs` must be a positive integer, got jobs={jobs!r}.")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"`out` {str(out)!r} is a file; pass a folder for the sweep.")
    runs = expand(spec)
    done = [r for r in runs if (_read_result(out / r.name) or {}).get("status") == "done"]
    todo = [r for r in runs if r not in done]
    for r in runs:
        state = "done, skipped" if r in done else ("resume" if (out / r.name / "last.pt").exists() else "new")
        log(f"{r.name}: {state}")
    report: dict[str, Any] = {"runs": len(runs), "skipped": len(done), "submitted": 0, "job_ids": [], "signal": None}
    if dry_run or not todo:
        report["results"] = None if dry_run else collect_results(runs, out)
        return report
    out.mkdir(parents=True, exist_ok=True)
    options = dict(spec.sweep)
    if executor == "local":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from .sweep_workers import StopWorkers, run_in_worker, worker_start

        spawn = multiprocessing.get_context("spawn")  # no fork of a process that holds torch's thread pools
        before = set(multiprocessing.active_children())
        with (
            StopWorkers(lambda: set(multiprocessing.active_children()) - before, log) as stop,
            ProcessPoolExecutor(
                max_workers=min(jobs, len(todo)), mp_context=spawn, initializer=worker_start, initargs=(os.getpid(),)
            ) as pool,
        ):
            futures = {pool.submit(run_in_worker, run_one, r, out / r.name, options): r for r in todo}
            for future in as_completed(futures):
                if stop.signal is not None:
                    for pending in futures:
                        pending.cancel()
                if future.cancelled():
                    continue
                rec = future.result()
                log(f"{rec['name']}: {rec['status']} in {rec['seconds']:.0f} s")
        report["submitted"] = len(todo)
        report["signal"] = stop.signal
    else:
        ex = _submitit_executor(spec, out, jobs, cluster)
        with ex.batch():
            submitted = [ex.submit(run_one, r, out / r.name, options) for r in todo]
        report["submitted"] = len(submitted)
        report["job_ids"] = [str(j.job_id) for j in submitted]
        log(f"submitted {len(submitted)} runs through submitit ({cluster}): jobs {', '.join(report['job_ids'])}")
        if cluster != "slurm":  # local/debug executors: wait, so that the results below are complete
            for job in submitted:
                job.result()
    report["results"] = collect_results(runs, out)
    return report


def paper_scale_cost(spec: SweepSpec, *, gpu_hours_per_run: float) -> str:
    """One line on what a sweep would submit: runs x estimated GPU-hours."""
    n = len(expand(spec))
    return f"{n} runs x ~{gpu_hours_per_run:g} GPU-h = ~{math.ceil(n * gpu_hours_per_run)} GPU-hours"

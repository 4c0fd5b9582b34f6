"""Write REPRODUCTION.md from the JSON files of `sadyn reproduce all`, so the report cannot drift from the code.

    sadyn reproduce all --quick --out docs/reproduction
    python scripts/maintenance/make_reproduction.py docs/reproduction            # -> REPRODUCTION.md

Every number, criterion and verdict in the report is read from ``<dir>/<figure>.json``; the text around them is
fixed. ``--check`` exits 1 if the existing REPRODUCTION.md differs from what the JSON files give.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from sadyn.reproduce import FIGURES  # noqa: E402  (the figures' order is the runner's)

ORDER = tuple(FIGURES)
SCALES = ("(4x4)", "(9x9)")
MARK = {"holds": "holds", "does not hold": "**does not hold**", "inconclusive": "*inconclusive*"}


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list):
        shown = ", ".join(_value(x) for x in v[:8])
        return f"[{shown}{', ...' if len(v) > 8 else ''}]"
    return str(v)


def _evidence(evidence: dict) -> str:
    return "; ".join(f"{k} = {_value(v)}" for k, v in evidence.items()).replace("|", "\\|")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _scale_section(records: dict) -> list[str]:
    """ "What changed with scale": every claim judged at both 4x4 and 9x9, side by side, the changed ones first."""
    pairs: dict[tuple[str, str], dict[str, dict]] = {}
    for name, r in records.items():
        for c in r["claims"]:
            for scale in SCALES:
                if c["claim"].endswith(" " + scale):
                    pairs.setdefault((name, c["claim"][: -len(scale) - 1]), {})[scale] = c
    rows = [(key, both) for key, both in pairs.items() if len(both) == 2]
    if not rows:
        return []
    rows.sort(key=lambda kb: kb[1][SCALES[0]]["verdict"] == kb[1][SCALES[1]]["verdict"])  # changed verdicts first
    changed = sum(v[SCALES[0]]["verdict"] != v[SCALES[1]]["verdict"] for _, v in rows)
    flipped = sum({v[SCALES[0]]["verdict"], v[SCALES[1]]["verdict"]} == {"holds", "does not hold"} for _, v in rows)
    undecided = [
        c
        for _, v in rows
        if v[SCALES[0]]["verdict"] != v[SCALES[1]]["verdict"]
        for c in v.values()
        if c["verdict"] == "inconclusive"
    ]
    stated = sum("reason" in c["evidence"] for c in undecided)
    out = [
        "",
        "## What changed with scale",
        "",
        f"{len(rows)} claims are judged at both scales by the same criterion; {changed} change verdict from 4x4 to "
        f"9x9 (listed first): {flipped} between holds and does not hold, {changed - flipped} to or from inconclusive "
        f"({stated} for a stated reason, a checkpoint not trained or a measurement beyond quick's budget, which the "
        f"measured column gives; {len(undecided) - stated} within noise). The measured numbers behind each verdict, "
        "at each scale:",
        "",
        "| figure | claim | 4x4 | 9x9 | measured at 4x4 | measured at 9x9 |",
        "|---|---|---|---|---|---|",
    ]
    for (name, claim), both in rows:
        a, b = both[SCALES[0]], both[SCALES[1]]
        out.append(
            f"| {name} | {_cell(claim)} | {MARK[a['verdict']]} | {MARK[b['verdict']]} | {_evidence(a['evidence'])} "
            f"| {_evidence(b['evidence'])} |"
        )
    return out


def _workers(machine: dict) -> str:
    """How the run used the cores: worker processes (``summary.json`` since 2026-12-03) and torch threads each."""
    threads = machine.get("threads")
    jobs = machine.get("jobs", 1)
    each = f"{threads} thread{'s' if threads != 1 else ''}"
    return f"{jobs} worker processes of {each} each" if jobs and jobs > 1 else each


def _remeasured(records: dict, summary: dict) -> list[str]:
    """A line naming the figures whose JSON is not the one ``summary.json``'s all-figures run wrote (their time
    differs from the run's record of it): they were re-run on their own since, e.g. after a checkpoint shipped."""
    ran = summary.get("figures", {})
    again = [
        f"{name} ({r['seconds']:.0f} s)"
        for name, r in records.items()
        if name in ran and round(float(ran[name].get("seconds", -1)), 1) != round(float(r["seconds"]), 1)
    ]
    if not again:
        return []
    return [
        f"- Re-run on their own since (`sadyn reproduce FIG --quick`, after a checkpoint shipped or the figure changed; their times are "
        f"their own runs'): {', '.join(again)}."
    ]


def render(folder: Path, *, link_base: str) -> str:
    """The Markdown report for the results in ``folder`` (figure links relative to ``link_base``)."""
    records = {}
    for name in ORDER:
        path = folder / f"{name}.json"
        if path.is_file():
            records[name] = json.loads(path.read_text())
    summary_path = folder / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    if not records:
        raise SystemExit(
            f"no reproduction results (*.json) in {folder}; run `sadyn reproduce all --quick --out {folder}` first."
        )
    settings = sorted({r["setting"] for r in records.values()})
    machine = summary.get("machine", {})
    lines = [
        "# Reproduction of Tomihari & Karakida (NeurIPS 2025) at teaching scale",
        "",
        "<!-- generated by scripts/maintenance/make_reproduction.py from the JSON files of `sadyn reproduce all`; do not edit -->",
        "",
        '"Recurrent Self-Attention Dynamics: An Energy-Agnostic Perspective from Jacobians" (arXiv 2505.19458) released '
        "no code. Every figure below is regenerated by `sadyn reproduce FIG` from sadyn's own models, analyses and shipped "
        "checkpoints; each claim of the paper gets a verdict computed from the measured numbers by the stated criterion "
        '("holds", "does not hold", or "inconclusive" when the data cannot decide). A claim that does not hold at '
        "our scale is a result, not an error to hide: our models are 4x4 Sudoku solvers (D = 32, 20 epochs) and 9x9 "
        "solvers (D = 128, hours) trained on 2 CPU cores, not the paper's 9x9 solvers "
        "with D = 512 trained for 100 epochs on H200 GPUs. Claims marked (4x4) and (9x9) are judged at each scale.",
        "",
        f"- Command: `sadyn reproduce all --{settings[0] if len(settings) == 1 else 'quick'} --out {link_base}`, "
        f"then `python scripts/maintenance/make_reproduction.py {link_base}`.",
        f"- Setting: {', '.join(settings)}; total time {summary.get('seconds', sum(r['seconds'] for r in records.values())):.0f} s"
        + (
            f" on {machine.get('cpus')} CPU cores ({machine.get('platform')}, torch {machine.get('torch')}, "
            f"{_workers(machine)}), run {machine.get('date')}."
            if machine
            else "."
        ),
        *_remeasured(records, summary),
        "- `--full` uses larger samples and first retrains each needed checkpoint from its manifest command, "
        "fine-tunes after the stage they start from (hours on CPU; not run for this report).",
        "",
        "## Summary",
        "",
        "| figure | claim | verdict |",
        "|---|---|---|",
    ]
    for name, r in records.items():
        for c in r["claims"]:
            lines.append(f"| {name} | {_cell(c['claim'])} | {MARK[c['verdict']]} |")
    lines += _scale_section(records)
    for name, r in records.items():
        lines += [
            "",
            f"## {name}: {r['title']}",
            "",
            f"**Paper.** {r['paper']}",
            "",
            f"**Our setting** ({r['setting']}, {r['seconds']:.0f} s). {r['ours']}",
            "",
            f"**How it differs from the paper.** {r['differences']}",
            "",
            "| claim | criterion | measured | verdict |",
            "|---|---|---|---|",
        ]
        for c in r["claims"]:
            lines.append(
                f"| {_cell(c['claim'])} | {_cell(c['criterion'])} | {_evidence(c['evidence'])} | {MARK[c['verdict']]} |"
            )
        causes = [c for c in r["claims"] if c["verdict"] == "does not hold" and c.get("cause")]
        if causes:
            lines += ["", "**Why the claims that do not hold fail** (measured, from the numbers above):", ""]
            lines += [f"- {c['claim']}: {c['cause']}" for c in causes]
        lines += ["", f"![{name}]({link_base}/{r['png']})"]
        for note in r.get("notes", []):
            lines += ["", f"Note: {note}"]
    missing = [name for name in ORDER if name not in records]
    lines += ["", "## Not covered", ""]
    lines += [f"- {name}: no result in {link_base} (run `sadyn reproduce {name}`)." for name in missing]
    lines += [
        "- Figs. S.2-S.4, S.6, S.7 (CIFAR-10) and Table S.4 (BabyLM): they need models trained per regularizer "
        "strength or other data sets, which are not shipped."
    ]
    if summary.get("errors"):
        lines += ["", "## Figures that failed to run", ""]
        lines += [f"- {k}: {v}" for k, v in summary["errors"].items()]

    def item(n: str, c: dict) -> str:
        """A claim of the closing lists, with its measured reason where it does not hold (or why no verdict)."""
        why = c.get("cause") if c["verdict"] == "does not hold" else c["evidence"].get("reason")
        return f"{n}: {c['claim']}" + (f" -- {why}" if why and c["verdict"] != "holds" else "")

    groups = {
        v: [item(n, c) for n, r in records.items() for c in r["claims"] if c["verdict"] == v]
        for v in ("holds", "does not hold", "inconclusive")
    }
    lines += ["", "## Closing note: which claims held", ""]
    total = sum(len(g) for g in groups.values())
    lines.append(
        f"Of {total} judged claims, {len(groups['holds'])} held, {len(groups['does not hold'])} did not hold "
        f"and {len(groups['inconclusive'])} {'was' if len(groups['inconclusive']) == 1 else 'were'} inconclusive "
        "at our scale."
    )
    for v, title in (("holds", "Held"), ("does not hold", "Did not hold"), ("inconclusive", "Inconclusive")):
        lines += ["", f"**{title}:**", ""]
        lines += [f"- {item}" for item in groups[v]] or ["- none"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder",
        type=Path,
        nargs="?",
        default=ROOT / "docs" / "reproduction",
        help="folder with the JSON and PNG files (default docs/reproduction)",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "REPRODUCTION.md", help="the report to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if the report is not up to date")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    output = args.output.resolve()
    try:
        link_base = folder.relative_to(output.parent).as_posix()
    except ValueError:
        link_base = folder.as_posix()
    text = render(folder, link_base=link_base)
    if args.check:
        current = output.read_text() if output.is_file() else ""
        if current != text:
            print(
                f"{output} is out of date; run python scripts/maintenance/make_reproduction.py {args.folder}",
                file=sys.stderr,
            )
            return 1
        return 0
    output.write_text(text)
    print(f"wrote {output} ({len(text.splitlines())} lines) from {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The package layout: old module paths still import (with a DeprecationWarning naming the new home), the flat
lazy names do not warn, the experiments package answers in a fresh interpreter, and no module of the upper
layers exceeds 400 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


# Third-party imports first, under the default filters: an old matplotlib warns about pyparsing's camelCase names
# (`make test-oldest`), which is not what these tests are about; every DeprecationWarning after that is an error.
_PRELUDE = "import warnings, matplotlib.pyplot\nwarnings.simplefilter('error', DeprecationWarning)\n"


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _PRELUDE + code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"},
        timeout=120,
    )


OLD_PATHS = {
    "sadyn.trained": "sadyn.experiments",
    "sadyn.plots": "sadyn.viz.plots",
    "sadyn.widgets": "sadyn.viz.widgets",
    "sadyn.widgets.energy": "sadyn.viz.widgets.energy",
    "sadyn.widgets.sudoku": "sadyn.viz.widgets.sudoku",
    "sadyn.exercises": "sadyn.teaching",
}


def test_old_module_paths_warn_and_name_the_new_home():
    """Each old path, imported first in one fresh interpreter, warns once naming its new home, and keeps its names."""
    code = (
        "import importlib, json, warnings\n"
        "out = {}\n"
        f"for old in {list(OLD_PATHS)!r}:\n"
        "    with warnings.catch_warnings(record=True) as seen:\n"
        "        warnings.simplefilter('always')\n"
        "        m = importlib.import_module(old)\n"
        "    out[old] = ([str(w.message) for w in seen if w.category is DeprecationWarning], len(m.__all__))\n"
        "print(json.dumps(out))\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr[-800:]
    import json

    seen = json.loads(done.stdout)
    for old, new in OLD_PATHS.items():
        messages, names = seen[old]
        assert any(f"{old} is deprecated" in m and new in m for m in messages), (old, messages)
        assert names > 0


def test_flat_names_point_at_the_new_homes_without_a_warning():
    done = _python(
        "import sadyn as sd\n"
        "import sadyn.viz.plots, sadyn.viz.widgets, sadyn.teaching, sadyn.experiments\n"
        "assert sd.plots is sadyn.viz.plots and sd.widgets is sadyn.viz.widgets and sd.exercises is sadyn.teaching\n"
        "assert callable(sd.experiments.stacked_map) and callable(sd.experiments.accuracy_vs_loops)\n"
        "assert callable(sd.widgets.dashboard) and callable(sd.plots.plot_accuracy_vs_loops)\n"
    )
    assert done.returncode == 0, done.stderr[-800:]


def test_experiments_answer_in_a_fresh_interpreter():
    """Issue 13: ``sd.experiments.stacked_map`` raised AttributeError in a fresh kernel."""
    done = _python("import sadyn as sd; print(sd.experiments.stacked_map.__module__)")
    assert done.returncode == 0 and done.stdout.strip() == "sadyn.experiments.lyapunov", done.stderr[-500:]


def test_moved_widget_names_still_resolve_with_a_warning():
    import sadyn as sd

    for name, home in (("clustering_run", sd.experiments), ("plot_board", sd.plots), ("analyse_map", sd.experiments)):
        with pytest.warns(DeprecationWarning, match=rf"sd.widgets.{name} moved to"):
            assert getattr(sd.widgets, name) is getattr(home, name)
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        sd.widgets.nonsense  # noqa: B018


def test_widgets_and_plots_do_not_compute():
    """Widgets import experiments and plots; they never import the engine or the models themselves."""
    for path in (ROOT / "sadyn" / "viz").rglob("*.py"):
        text = path.read_text()
        for banned in ("from ...analysis", "from ..analysis", "from ...dynamics", "from ..dynamics"):
            assert banned not in text, f"{path.relative_to(ROOT)} imports {banned!r}: compute in sadyn.experiments"


@pytest.mark.parametrize("folder", ["experiments", "viz", "teaching", "reproduce", "widgets"])
def test_upper_layer_modules_stay_small(folder):
    for path in (ROOT / "sadyn" / folder).rglob("*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"

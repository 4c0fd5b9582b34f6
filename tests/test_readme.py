"""The README's quick example runs as printed (a newcomer copies it first)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md should carry a runnable ```python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "LyapunovSpectrum(" in out and any(r in out for r in ("convergent", "critical", "chaotic"))

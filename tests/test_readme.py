"""The README's "Use from Python" example runs verbatim."""

import re

from conftest import ROOT


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- python-example -->\s*```python\n(.*?)```", text, re.S)
    assert block, "README lost its python example"
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "reviews-cbow" in out and "film" in out
    assert (tmp_path / "embedlab-demo" / "registry.sqlite").is_file()

from pathlib import Path

from memorizers.cli import main


def test_reproduce_daniely_quick_writes_table_and_figures(tmp_path, capsys):
    assert main(["reproduce", "daniely", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "theorem's regime" in out
    for name in ("daniely.csv", "daniely.md", "daniely_fraction.png", "daniely_margin.png"):
        assert (Path(tmp_path) / name).stat().st_size > 0
    rows = (Path(tmp_path) / "daniely.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 2 * 4 * 2  # header + d x q x ratios x seeds

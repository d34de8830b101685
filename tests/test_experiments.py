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


def test_reproduce_yun_sgd_quick(tmp_path, capsys):
    """Theorem 5.1: inside the activation-pattern region, xi_par decays at the linearised rate to an
    O(eps^2) floor, ||xi|| stays <= 2 eps, and the risk there is O(eps^4)."""
    assert main(["reproduce", "yun-sgd", "--quick", "--out", str(tmp_path)]) == 0
    assert (Path(tmp_path) / "yun_sgd.png").stat().st_size > 0
    import csv

    rows = list(csv.DictReader(open(Path(tmp_path) / "yun_sgd.csv")))
    small = [r for r in rows if r["memorizer"].startswith("Yun Thm 3.1 ReLU N=12") and float(r["eps"]) <= 1e-3]
    by_eps = {}
    for r in small:
        by_eps.setdefault(float(r["eps"]), []).append(r)
    floors, risks = [], []
    for eps, rs in by_eps.items():
        assert all(r["pattern_kept"] == "1" for r in rs)
        assert max(float(r["xi"]) for r in rs) <= 2 * eps
        par = [float(r["xi_par"]) for r in rs]
        assert par[-1] < 1e-2 * par[0]  # geometric decay by orders of magnitude
        floor = min(par[-len(par) // 10 :])
        t_star = next(t for t, v in enumerate(par) if v <= 2 * floor)
        floors.append(floor / eps**2)
        risks.append(float(rs[t_star]["risk"]) / eps**4)
        assert float(rs[0]["risk"]) > 1e3 * float(rs[t_star]["risk"])  # from O(eps^2) down to O(eps^4)
    assert max(floors) / min(floors) < 2  # the floor of xi_par scales like eps^2
    assert max(risks) / min(risks) < 3  # and the risk where it is reached like eps^4


def test_reproduce_bubeck_quick(tmp_path, capsys):
    assert main(["reproduce", "bubeck", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Theorem 1: the harmonic network" in out and "| harmonic | 50 | 2 |" in out
    assert (Path(tmp_path) / "bubeck.png").stat().st_size > 0
    import csv

    rows = list(csv.DictReader(open(Path(tmp_path) / "bubeck.csv")))
    assert {r["method"] for r in rows} == {"relu-baum", "ntk", "harmonic"}
    for r in rows:
        if r["method"] == "relu-baum":
            assert int(r["neurons"]) == int(float(r["theorem_neurons"])) and float(r["relative_error"]) < 1e-12
        else:
            assert float(r["relative_error"]) <= 0.01
        assert float(r["total_weight"]) >= float(r["lower_bound"])  # Proposition 1

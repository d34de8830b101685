"""Theorem 5.1 of Yun et al.: SGD started near a memorizing global minimum.

Perturb a memorizing network theta* by xi with ||xi|| = eps, run without-replacement
mini-batch SGD on the squared loss l = (f - y)^2 / 2 with a constant step, and record per
epoch ||xi_par|| (the component of xi = theta - theta* in span{grad_theta f(x_i)} at theta*),
||xi|| and the empirical risk. The theorem: ||xi_par|| decays geometrically while ||xi||
stays <= 2 eps, and the risk drops from O(eps^2) to O(eps^4).

theta* is Yun's Theorem 3.1 ReLU network on Gaussian data; the decay rate per epoch is
governed by lambda_min / lambda_max of H = sum_i nu_i nu_i^T (the step must stay below
the largest curvature), which the table reports: two sizes show how conditioning sets
the pace. Gradients are exact backpropagation in numpy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..constructions.yun import yun_3layer
from ..files import atomic_write_bytes
from ..network import Dense, Network
from . import SEEDS_TO_HOLD, claim, pyplot, save_figure, verdict_lines

SEEDS = tuple(range(2, 2 + SEEDS_TO_HOLD))  # the SGD runs' seeds (shuffles): the verdict holds only from this many


class _Flat:
    """A plain Dense network as one parameter vector theta, with exact output and per-example gradients."""

    def __init__(self, network: Network):
        self.layers = list(network.layers)
        if not all(isinstance(d, Dense) for d in self.layers) or network.n_out != 1:
            raise ValueError("the SGD experiment takes plain Dense networks with one output")
        self.shapes = [(d.weight.shape, d.bias.shape[0]) for d in self.layers]
        self.theta = np.concatenate([np.concatenate([d.weight.ravel(), d.bias]) for d in self.layers])

    def unpack(self, theta):
        out, o = [], 0
        for (r, c), nb in self.shapes:
            out.append((theta[o : o + r * c].reshape(r, c), theta[o + r * c : o + r * c + nb]))
            o += r * c + nb
        return out

    def forward(self, theta, X):
        a, cache = X, []
        for (W, b), d in zip(self.unpack(theta), self.layers):
            z = a @ W.T + b
            cache.append((a, z))
            a = d.activation(z)
        return a[:, 0], cache

    def jacobian(self, theta, X) -> np.ndarray:
        """Rows grad_theta f(x_i), (N, P), by backpropagation through the piecewise-linear activations."""
        f, cache = self.forward(theta, X)
        params = self.unpack(theta)
        delta = np.ones((len(X), 1))
        blocks = []
        for (W, _), d, (a_in, z) in reversed(list(zip(params, self.layers, cache))):
            act = d.activation
            delta = delta * act.derivative(z)
            blocks.append(np.concatenate([np.einsum("ni,nj->nij", delta, a_in).reshape(len(X), -1), delta], axis=1))
            delta = delta @ W
        return np.concatenate(blocks[::-1], axis=1)


def run_sgd(network: Network, X, y, eps: float, epochs: int, batch: int, seed, step: float | None = None):
    """SGD from theta* + xi, ||xi|| = eps.

    Returns per-epoch rows (epoch, ||xi_par||, ||xi||, risk, activation pattern on the data
    unchanged from theta*), the step, (lambda_min+, lambda_max) of J J^T, and the number of
    parameters.
    """
    rng = np.random.default_rng(seed)
    flat = _Flat(network)
    star = flat.theta
    J = flat.jacobian(star, X)
    _, S, Vt = np.linalg.svd(J, full_matrices=False)
    V = Vt[S > S[0] * 1e-12]  # orthonormal basis of span{nu_i}
    if step is None:
        step = batch / np.linalg.eigvalsh(J @ J.T).max()  # half the stability limit of the stiffest batch
    xi = rng.standard_normal(len(star))
    theta = star + eps * xi / np.linalg.norm(xi)

    _, cache0 = flat.forward(star, X)
    pattern0 = [z > 0 for _, z in cache0]

    def record(epoch):
        d = theta - star
        f, cache = flat.forward(theta, X)
        same = all(np.array_equal(z > 0, p0) for (_, z), p0 in zip(cache, pattern0))
        return epoch, float(np.linalg.norm(V @ d)), float(np.linalg.norm(d)), float(0.5 * np.mean((f - y) ** 2)), same

    rows = [record(0)]
    N = len(X)
    for epoch in range(1, epochs + 1):
        perm = rng.permutation(N)
        for s in range(0, N, batch):
            idx = perm[s : s + batch]
            f, _ = flat.forward(theta, X[idx])
            theta = theta - step * ((f - y[idx]) @ flat.jacobian(theta, X[idx])) / len(idx)
        rows.append(record(epoch))
    ev = np.linalg.eigvalsh(J @ J.T)  # the nonzero eigenvalues of H = sum nu_i nu_i^T, from the N x N Gram matrix
    return np.array(rows), step, (float(ev[ev > ev.max() * 1e-12].min()), float(ev.max())), J.shape[1]


def _phase(rows):
    """(floor of ||xi_par||, t* = first epoch within 2x of it, fitted per-epoch decay rate of ||xi_par|| before t*)."""
    floor = rows[-len(rows) // 10 :, 1].min()
    t_star = int(np.argmax(rows[:, 1] <= 2 * floor))  # xi_par reaches its O(eps^2) floor
    early = rows[: max(t_star, 2), 1]
    return floor, t_star, float(np.exp(np.polyfit(np.arange(len(early)), np.log(early), 1)[0]))


def _inside(rows) -> bool:
    return bool(rows[:, 4].all()) and _phase(rows)[1] <= 0.8 * len(rows)


def claims(results: dict) -> list[dict]:
    """Theorem 5.1's statements next to the measurements (results as :func:`run` returns them, per
    (memorizer, eps, SGD seed))."""
    names = sorted({k[0] for k in results})
    seeds = sorted({k[2] for k in results})
    out = []
    for name in names:
        every = sorted({eps for n, eps, _ in results if n == name})
        # the theorem needs ||xi(0)|| <= rho, small enough that no activation pattern changes, and speaks of t*,
        # where xi_par reaches its floor: keep the eps for which every seed kept the pattern and reached t* (with
        # a fifth of the epochs left at the floor)
        inside = [eps for eps in every if all(_inside(results[(name, eps, s)]) for s in seeds)]
        outside = [eps for eps in every if eps not in inside]
        runs = [(eps, results[(name, eps, s)]) for eps in inside for s in seeds]
        sizes = f"{name}; eps in {', '.join(f'{e:g}' for e in every)}"
        statement = (
            f"Theorem 5.1 ({name}): SGD from $\\theta^* + \\xi$, $\\|\\xi\\| = \\varepsilon \\le \\rho$, shrinks "
            "$\\|\\xi_\\parallel\\|$ geometrically and reaches, at $t^*$, a point with $\\|\\xi\\| \\le "
            "2\\varepsilon$ and risk $O(\\varepsilon^4)$."
        )
        if not runs:
            out.append(
                claim(
                    statement,
                    "no eps kept every activation pattern and reached t* (outside rho, or too few epochs)",
                    False,
                    seeds=len(seeds),
                    sizes=sizes,
                )
            )
            continue
        phases = [(eps, rows, _phase(rows)) for eps, rows in runs]
        far = max(rows[: ph[1] + 1, 2].max() / eps for eps, rows, ph in phases)
        risk = {eps: [rows[ph[1], 3] / eps**4 for e, rows, ph in phases if e == eps] for eps in inside}
        rates = [ph[2] for _, _, ph in phases]
        spread = max(max(r) for r in risk.values()) / min(min(r) for r in risk.values())
        out.append(
            claim(
                statement,
                f"inside rho (activation pattern kept) for eps = {', '.join(f'{e:g}' for e in inside)}"
                + (
                    f"; eps = {', '.join(f'{e:g}' for e in outside)} left it or did not reach t* and are not counted"
                    if outside
                    else ""
                )
                + f". There xi_par decays by {min(rates):.3f} to {max(rates):.3f} per epoch; max ||xi|| / eps "
                f"up to t* = {far:.3f}; risk(t*) / eps^4 = "
                + "; ".join(f"eps {e:g}: " + ", ".join(f"{v:.3g}" for v in vs) for e, vs in risk.items())
                + (
                    f" (within a factor {spread:.1f} over eps and seeds)"
                    if len(inside) > 1
                    else " (one eps inside rho: the eps^4 scaling is not tested)"
                )
                + ".",
                bool(far <= 2 and max(rates) < 1 and spread <= 100),
                # the eps^4 law is a scaling: tested only where at least two eps lie inside rho
                regime="||xi(0)|| = eps <= rho (every activation pattern kept), two or more eps"
                if len(inside) > 1
                else None,
                seeds=len(seeds),
                sizes=sizes,
            )
        )
    return out


CAPTIONS = {
    "yun_sgd.png": "SGD started at theta* + xi (theta* a memorizing network of Theorem 3.1), one row per "
    "network and one colour per eps = ||xi|| (the first SGD seed; the table has every seed): the component of xi "
    "along the Hessian's range, ||xi_par||/eps (left), the distance ||xi||/eps with the theorem's bound 2 "
    "(middle), and the risk against eps^4 (right), per epoch.",
}


def run(out_dir, quick: bool = False, progress: bool = True) -> dict:
    """Both memorizers, several eps; writes yun_sgd.md, yun_sgd.csv and yun_sgd.png."""
    plt = pyplot()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    batch, epochs = 4, 1500
    memorizers = {}
    for N, dx in ((12, 16), (24, 16)):
        rng = np.random.default_rng(N)
        X, y = rng.standard_normal((N, dx)), rng.uniform(-1, 1, N)
        memorizers[f"Yun Thm 3.1 ReLU N={N} dx={dx}"] = (yun_3layer(X, y, seed=0)[0], X, y)
    epsilons = (1e-2, 1e-3, 1e-4, 1e-5)
    results, lines, csv = {}, [], ["memorizer,eps,seed,epoch,xi_par,xi,risk,pattern_kept"]
    for name, (net, X, y) in memorizers.items():
        for eps, seed in ((eps, seed) for eps in epsilons for seed in SEEDS):
            rows, step, (lmin, lmax), P = run_sgd(net, X, y, eps, epochs, batch, seed=seed)
            results[(name, eps, seed)] = rows
            csv += [
                f"{name},{eps},{seed},{int(r[0])},{r[1]:.6e},{r[2]:.6e},{r[3]:.6e},{int(r[4])}" for r in rows
            ]  # no commas in names
            floor, t_star, rate = _phase(rows)
            lines.append(
                f"| {name} | {eps:g} | {seed} | {rate:.4f} ({1 - step * lmin / batch:.4f}) | {floor / eps**2:.3g} | "
                f"{t_star} | {rows[:, 2].max() / eps:.3f} | {rows[0, 3] / eps**2:.3g} | "
                f"{rows[t_star, 3] / eps**4:.3g} | {rows[-1, 3]:.2e} | {'yes' if rows[:, 4].all() else 'no'} | "
                f"{P}, {lmin:.3g} / {lmax:.3g} |"
            )
    head = (
        f"Mini-batch B = {batch} without replacement, constant step (B / lambda_max), {epochs} epochs, squared loss, "
        "||xi(0)|| = eps.\n\n"
        "xi_par decays geometrically (fitted rate per epoch; in brackets 1 - step lambda_min / B, the linearised "
        "prediction) down to a floor of order eps^2 (where the theorem's condition ||xi_par|| >= tau ||xi||^2 "
        "fails, epoch t*); there ||xi|| <= 2 eps and the risk is O(eps^4).\n\n"
        "| theta* | eps | SGD seed | xi_par rate / epoch | xi_par floor / eps^2 | t* | max ‖xi‖ / eps | risk(0) / "
        "eps^2 | risk(t*) / eps^4 | final risk | activation pattern kept | parameters, H eig min+ / max |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    verdicts = verdict_lines(claims(results))
    summary = head + "\n" + "\n".join(lines) + "\n\n" + "\n".join(verdicts) + "\n"
    atomic_write_bytes(out / "yun_sgd.md", summary.encode())
    atomic_write_bytes(out / "yun_sgd.csv", ("\n".join(csv) + "\n").encode())

    fig, axes = plt.subplots(len(memorizers), 3, figsize=(14, 4 * len(memorizers)))
    for row, name in zip(np.atleast_2d(axes), memorizers):
        for eps, color in zip(epsilons, ("C0", "C1", "C2", "C3")):
            r = results[(name, eps, SEEDS[0])]
            row[0].semilogy(r[:, 0], r[:, 1] / eps, color=color, label=f"eps = {eps:g}")
            row[1].plot(r[:, 0], r[:, 2] / eps, color=color)
            row[2].loglog(r[:, 0] + 1, r[:, 3], color=color)
            row[2].axhline(eps**4, color=color, ls=":", lw=0.8)
        row[0].set_title(f"{name}: ||xi_par|| / eps")
        row[1].set_title("||xi|| / eps (theorem: <= 2)")
        row[1].axhline(2, color="red", lw=0.8)
        row[2].set_title("risk (dotted: eps^4)")
        for ax in row:
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
        row[0].legend(fontsize=8)
    fig.suptitle("Yun et al. Theorem 5.1: SGD near a memorizing global minimum")
    save_figure(fig, out / "yun_sgd.png")
    return results

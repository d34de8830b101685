"""One network's robustness, measured for ``memorizers reproduce robust``: its certified radii, and attacks that
check them (specification ``shared/specs/robust_memorization.md``, Section 5, E4).

An attack's candidate counts only when it is proved: it lies in the closed ball (checked with an outward rounding
bound) and float64 gets it wrong by more than the evaluation's a-priori error bound
(:func:`memorizers.certify.forward_with_bound`), so the exact network gets it wrong. A proved candidate inside a
certified ball is a violation: a bug of the certificate, which fails the experiment. Beyond the certified radius
the attack measures how far the certificate is from the truth: the least radius mu_attack = mu_cert 2^k at which
projected gradient descent finds a proved wrong point, as the ratio mu_attack / mu_cert.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..certify import forward_with_bound
from ..errors import MissingDependencyError
from ..exact import exact_forward
from ..intervals import up
from ..kinds import score, score_torch
from ..labels import for_network
from ..network import Dense
from ..robust import RobustRadii, robust_radius
from ..separation import row_space

STEPS, RESTARTS = 50, 5  # projected gradient descent: the spec's budget per ball
ATTACKED = 32  # points attacked per network and norm, at random
PULL_IN = 1 - 2.0**-30  # candidates strictly inside the ball, past the membership check's rounding bound


def certified_row(network, X, y, norm: str, rng) -> dict:
    """robust_radius's radii of a float network in ``norm``: eps_D, the least and median rho, the share with a
    positive radius, the proved violations inside certified balls (:func:`violations`), the median
    mu_attack / mu_cert (:func:`attack_ratio`), and the search's steps."""
    r = robust_radius(network, X, y, norm=norm)
    module = attack_module(network)
    rho = r.rho if np.isfinite(r.separation) else np.full(len(X), np.inf)
    return {
        "norm": norm,
        "separation": r.separation,
        "rho_min": float(rho.min()),
        "rho_median": float(np.median(rho)),
        "certified_share": float(np.mean(r.radius > 0)),
        "violations": violations(network, module, X, y, r, rng),
        "attack_ratio": attack_ratio(network, module, X, y, r, rng),
        "steps": r.steps,
    }


def closed_form(built, X, y, rng, points: int = 5) -> dict:
    """kmy-robust's certified radii (its exact closed form, every point at least ``radius_min``) and the corners
    (up to 16) of the l_inf boxes of that radius around a few points (for norm 2, of the box inscribed in the ball,
    half-width radius / sqrt d), evaluated exactly: any wrong one is a bug."""
    info = built.info
    corners = np.array(list(itertools.islice(itertools.product((-1.0, 1.0), repeat=X.shape[1]), 16)))
    chosen = np.linspace(0, len(X) - 1, points).astype(int)
    mu = info["radius_min"] * PULL_IN / (np.sqrt(X.shape[1]) if info["norm"] == "2" else 1)
    P = np.vstack([X[i] + mu * corners for i in chosen])
    F = exact_forward(built.network, P)
    wrong = sum(int(F[a, 0] != y[i]) for a, i in enumerate(np.repeat(chosen, len(corners))))
    return {
        "norm": info["norm"],
        "separation": info["separation"],
        "rho_min": info["rho_min"],
        "rho_median": info["radius_median"] / info["separation"],
        "certified_share": 1.0,
        "violations": wrong,
        "attack_ratio": np.nan,
        "steps": 0,
    }


def proved_wrong(network, X, y, index, P, mu, radii: RobustRadii) -> np.ndarray:
    """Per candidate P[a] (a point of x_index[a]'s ball of radius mu[a]): inside the closed ball with an outward
    rounding bound, and wrong in float64 by more than the a-priori bound, so wrong in exact arithmetic."""
    with np.errstate(over="ignore"):
        D = np.nextafter(np.abs(P - X[index]), np.inf)  # |fl(p - x)| / (1 - u) <= its next float
        size = D.max(axis=1) if radii.norm == "inf" else up(np.sqrt(up((D * D).sum(axis=1), D.shape[1] + 1)), 1)
    F, bound = forward_with_bound(network, P, np.float64)
    T = for_network(network, np.asarray(y)[index], radii.kind).targets(network.n_out)
    _, margin, correct = score(F, T, radii.kind, radii.tol)
    return (size <= mu) & ~correct & (np.abs(margin) > 2 * np.max(bound, axis=1))


def violations(network, module, X, y, radii: RobustRadii, rng, per_point: int = 8) -> int:
    """Proved wrong points of the certified balls of up to ATTACKED points: up to 16 corners of each box (l_inf;
    for l_2 the ends of the coordinate axes), the two ends of the first layer's leading row-space direction
    (x +- mu sign(v) in l_inf, x +- mu v in l_2), random points, and projected gradient descent (:func:`pgd`). Any
    is a bug."""
    d = X.shape[1]
    if radii.norm == "inf":
        dirs = np.array(list(itertools.islice(itertools.product((-1.0, 1.0), repeat=d), 16)))
    else:
        dirs = np.vstack([np.eye(d), -np.eye(d)])[:16]
    first = network.layers[0]
    if isinstance(first, Dense):  # along the first layer's leading row-space direction, where a rank-one W1 moves
        v = row_space(first.weight)[:, :1].T
        v = np.sign(v) if radii.norm == "inf" else v / max(float(np.linalg.norm(v)), 1.0)
        dirs = np.vstack([dirs, v, -v])
    inside = rng.permutation(np.flatnonzero(radii.radius > 0))[:ATTACKED]
    if not len(inside):
        return 0
    mu = radii.radius[inside]
    U = rng.uniform(-1, 1, (len(inside), per_point, d))
    U /= 1 if radii.norm == "inf" else np.maximum(np.linalg.norm(U, axis=2, keepdims=True), 1)
    corners = np.broadcast_to(dirs, (len(inside), *dirs.shape))
    offsets = PULL_IN * mu[:, None, None] * np.concatenate([corners, U], axis=1)
    index = np.repeat(inside, offsets.shape[1])
    P = X[index] + offsets.reshape(-1, d)
    bad = int(proved_wrong(network, X, y, index, P, np.repeat(mu, offsets.shape[1]), radii).sum())
    return bad + int(np.count_nonzero(pgd(network, module, X, y, inside, mu, radii, rng)))


def attack_ratio(network, module, X, y, radii: RobustRadii, rng) -> float:
    """The median over (up to ATTACKED of) the certified points of mu_attack / mu_cert = 2^k: the least k found
    by bisection at which :func:`pgd` finds a proved wrong point, between the certified radius (k = 0) and the
    distance to the nearest point of another label (whose ball holds that point); inf where none is found there.
    NaN without PyTorch or without a certified point."""
    todo = rng.permutation(np.flatnonzero(radii.radius > 0))[:ATTACKED]
    if module is None or not len(todo):
        return np.nan
    mu, far = radii.radius[todo], radii.nearest[todo]
    lo = np.zeros(len(todo))
    hi = np.full(len(todo), np.inf)  # inf: no other label (a ball of any radius keeps it), or nothing found
    ends = np.flatnonzero(np.isfinite(far))
    found = pgd(network, module, X, y, todo[ends], far[ends], radii, rng)
    hi[ends[found]] = np.ceil(np.log2(far[ends[found]] / mu[ends[found]]))
    while ((hi - lo > 1) & np.isfinite(hi)).any():
        live = (hi - lo > 1) & np.isfinite(hi)
        mid = np.floor((lo + hi) / 2)
        found = pgd(network, module, X, y, todo[live], mu[live] * 2.0 ** mid[live], radii, rng)
        hi[np.flatnonzero(live)[found]] = mid[live][found]
        lo[np.flatnonzero(live)[~found]] = mid[live][~found]
    return float(np.median(2.0**hi))


def attack_module(network):
    """The network as a float64 torch module for :func:`pgd` (None without PyTorch)."""
    try:
        import torch

        from ..export import to_torch

        return to_torch(network, torch.float64, check=False)
    except (ImportError, MissingDependencyError):  # pragma: no cover - torch is an optional extra
        return None


def pgd(network, module, X, y, index, mu, radii: RobustRadii, rng) -> np.ndarray:
    """Projected gradient descent on the label's margin (:func:`memorizers.kinds.score_torch`) in the ball of
    radius mu[a] around x_index[a], float64, STEPS steps of 2.5 mu / STEPS from RESTARTS random starts, through
    ``module`` (:func:`attack_module`); per ball, whether a candidate was proved wrong (:func:`proved_wrong`).
    Without PyTorch (no module) nothing is found."""
    if module is None or not len(index):
        return np.zeros(len(index), dtype=bool)
    import torch

    rows = np.tile(np.asarray(index), RESTARTS)
    x0 = torch.from_numpy(X[rows])
    T = torch.from_numpy(for_network(network, np.asarray(y)[rows], radii.kind).targets(network.n_out))
    m = torch.from_numpy(np.tile(mu, RESTARTS))[:, None] * PULL_IN
    delta = torch.from_numpy(rng.uniform(-1, 1, x0.shape)) * m
    if radii.norm == "2":
        delta = delta / torch.clamp(delta.norm(dim=1, keepdim=True) / m, min=1)
    for _ in range(STEPS):
        delta.requires_grad_(True)
        _, margin, _ = score_torch(module(x0 + delta), T, radii.kind, radii.tol)
        (g,) = torch.autograd.grad(torch.nan_to_num(margin).sum(), delta, allow_unused=True)
        g = torch.zeros_like(delta) if g is None else g  # step activations: no gradient, a random search
        with torch.no_grad():
            if radii.norm == "inf":
                delta = torch.clamp(delta - 2.5 * m / STEPS * g.sign(), -m, m)
            else:
                delta = delta - 2.5 * m / STEPS * g / torch.clamp(g.norm(dim=1, keepdim=True), min=1e-300)
                delta = delta / torch.clamp(delta.norm(dim=1, keepdim=True) / m, min=1)
    P = (x0 + delta).detach().numpy()
    wrong = proved_wrong(network, X, y, rows, P, np.tile(mu, RESTARTS), radii)
    return wrong.reshape(RESTARTS, -1).any(axis=0)

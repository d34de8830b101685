"""Certified robust radii: per point, the largest ball around it on which the exact network keeps the label.

rho-robust memorization (Yu, Gao & Zhang 2024; Kim, Moon & Yun 2025; the specification
``shared/specs/robust_memorization.md``): f(x) meets the label of x_i for every x with ||x - x_i|| <= mu_i, with
mu_i = rho eps_D and eps_D, the *separation*, half the smallest distance between points of different labels.

:func:`robust_radius` certifies such radii for any network the certificate encloses (built, trained or read from
ONNX or torch), in the norms l_inf and l_2 (specification, Section 2, C1):

* **The predicate.** For a radius mu the tight enclosure (:class:`memorizers.certify.Certifier`) is run on the box
  x_i +- mu (an input radius mu in every coordinate), and the point is certified when the enclosure of every
  exact output over the box meets its label's criterion (:func:`memorizers.kinds.certified`); for networks of
  dense ReLU layers the exactness rules (:mod:`memorizers.certify.exactness`) are tried over the box too, which
  prove float-native networks (their comparators' signs decided on the whole box). The box is the l_inf ball.
  For l_2 balls the first layer's unit k varies by at most mu ||W_k||_2 (``Certifier.enclose_ball``), up to
  sqrt(d) less than over the enclosing box (mu ||W_k||_1), which the exactness rules still use.
* **The search.** The predicate is monotone in mu (a smaller box's enclosure is contained in a larger one's), so
  each point's radius is bracketed between a certified and an uncertified radius, first by halving from an
  upper bound, then by geometric bisection to a relative gap ``rtol``; all points move together, one enclosure
  of all of them per step. The radius reported is the largest one *certified* (0 where even the point itself
  is not).
* **Upper bounds** that any certificate must stay below when the network memorizes the data: the distance from
  x_i to the nearest point of another label (its ball would hold that point), and, for a first layer W of lower
  rank, that distance through W's row space (the ball would hold a point x_k + n, n in W's null space, where the
  network equals f(x_k): :func:`memorizers.separation.row_space_distance`). The search starts below them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import labels
from .certify import FORMATS, Certifier, exactness
from .errors import InvalidDataError
from .kinds import certified, default_tol
from .network import Dense, Network
from .separation import nearest_other, row_space_distance
from .verify import infer_kind, recorded_kind_and_tol

NORMS = {"inf": np.inf, "2": 2}


@dataclass(frozen=True)
class RobustRadii:
    """Certified robust radii of a dataset (module doc).

    Parameters
    ----------
    norm : {"inf", "2"}
        The norm of the balls.
    radius : numpy.ndarray
        Per point, the largest radius certified (0: not even the point itself).
    nearest : numpy.ndarray
        Per point, the distance to the nearest point of another label (inf: none), an upper bound of any
        certificate's radius when the network memorizes that point.
    row_space : numpy.ndarray
        Per point, the same distance through the first layer's row space
        (:func:`memorizers.separation.row_space_distance`; ``nearest`` where the first layer has full column rank
        or is not dense), a tighter upper bound for narrow first layers.
    separation : float
        eps_D, half the smallest distance between points of different labels (inf: one label).
    steps : int
        Enclosures of all points the search took.
    kind : str
        The label kind judged.
    tol : float
        Its tolerance.
    """

    norm: str
    radius: np.ndarray = field(repr=False)
    nearest: np.ndarray = field(repr=False)
    row_space: np.ndarray = field(repr=False)
    separation: float
    steps: int
    kind: str
    tol: float

    @property
    def rho(self) -> np.ndarray:
        """Per point, radius / separation (the theorems' rho)."""
        return self.radius / self.separation

    def summary(self) -> str:
        """One sentence: separation, the smallest and median radius and rho, and the upper bounds.

        Returns
        -------
        str
            The sentence ``memorizers robust`` prints.
        """
        r, d = self.radius, self.nearest
        return (
            f"{len(r)} points, l_{self.norm} balls: separation eps_D {self.separation:.3e}; certified radius min "
            f"{r.min(initial=np.inf):.3e}, median {np.median(r):.3e} (rho min {self.rho.min(initial=np.inf):.3e}, "
            f"median {np.median(self.rho):.3e}); {np.count_nonzero(r == 0)} not certified at all; upper bounds "
            f"(nearest other label) min {d.min(initial=np.inf):.3e}, median {np.median(d):.3e}"
            + (
                f", (through the first layer's row space) min {self.row_space.min(initial=np.inf):.3e}, median "
                f"{np.median(self.row_space):.3e}"
                if (self.row_space < d).any()
                else ""
            )
        )


def robust_radius(
    network: Network, X, y, *, norm: str = "inf", kind: str | None = None, tol: float | None = None, rtol=0.01
) -> RobustRadii:
    """The certified robust radius of every point (module doc).

    Parameters
    ----------
    network : Network
        Float parameters (built, trained, or read from a model).
    X : array_like, shape (N, n_in)
        The points.
    y : array_like
        Their labels, as :func:`memorizers.verify` takes them.
    norm : {"inf", "2"}
        The norm of the balls.
    kind : str, optional
        The label kind (default: the network's).
    tol : float, optional
        Real labels: the largest |f(x) - y_i| accepted on the ball (default: the network's recorded tolerance).
    rtol : float
        The relative gap between the certified radius and the uncertified one at which the search stops.

    Returns
    -------
    RobustRadii
        Per point the certified radius and the upper bound; the separation.

    Raises
    ------
    InvalidDataError
        An unknown norm, data that do not fit the network, or a network with exact parameters.
    """
    if str(norm) not in NORMS:
        raise InvalidDataError(f"norm must be 'inf' or '2'; got {norm!r}")
    norm = str(norm)
    if network.exact:
        raise InvalidDataError("robust_radius encloses float parameters; this network has exact ones")
    X = np.asarray(network.as_read(np.asarray(X, dtype=np.float64)), dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != network.n_in:
        raise InvalidDataError(f"X must have shape (N, {network.n_in}); got {X.shape}")
    recorded_kind, recorded_tol = recorded_kind_and_tol(network)
    kind = kind or recorded_kind or infer_kind(np.asarray(y), network.n_out)
    given = labels.for_network(network, y, kind)
    if len(given) != len(X):
        raise InvalidDataError(f"X has {len(X)} points but y has {len(given)} labels")
    if tol is None:
        tol = recorded_tol if recorded_tol is not None and kind == recorded_kind else default_tol(len(X))
    Y = given.targets(network.n_out)
    ids = np.unique(np.asarray(Y), axis=0, return_inverse=True)[1].reshape(-1)
    nearest = nearest_other(X, ids, norm)
    separation = float(nearest.min(initial=np.inf)) / 2
    first = network.layers[0]
    # a residual first block passes x on, and a full-rank first layer has no null space to move along
    bound = row_space_distance(X, ids, first.weight, norm) if isinstance(first, Dense) else None
    row_space = nearest if bound is None else np.minimum(nearest, bound)
    certifier = Certifier(network, equilibrate=False)  # the box in the data's own coordinates
    rules = exactness.prepare(network, FORMATS["float64"]) if exactness.eligible(network) else None

    ball = norm == "2" and isinstance(first, Dense)  # the first layer's own l_2 term, not the enclosing box

    def proves(mu: np.ndarray) -> np.ndarray:
        R = np.broadcast_to(mu[:, None], X.shape).copy()
        with np.errstate(all="ignore"):
            enc = certifier.enclose_ball(X, mu) if ball else certifier.enclose_box(X, R)
            p = certified(enc, Y, kind, tol)
        if rules is not None and not p.all():  # a float-native network: the exactness rules over the box
            p |= exactness.proved(rules, X, Y, kind, tol, FORMATS["float64"], R)[0]
        return p

    ok = proves(np.zeros(len(X)))  # the points themselves
    spread = float(np.abs(X).max(initial=0.0)) + 1.0
    hi = np.where(np.isfinite(row_space), row_space, 2 * spread)
    lo = np.zeros(len(X))
    steps = 1
    # halving from the upper bound until certified (or far below it), then geometric bisection
    searching = ok.copy()
    for _ in range(60):
        if not searching.any():
            break
        mu = hi / 2
        p = proves(np.where(searching, mu, 0.0))
        steps += 1
        found = searching & p
        lo[found] = mu[found]
        hi[searching & ~p] = mu[searching & ~p]
        searching &= ~p & (hi > spread * 2.0**-60)
    active = ok & (lo > 0) & (hi > lo * (1 + rtol))
    while active.any() and steps < 200:
        mu = np.sqrt(np.where(active, lo * hi, 0.0))
        p = proves(np.where(active, mu, 0.0))
        steps += 1
        lo[active & p], hi[active & ~p] = mu[active & p], mu[active & ~p]
        active &= hi > lo * (1 + rtol)
    return RobustRadii(norm, np.where(ok, lo, 0.0), nearest, row_space, separation, steps, kind, float(tol))

"""The registry of constructions: each registers itself beside its definition with :func:`register`.

A construction is a function ``(X, y, *, widths=None, activation=..., seed=None, ...)`` returning
``(Network, info)``. Registering it gives it the CLI's ``--method``, lets :func:`memorizers.build`
verify it with the label kind its theorem promises, stamps what built a network into
``network.meta`` (method, statement, activation, hidden widths, seed) on every call, adds the two
fields every record shares (``info["bound"]``, the theorem's figure, and ``info["used"]``, the same
quantity in what was built; :attr:`Method.quantity` names it), and enrols it
in the conformance battery (tests/test_conformance.py, whose data per method lives in
tests/methods.py), which checks the size against the same ``widths`` function the registry holds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Method:
    """A registered construction.

    name: the CLI's ``--method``; construct: the function; kind: how :func:`memorizers.build`
    scores the labels (a label kind of :mod:`memorizers.verify`); statement: the paper and the
    result it implements; summary: one line for ``--help``; widths: ``(X, y, options, info=None)``
    -> the hidden widths the theorem's formula gives for that data (``info``: the construction's
    record, for the boosting methods whose size is counted in rounds). quantity: what the shared record
    fields ``bound`` (the theorem's figure) and ``used`` (the network's) count; for ``"hidden neurons"`` the
    registry fills them from ``widths`` and the network, for any other quantity the construction does. A widths
    function whose answer needs the record (the boosting methods' rounds) returns None entries without it.
    parameters: ``(n_in, widths, n_out)`` -> the network's parameter count for those hidden widths (default: a
    chain of dense layers, :func:`chain_parameters`), or None where the layout is known only after building;
    :func:`memorizers.build.plan` reports it before any work. memory: ``(X, y, options)`` -> the bytes the
    construction's own work needs beyond its network, where that dominates (zhang's n x n system), else None.
    decided: for a construction whose size is decided while building (widths None without the record), what
    decides it, as :func:`memorizers.build.plan` says it.
    """

    name: str
    construct: Callable
    kind: str
    statement: str
    summary: str
    widths: Callable
    quantity: str = "hidden neurons"
    parameters: Callable | None = None
    memory: Callable | None = None
    decided: str = ""


METHODS: dict[str, Method] = {}


def chain_parameters(n_in: int, widths: list[int], n_out: int) -> int:
    """Weights and biases of dense layers n_in -> widths -> n_out."""
    dims = [n_in, *widths, n_out]
    return int(sum((a + 1) * b for a, b in zip(dims, dims[1:])))


def register(
    name: str,
    *,
    kind: str,
    statement: str,
    summary: str,
    widths: Callable,
    quantity: str = "hidden neurons",
    parameters: Callable | None = chain_parameters,
    memory: Callable | None = None,
    decided: str = "",
):
    """Register the decorated construction as ``name`` (see :class:`Method`)."""

    def decorate(construct):
        @functools.wraps(construct)  # inspect.signature sees the construction's own options
        def stamped(X, y, **options):
            network, info = construct(X, y, **options)
            if quantity == "hidden neurons":
                info.setdefault("bound", int(sum(widths(X, y, {**options, "widths": None}, info))))  # the formula
                info.setdefault("used", int(sum(network.hidden_widths)))
            elif not {"bound", "used"} <= info.keys():
                raise AssertionError(f"{name} must record bound and used ({quantity})")
            acts = list(dict.fromkeys(d.activation.name for d, hidden in network.dense_layers() if hidden))
            network.meta.update(
                method=name,
                statement=statement,
                activation=acts[0] if len(acts) == 1 else acts,
                widths=network.hidden_widths,
                seed=options.get("seed"),
            )
            return network, info

        if name in METHODS:
            raise ValueError(f"method {name!r} is registered twice")
        METHODS[name] = Method(name, stamped, kind, statement, summary, widths, quantity, parameters, memory, decided)
        return stamped

    return decorate


def given_widths(X, y, options, info=None) -> list[int]:
    """The widths option itself: for the constructions whose widths the user must give."""
    return list(options["widths"])

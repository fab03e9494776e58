"""An NK landscape whose elements are grouped into domains.

A community problem is ``n_elements`` binary decisions (program components, services, policies). Each
element's contribution depends on its own value and on ``k`` other elements (Kauffman's NK model); a share
``k_across`` of those interactions reach into other domains. ``k = 0`` is a technical, decomposable problem;
large ``k`` with most interactions across domains is a complex one (sources 000 and 001).

Outcomes are shares of what is achievable on the landscape *as it is now*: ``(F - F_min) / (F_max - F_min)``
with the extremes of the current landscape, after every policy win and every change of the problem. Up to
:data:`EXACT_LIMIT` elements the extremes are exact (every configuration is evaluated); above it they are
estimated by multi-start steepest ascent and descent (see :meth:`Landscape.estimated_extremes`). From
``NUMPY_LIMIT + 1`` to :data:`KEEP_LIMIT` elements (``k >= KEEP_FROM_K``) the sums of every configuration are kept
between searches and a change updates them (:mod:`cisim.problem.kept`), with the same result as evaluating
everything again.

Every evaluation is vectorised: a batch of configurations is one numpy call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

#: Up to this many elements the extremes are exact: every configuration is evaluated.
EXACT_LIMIT = 24
#: Up to this many elements exhaustive search runs in numpy; above it in numba-compiled Gray-code order
#: (faster per call, but importing numba costs a few tenths of a second once per process).
NUMPY_LIMIT = 12
#: Up to this many elements (and above ``NUMPY_LIMIT``) the sums of every configuration are kept between searches,
#: so that a policy win or turbulence updates them instead of walking again (:mod:`cisim.problem.kept`)...
KEEP_LIMIT = 16
#: ...when elements have at least this many partners: with fewer the Gray-code walk is so cheap (each step updates
#: one or two contributions) that computing every sum first costs more than later changes save (measured in default
#: runs: k = 1 slower, k = 2 faster; see benchmarks/README.md).
KEEP_FROM_K = 2
#: Random starts of each climb when the extremes are estimated.
ESTIMATE_STARTS = 1024
#: Configurations evaluated together in numpy's exhaustive search (bounds its memory to a few megabytes).
_CHUNK = 1 << 15
#: Extremes found recently in this process, by a digest of what they were found from (oldest first).
_SEARCHES: dict[bytes, Extremes] = {}
_SEARCHES_KEPT = 16

Interaction = Literal["random", "adjacent", "with_replacement"]
INTERACTIONS: tuple[str, ...] = ("random", "adjacent", "with_replacement")


@dataclass(frozen=True, eq=False)
class Extremes:
    """Best and worst raw fitness of a landscape, overall and per domain.

    Attributes:
        minimum: lowest raw fitness (mean contribution) of any configuration.
        maximum: highest raw fitness.
        optimum: a configuration reaching ``maximum``.
        domain_minimum: per domain, the lowest mean contribution of its elements.
        domain_maximum: per domain, the highest.
        exact: whether every configuration was evaluated (otherwise the values are estimates: ``maximum``
            and ``domain_maximum`` are reached by a known configuration, so they are lower bounds, and the
            minima upper bounds).
    """

    minimum: float
    maximum: float
    optimum: np.ndarray
    domain_minimum: np.ndarray
    domain_maximum: np.ndarray
    exact: bool


class Landscape:
    """A changing NK landscape with domains, normalised to its current extremes.

    Args:
        n_elements: number of binary decisions.
        n_domains: number of domains the elements are split into (contiguous, near-equal blocks).
        k: interactions per element.
        k_across: share of all interactions that reach other domains (``"random"`` interaction only). The
            number of interactions across domains is ``round(n_elements * k * k_across)``, spread as evenly
            as possible over the elements, so the share over the problem is exact to within one
            interaction. Where a domain is too small to hold an element's remaining partners (or other
            domains too few), the nearest feasible count is used; :attr:`across_share` is the share drawn.
        rng: the model's generator; the only source of randomness. It is drawn from in a fixed order:
            dependencies, contribution tables, then one seed for the estimate of extremes.
        interaction: ``"random"`` (``k`` distinct partners drawn at random, as above), ``"adjacent"``
            (element ``i`` depends on the ``k`` elements that follow it, wrapping round, as in Levinthal 1997)
            or ``"with_replacement"`` (each of the ``k`` partners drawn uniformly from all ``n_elements``,
            itself included, so a partner can repeat and an element may depend on fewer than ``k`` others, as
            Lazer & Friedman's NK program draws them). ``k_across`` applies to ``"random"`` only.

    Policy wins (:meth:`improve`) lift an element's contributions towards 1 and stay in force when the
    problem changes (:meth:`redraw`): the landscape keeps the drawn *base* tables and a cumulative lift per
    element, and evaluates ``tables = base + lift * (1 - base)``.
    """

    def __init__(
        self,
        n_elements: int,
        n_domains: int,
        k: int,
        k_across: float,
        rng: np.random.Generator,
        interaction: Interaction = "random",
    ) -> None:
        if n_elements < 1:
            raise ValueError(f"n_elements must be at least 1, got {n_elements}")
        if not 1 <= n_domains <= n_elements:
            raise ValueError(f"n_domains must be in [1, {n_elements}] (one element at least each), got {n_domains}")
        if not 0 <= k < n_elements:
            raise ValueError(f"k must be in [0, {n_elements - 1}] (fewer than n_elements), got {k}")
        if not 0.0 <= k_across <= 1.0:
            raise ValueError(f"k_across must be a share in [0, 1], got {k_across}")
        if interaction not in INTERACTIONS:
            raise ValueError(f"interaction must be one of {', '.join(INTERACTIONS)}, got {interaction!r}")
        self.n_elements = n_elements
        self.n_domains = n_domains
        self.k = k
        self.k_across = k_across
        self.interaction = interaction
        self.domain_sizes = _block_sizes(n_elements, n_domains)
        self.domain_of = np.repeat(np.arange(n_domains), self.domain_sizes)
        self.domain_matrix = np.eye(n_domains)[self.domain_of]  # (N, D) one-hot
        if interaction == "adjacent":
            self.dependencies = adjacent_dependencies(n_elements, k)
        elif interaction == "with_replacement":
            self.dependencies = dependencies_with_replacement(n_elements, k, rng)
        else:
            self.dependencies = random_dependencies(self.domain_of, k, k_across, rng)
        self.base_tables = rng.random((n_elements, 2 ** (k + 1)))
        self._estimate_seed = int(rng.integers(2**63))
        #: Cumulative policy lift of each element: its contributions stand this share of the way to 1.
        self.lifts = np.zeros(n_elements)
        #: Contribution tables in force (base tables with policy lifts applied).
        self.tables = self.base_tables.copy()
        self.optimum_is_exact = n_elements <= EXACT_LIMIT
        self._geometry = _Geometry(self.dependencies, self.domain_of, n_domains)
        #: First element of each domain (domains are contiguous blocks).
        self.domain_starts = self._geometry.domain_starts
        #: Byte look-up tables from a configuration to its table rows, ``(bytes, 256, n_elements)``.
        self.index_tables = _byte_index_tables(self.dependencies, self.tables.shape[1])
        self._current: Extremes | None = None
        self._base: Extremes | None = None
        #: Counts changes of the tables in force (turbulence, policy wins).
        self.version = 0

    # ----------------------------------------------------------------- structure
    @property
    def across_share(self) -> float:
        """Share of all interactions that reach another domain, as drawn (0 when ``k = 0``)."""
        if self.k == 0:
            return 0.0
        partners = self.dependencies[:, 1:]
        return float((self.domain_of[partners] != self.domain_of[:, None]).mean())

    # ----------------------------------------------------------------- evaluation
    def contributions(self, configs: np.ndarray, tables: np.ndarray | None = None) -> np.ndarray:
        """Per-element contributions of a batch of configurations.

        Args:
            configs: array whose last axis is the elements (true or nonzero: the element is 1); one
                configuration of shape ``(n_elements,)`` is treated as a batch of one.
            tables: contribution tables to read instead of those in force (e.g. the problem as it was
                when late data were collected).

        Returns:
            Shape ``(batch, n_elements)`` for one or two dimensions in, else the input's shape.
        """
        configs = np.asarray(configs)
        if configs.shape[-1] != self.n_elements:
            raise ValueError(f"configurations must have {self.n_elements} elements, got shape {configs.shape}")
        if configs.dtype.kind not in "biu":  # packbits takes booleans and integers (any nonzero is 1)
            configs = configs != 0
        flat = configs.reshape(-1, self.n_elements)
        # Each element's table row is found from the configuration's bytes: one small look-up per byte,
        # instead of one gather per dependency.
        packed = np.packbits(flat, axis=1, bitorder="little")
        index = self.index_tables[0][packed[:, 0]]
        for byte in range(1, packed.shape[1]):
            index += self.index_tables[byte][packed[:, byte]]
        values = (self.tables if tables is None else tables).ravel()[index]
        return values if configs.ndim <= 2 else values.reshape(configs.shape)

    def raw_fitness(self, configs: np.ndarray) -> np.ndarray:
        """Mean contribution of each configuration (not normalised)."""
        return self.contributions(configs).mean(axis=-1)

    def normalise(self, raw: np.ndarray) -> np.ndarray:
        """Map raw fitness to the share of achievable progress on the landscape as it is now.

        0 is the worst and 1 the best configuration. Exact extremes keep community fitness within
        [0, 1]; estimated ones are clipped to it. Other means of contributions (an organization's own
        domains) are mapped with the same bounds and may fall outside [0, 1].
        """
        extremes = self.extremes
        spread = extremes.maximum - extremes.minimum
        if spread <= 0.0:  # every configuration is as good as the best (a fully lifted, flat landscape)
            return np.ones_like(np.asarray(raw, dtype=float))
        share = (np.asarray(raw) - extremes.minimum) / spread
        return share if extremes.exact else np.clip(share, 0.0, 1.0)

    def outcome(self, configs: np.ndarray) -> np.ndarray:
        """Community outcome of a batch of configurations, in [0, 1]: the share of achievable progress."""
        return self.normalise(self.raw_fitness(configs))

    def domain_raw_fitness(self, configs: np.ndarray) -> np.ndarray:
        """Mean contribution of each domain's elements, shape ``(batch, n_domains)``."""
        contributions = self.contributions(configs)
        # reduceat over contiguous blocks sums each row on its own, so a configuration's value does not
        # depend on the batch it comes in (matrix products may round differently per batch size).
        return np.add.reduceat(contributions, self._geometry.domain_starts, axis=-1) / self.domain_sizes

    def domain_outcomes(self, configs: np.ndarray) -> np.ndarray:
        """Per-domain outcome of each configuration, shape ``(batch, n_domains)``, in [0, 1].

        A domain's outcome is its elements' mean contribution rescaled by that domain's own extremes over
        all configurations of the current landscape: 1 is the best that domain can reach.
        """
        extremes = self.extremes
        spread = extremes.domain_maximum - extremes.domain_minimum
        flat = spread <= 0.0
        share = (self.domain_raw_fitness(configs) - extremes.domain_minimum) / np.where(flat, 1.0, spread)
        share = np.where(flat, 1.0, share)
        return share if extremes.exact else np.clip(share, 0.0, 1.0)

    def is_local_peak(self, configs: np.ndarray) -> np.ndarray:
        """Whether each configuration is a local peak: no one-element change raises its fitness."""
        configs = np.atleast_2d(np.asarray(configs, dtype=bool))
        n = self.n_elements
        neighbours = configs[:, None, :] ^ np.eye(n, dtype=bool)[None, :, :]
        values = self.raw_fitness(configs)
        neighbour_values = self.raw_fitness(neighbours.reshape(-1, n)).reshape(len(configs), n)
        return (neighbour_values <= values[:, None]).all(axis=1)

    def local_peaks(self) -> int:
        """Number of configurations that no one-element change improves (Levinthal 1997).

        Raises:
            ValueError: above :data:`EXACT_LIMIT` elements, where configurations cannot all be visited.
        """
        n = self.n_elements
        if n > EXACT_LIMIT:
            raise ValueError(
                f"local_peaks needs every configuration and is limited to {EXACT_LIMIT} elements; "
                f"this landscape has {n}"
            )
        fitness = np.empty(1 << n)
        for start, contributions in _exhaustive_contributions(self.tables, self.index_tables, n):
            fitness[start : start + len(contributions)] = contributions.mean(axis=1)
        peak = np.ones(1 << n, dtype=bool)
        for element in range(n):
            # Codes split as (higher bits, this element's bit, lower bits): compare the two halves.
            pairs = fitness.reshape(-1, 2, 1 << element)
            mask = peak.reshape(-1, 2, 1 << element)
            mask[:, 0] &= pairs[:, 0] >= pairs[:, 1]
            mask[:, 1] &= pairs[:, 1] >= pairs[:, 0]
        return int(peak.sum())

    # ----------------------------------------------------------------- extremes
    @property
    def extremes(self) -> Extremes:
        """Extremes of the landscape as it is now (computed when first needed after a change)."""
        if self._current is None:
            if not self.lifts.any():
                self._current = self._base_extremes()
            else:
                base = self._base_extremes()
                self._current = self._find_extremes(self.tables, track_domains=True, start=base.optimum)
        return self._current

    @property
    def minimum(self) -> float:
        """Lowest raw fitness of the current landscape."""
        return self.extremes.minimum

    @property
    def maximum(self) -> float:
        """Highest raw fitness of the current landscape (the global optimum's)."""
        return self.extremes.maximum

    @property
    def optimum(self) -> np.ndarray:
        """A configuration with the highest raw fitness of the current landscape."""
        return self.extremes.optimum

    @property
    def domain_minimum(self) -> np.ndarray:
        """Per domain, the lowest mean contribution of its elements on the current landscape."""
        return self.extremes.domain_minimum

    @property
    def domain_maximum(self) -> np.ndarray:
        """Per domain, the highest mean contribution of its elements on the current landscape."""
        return self.extremes.domain_maximum

    @property
    def policy_gain(self) -> float:
        """How much policy wins have raised what is achievable, in units of the unlifted landscape's range.

        ``(max F_now - max F_base) / (max F_base - min F_base)``, where ``F_base`` is the landscape without
        policy lifts (as the problem stands now, after any turbulence); exactly 0 without lifts.
        """
        if not self.lifts.any():
            return 0.0
        base = self._base_extremes()
        gain = (self.maximum - base.maximum) / (base.maximum - base.minimum)
        return max(gain, 0.0)

    def _base_extremes(self) -> Extremes:
        if self._base is None:
            # Without lifts the current landscape is the base one, so its domains are needed too.
            self._base = self._find_extremes(self.base_tables, track_domains=not self.lifts.any())
        return self._base

    def _find_extremes(self, tables: np.ndarray, track_domains: bool, start: np.ndarray | None = None) -> Extremes:
        # Runs of one seed under several designs (paired arms) share their problem: its extremes are found
        # once per process (the search is a pure function of what the key holds).
        key = hashlib.sha256(tables.tobytes())
        key.update(self.dependencies.tobytes())
        key.update(repr((tables.shape, self.n_domains)).encode())
        if not self.optimum_is_exact:
            key.update(repr((track_domains, self._estimate_seed)).encode())
            key.update(b"" if start is None else b"start" + start.tobytes())
        digest = key.digest()
        found = _SEARCHES.pop(digest, None)
        if found is None:
            found = self._search(tables, track_domains, start)
        _SEARCHES[digest] = found  # most recent last
        while len(_SEARCHES) > _SEARCHES_KEPT:
            del _SEARCHES[next(iter(_SEARCHES))]
        return found

    def _search(self, tables: np.ndarray, track_domains: bool, start: np.ndarray | None) -> Extremes:
        if self.optimum_is_exact:  # domains come at little extra cost
            if NUMPY_LIMIT < self.n_elements <= KEEP_LIMIT and self.k >= KEEP_FROM_K:
                # Sums of every configuration, kept between searches: a change costs a fraction of a walk.
                from cisim.problem.kept import kept_extreme_codes  # imported here: numba is slow to import

                codes = kept_extreme_codes(tables, self.dependencies, self.domain_of, self.n_domains)
                if codes is not None:  # else an extreme is too close to call from the sums: walk
                    return _extremes_of_codes(tables, self._geometry, codes)
            method: Literal["numpy", "numba"] = "numpy" if self.n_elements <= NUMPY_LIMIT else "numba"
            return exact_extremes(tables, self.dependencies, self.domain_of, self.n_domains, method)
        extra = None if start is None else start[None, :]
        return self.estimated_extremes(tables, track_domains, extra_starts=extra)

    def estimated_extremes(
        self,
        tables: np.ndarray | None = None,
        track_domains: bool = True,
        starts: int = ESTIMATE_STARTS,
        extra_starts: np.ndarray | None = None,
    ) -> Extremes:
        """Estimate the extremes by multi-start steepest ascent and descent.

        From ``starts`` random configurations (drawn from a generator seeded once from the model's, when
        the landscape was built, so an estimate depends only on the tables) each climb moves to the best
        one-element change until none improves. The estimated maximum is the best peak found, a lower bound
        on the true optimum (and the minimum an upper bound); outcomes computed with estimated extremes are
        clipped to [0, 1]. ``benchmarks/normalisation.py`` measures the error against exact extremes.

        Args:
            tables: contribution tables to search (default: the current ones).
            track_domains: whether to estimate each domain's extremes too (two more climbs per domain).
            starts: random starts per climb.
            extra_starts: configurations added to the random starts (the unlifted optimum, which keeps the
                estimate of a lifted landscape at least as high as the unlifted one).
        """
        tables = self.tables if tables is None else tables
        rng = np.random.default_rng(self._estimate_seed)
        n = self.n_elements
        configs = rng.random((starts, n)) < 0.5
        if extra_starts is not None:
            configs = np.vstack([configs, extra_starts.astype(bool)])
        climb = _Climber(tables, self.dependencies, n)
        optimum, worst = climb(configs, +1.0), climb(configs, -1.0)
        if track_domains:  # each domain's climb involves only its own elements' tables
            domains = [
                _Climber(tables[rows], self.dependencies[rows], n)
                for rows in np.split(np.arange(n), self._geometry.domain_starts[1:])
            ]
            domain_best = np.array([climb(configs, +1.0) for climb in domains])
            domain_worst = np.array([climb(configs, -1.0) for climb in domains])
        else:
            domain_best = domain_worst = np.zeros((0, n), dtype=bool)
        return _extremes_at(tables, self._geometry, optimum, worst, domain_best, domain_worst, exact=False)

    # ----------------------------------------------------------------- change
    def redraw(self, share: float, rng: np.random.Generator) -> int:
        """Redraw the base tables of a random set of elements (turbulence); returns how many.

        Each element is redrawn with probability ``share``. Policy lifts stay in force on the redrawn
        elements (the rule still applies to whatever the problem has become).
        """
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"share of elements to redraw must be in [0, 1], got {share}")
        count = int(rng.binomial(self.n_elements, share))
        if count:
            rows = rng.choice(self.n_elements, count, replace=False)
            self.base_tables[rows] = rng.random((count, self.base_tables.shape[1]))
            self._apply_lifts(rows)
            self._base = None
            self._current = None
            self.version += 1
        return count

    def improve(self, element: int, lift: float) -> None:
        """Lift one element's contributions a share ``lift`` of the way towards 1 (a policy win).

        Lifts compound: after lifts ``a`` then ``b`` the element stands ``1 - (1 - a)(1 - b)`` of the way.
        Outcomes are measured against the lifted landscape's own extremes, so they stay in [0, 1]; how much
        the wins have raised what is achievable is :attr:`policy_gain`.
        """
        if not 0 <= element < self.n_elements:
            raise ValueError(f"element must be in [0, {self.n_elements - 1}], got {element}")
        if not 0.0 <= lift <= 1.0:
            raise ValueError(f"lift must be a share in [0, 1], got {lift}")
        if lift == 0.0:
            return
        self.lifts[element] = 1.0 - (1.0 - self.lifts[element]) * (1.0 - lift)
        self._apply_lifts(np.array([element]))
        self._current = None
        self.version += 1

    def _apply_lifts(self, rows: np.ndarray) -> None:
        base = self.base_tables[rows]
        self.tables[rows] = base + self.lifts[rows, None] * (1.0 - base)


# --------------------------------------------------------------------- interactions
def adjacent_dependencies(n_elements: int, k: int) -> np.ndarray:
    """Each element followed by the ``k`` elements after it, wrapping round (Levinthal 1997)."""
    return (np.arange(n_elements)[:, None] + np.arange(k + 1)[None, :]) % n_elements


def dependencies_with_replacement(n_elements: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Each element followed by ``k`` partners drawn uniformly from all elements, with replacement.

    A partner may be the element itself or repeat another, so an element can depend on fewer than ``k``
    others; its table still has ``2^(k+1)`` rows, of which only those consistent with the repeats are read.
    This is how Lazer & Friedman's NK program (``NK_gen.build_space``) links elements.
    """
    dependencies = np.empty((n_elements, k + 1), dtype=np.intp)
    dependencies[:, 0] = np.arange(n_elements)
    dependencies[:, 1:] = rng.integers(0, n_elements, (n_elements, k))
    return dependencies


def random_dependencies(domain_of: np.ndarray, k: int, k_across: float, rng: np.random.Generator) -> np.ndarray:
    """Each element followed by ``k`` partners drawn at random, a share ``k_across`` of all in other domains.

    The total number of partners across domains is ``round(n * k * k_across)``, clipped to what the domain
    sizes allow. Elements get ``floor`` or ``ceil`` of the mean (which ones at random); where an element
    cannot take its count (its own domain has too few other elements, or other domains too few), the
    nearest feasible count is used and the difference is spread over the other elements, lowest counts
    first when adding and highest first when taking away.
    """
    n = domain_of.size
    sizes = np.bincount(domain_of)[domain_of]
    room_within = sizes - 1
    room_across = n - sizes
    lowest = np.maximum(0, k - room_within)
    highest = np.minimum(k, room_across)
    target = int(np.clip(round(n * k * k_across), lowest.sum(), highest.sum()))
    order = rng.permutation(n)
    across = np.full(n, target // n)
    across[order[: target % n]] += 1
    across = np.clip(across, lowest, highest)
    # Hand out what clipping removed (or take back what it added): lowest counts first when adding,
    # highest first when taking away, ties in the random order.
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    while (gap := target - int(across.sum())) != 0:
        if gap > 0:
            open_ = np.flatnonzero(across < highest)
            pick = open_[np.lexsort((rank[open_], across[open_]))[0]]
            across[pick] += 1
        else:
            open_ = np.flatnonzero(across > lowest)
            pick = open_[np.lexsort((rank[open_], -across[open_]))[0]]
            across[pick] -= 1
    dependencies = np.empty((n, k + 1), dtype=np.intp)
    elements = np.arange(n)
    for i in range(n):
        same = elements[(domain_of == domain_of[i]) & (elements != i)]
        other = elements[domain_of != domain_of[i]]
        within = rng.choice(same, k - across[i], replace=False)
        outside = rng.choice(other, across[i], replace=False)
        dependencies[i] = np.concatenate([[i], within, outside])
    return dependencies


# --------------------------------------------------------------------- exhaustive search
def exact_extremes(
    tables: np.ndarray,
    dependencies: np.ndarray,
    domain_of: np.ndarray,
    n_domains: int,
    method: Literal["numpy", "numba"] = "numba",
) -> Extremes:
    """Exact extremes of an NK landscape, overall and per domain, by evaluating every configuration.

    Args:
        tables: contribution tables, ``(n, 2^(k+1))``.
        dependencies: each element followed by its partners, ``(n, k+1)``.
        domain_of: domain of each element (contiguous blocks).
        n_domains: number of domains.
        method: ``"numpy"`` (vectorised chunks: no compilation, fastest for small problems) or ``"numba"``
            (Gray-code order, compiled: about ``(k+1)/n`` of numpy's work; see :mod:`cisim.problem.gray_code`).
    """
    geometry = _Geometry(dependencies, domain_of, n_domains)
    if method == "numba":
        from cisim.problem.gray_code import gray_code_extremes  # imported here: numba is slow to import

        best, worst, domain_best, domain_worst = gray_code_extremes(
            np.ascontiguousarray(tables, dtype=np.float64),
            domain_of.astype(np.int64),
            n_domains,
            *_gray_code_lookups(dependencies, domain_of),
        )
    elif method == "numpy":
        best, worst, domain_best, domain_worst = _numpy_extremes(tables, geometry)
    else:
        raise ValueError(f"method must be 'numpy' or 'numba', got {method!r}")
    return _extremes_of_codes(tables, geometry, (best, worst, domain_best, domain_worst))


def _extremes_of_codes(
    tables: np.ndarray, geometry: _Geometry, codes: tuple[int, int, np.ndarray, np.ndarray]
) -> Extremes:
    """Extremes valued exactly at configuration codes (bit ``e`` is element ``e``).

    ``codes`` are the best and worst configurations' codes, then each domain's best and worst codes.
    """
    best, worst, domain_best, domain_worst = codes
    if len(domain_best) and geometry.domain_sizes.all():  # valued in one compiled call, to the last bit the same
        from cisim.problem.compiled import values_at_codes  # imported here: numba is slow to import

        values = values_at_codes(
            np.ascontiguousarray(tables, dtype=np.float64),
            geometry.dependencies,
            geometry.domain_starts,
            geometry.domain_sizes,
            np.concatenate([[best, worst], domain_best, domain_worst]).astype(np.int64),
        )
        domains = geometry.n_domains
        return Extremes(
            minimum=float(values[1]),
            maximum=float(values[0]),
            optimum=_frozen(((best >> np.arange(tables.shape[0])) & 1) > 0),
            domain_minimum=_frozen(values[2 + domains :]),
            domain_maximum=_frozen(values[2 : 2 + domains]),
            exact=True,
        )
    bits = 1 << np.arange(tables.shape[0])

    def decode(code: np.ndarray | int) -> np.ndarray:
        return (np.asarray(code, dtype=np.int64)[..., None] & bits) > 0

    return _extremes_at(
        tables, geometry, decode(best), decode(worst), decode(domain_best), decode(domain_worst), exact=True
    )


def _numpy_extremes(tables: np.ndarray, geometry: _Geometry) -> tuple[int, int, np.ndarray, np.ndarray]:
    n, n_domains = tables.shape[0], geometry.n_domains
    best = np.full(n_domains + 1, -np.inf)  # each domain, then the whole problem
    worst = np.full(n_domains + 1, np.inf)
    best_code = np.zeros(n_domains + 1, dtype=np.int64)
    worst_code = np.zeros(n_domains + 1, dtype=np.int64)
    columns = np.arange(n_domains + 1)
    index_tables = _byte_index_tables(geometry.dependencies, tables.shape[1])
    # Sums without matrix products: BLAS threads cost more than they save on these narrow arrays.
    for start, contributions in _exhaustive_contributions(tables, index_tables, n):
        sums = np.empty((len(contributions), n_domains + 1))
        np.add.reduceat(contributions, geometry.domain_starts, axis=1, out=sums[:, :-1])
        contributions.sum(axis=1, out=sums[:, -1])
        high, low = sums.argmax(axis=0), sums.argmin(axis=0)
        higher = sums[high, columns] > best
        best[higher], best_code[higher] = sums[high, columns][higher], start + high[higher]
        lower = sums[low, columns] < worst
        worst[lower], worst_code[lower] = sums[low, columns][lower], start + low[lower]
    return int(best_code[-1]), int(worst_code[-1]), best_code[:-1], worst_code[:-1]


def _exhaustive_contributions(tables: np.ndarray, index_tables: np.ndarray, n: int) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first code, contributions)`` for every configuration in code order, in chunks."""
    low_bits = min(n, 8)
    low = index_tables[0][: 1 << low_bits]  # table rows for every value of the lowest byte
    n_high = 1 << (n - low_bits)
    high_codes = np.arange(n_high)
    high = np.zeros((n_high, n), dtype=np.intp)
    for byte in range(1, len(index_tables)):
        high += index_tables[byte][(high_codes >> (8 * (byte - 1))) & 255]
    per_chunk = max(1, _CHUNK >> low_bits)
    flat_tables = tables.ravel()
    for first in range(0, n_high, per_chunk):
        index = high[first : first + per_chunk, None, :] + low[None, :, :]
        yield first << low_bits, flat_tables[index.reshape(-1, n)]


def _gray_code_lookups(dependencies: np.ndarray, domain_of: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per element: the elements that depend on it, the bit it sets in their table index, and their domains.

    Rows are padded with -1; see :func:`cisim.problem.gray_code.gray_code_extremes`.
    """
    n, width = dependencies.shape
    causes = dependencies.ravel()  # row-major: dependent i, then its positions in order
    order = np.argsort(causes, kind="stable")
    counts = np.bincount(causes, minlength=n)
    slot = np.arange(causes.size) - np.repeat(np.cumsum(counts) - counts, counts)
    dependents = np.full((n, int(counts.max())), -1, dtype=np.int64)
    toggles = np.zeros_like(dependents)
    dependents[causes[order], slot] = order // width
    toggles[causes[order], slot] = 1 << (order % width)
    # The distinct domains of each element's dependents, in increasing order, padded with -1.
    touches = np.zeros((n, int(domain_of.max()) + 1), dtype=bool)
    touches[causes, domain_of[np.arange(n).repeat(width)]] = True
    touched_domains = np.full_like(dependents, -1)
    rows, domains = np.nonzero(touches)
    per_row = touches.sum(axis=1)
    touched_domains[rows, np.arange(len(rows)) - np.repeat(np.cumsum(per_row) - per_row, per_row)] = domains
    return dependents, toggles, touched_domains


def _byte_index_tables(dependencies: np.ndarray, row_length: int) -> np.ndarray:
    """Look-up tables from a configuration's bytes to each element's position in the flattened tables.

    ``tables.ravel()[sum_b index_tables[b][byte_b]]`` are the contributions of a configuration whose
    elements ``8b .. 8b+7`` make up ``byte_b`` (least significant bit first). Each table is
    ``(256, n)`` (one array of shape ``(bytes, 256, n)``); the first one also holds each element's row offset.
    """
    n = dependencies.shape[0]
    n_bytes = (n + 7) // 8
    # weights[b, p, i]: the bit of element i's table index that element 8b + p sets (0 if not a dependency)
    weights = np.zeros((n_bytes, 8, n), dtype=np.intp)
    elements, positions = np.indices(dependencies.shape)
    # Summed, not assigned: an element that appears twice in a row (interaction "with_replacement") sets two bits.
    np.add.at(weights, (dependencies // 8, dependencies % 8, elements), 1 << positions)
    bits = (np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1  # bits[v, p]: bit p of byte value v
    index_tables = bits @ weights  # (bytes, 256, n)
    index_tables[0] += np.arange(n) * row_length
    return index_tables


# --------------------------------------------------------------------- estimate
class _Climber:
    """Steepest ascent (or descent) on the summed contributions of some elements, from many starts at once.

    Args:
        tables: contribution tables of the elements whose sum is climbed, ``(m, 2^(k+1))``.
        dependencies: their dependencies, ``(m, k+1)``, naming elements of the whole problem.
        n_elements: elements of the whole problem (the configurations' length).
    """

    def __init__(self, tables: np.ndarray, dependencies: np.ndarray, n_elements: int) -> None:
        m, width = dependencies.shape
        self.tables = tables.ravel()
        self.dependencies = dependencies.astype(np.intp)  # intp throughout, as the compiled climb takes them
        self.offsets = np.arange(m, dtype=np.intp) * tables.shape[1]
        self.bit = 1 << np.arange(width)
        # toggles[e, i]: the bits of row i's table index that flip when element e flips.
        self.toggles = np.zeros((n_elements, m), dtype=np.intp)
        np.add.at(self.toggles, (dependencies, np.arange(m)[:, None]), self.bit[None, :])
        # Changes of (row, element) pairs grouped by the element whose flip causes them, to be summed per
        # element with reduceat (a matrix product would start BLAS threads that cost more than they save).
        # A pair is a row's first position naming the element; flipping the element toggles every bit it
        # sets in that row (more than one where a partner repeats, interaction "with_replacement").
        causes = dependencies.ravel()
        position = np.arange(width)
        first = (dependencies[:, :, None] != dependencies[:, None, :]) | (position[None, :] >= position[:, None])
        kept = np.flatnonzero(first.all(axis=2).ravel())
        self.pair_rows = (kept // width).astype(np.intp)
        self.pair_masks = self.toggles[causes[kept], self.pair_rows]
        self.grouped = np.argsort(causes[kept], kind="stable").astype(np.intp)
        moved, group_starts = np.unique(causes[kept][self.grouped], return_index=True)
        self.moved, self.group_starts = moved.astype(np.intp), group_starts.astype(np.intp)
        self.n_elements = n_elements

    def __call__(self, starts: np.ndarray, sign: float) -> np.ndarray:
        """The best configuration found by climbing (``sign = -1``: descending) from every start.

        Each start climbs on its own, compiled (:func:`cisim.problem.climbing.climb`), to the peak the arrays of
        the lockstep climb reached, with the same arithmetic. The peaks are valued here, by numpy as before (the
        order of a row's sum follows the array's layout), and the first of highest value is kept.
        """
        from cisim.problem.climbing import climb  # imported here: numba is slow to import

        peaks = climb(
            self.tables,
            self.dependencies,
            self.offsets,
            self.toggles,
            self.pair_rows,
            self.pair_masks,
            self.grouped,
            self.moved,
            self.group_starts,
            np.ascontiguousarray(starts, dtype=np.bool_),
            float(sign),
        )
        index = (peaks[:, self.dependencies].astype(np.intp) * self.bit).sum(axis=2) + self.offsets
        values = self.tables[index].sum(axis=1)
        return peaks[int((sign * values).argmax())].copy()


# --------------------------------------------------------------------- shared helpers
class _Geometry:
    """What turns contributions into totals and domain sums (shared by the landscape and bare tables)."""

    def __init__(self, dependencies: np.ndarray, domain_of: np.ndarray, n_domains: int) -> None:
        self.dependencies = dependencies
        self.n_domains = n_domains
        self.domain_sizes = np.bincount(domain_of, minlength=n_domains)
        self.domain_starts = np.concatenate([[0], np.cumsum(self.domain_sizes)[:-1]])


def _extremes_at(
    tables: np.ndarray,
    geometry: _Geometry,
    optimum: np.ndarray,
    worst: np.ndarray,
    domain_best: np.ndarray,
    domain_worst: np.ndarray,
    exact: bool,
) -> Extremes:
    """Extremes evaluated exactly at the configurations found, the way outcomes are evaluated."""
    rows = np.arange(tables.shape[0])

    def contributions(configs: np.ndarray) -> np.ndarray:
        configs = np.atleast_2d(configs).astype(np.intp)
        index = (configs[:, geometry.dependencies] << np.arange(geometry.dependencies.shape[1])).sum(axis=2)
        return tables[rows, index]

    def domain_means(configs: np.ndarray) -> np.ndarray:
        sums = np.add.reduceat(contributions(configs), geometry.domain_starts, axis=1)
        return sums / geometry.domain_sizes

    track = len(domain_best) > 0
    n_domains = geometry.n_domains

    return Extremes(
        minimum=float(contributions(worst).mean(axis=1)[0]),
        maximum=float(contributions(optimum).mean(axis=1)[0]),
        optimum=_frozen(np.asarray(optimum, dtype=bool)),
        domain_minimum=_frozen(np.diagonal(domain_means(domain_worst)) if track else np.full(n_domains, np.nan)),
        domain_maximum=_frozen(np.diagonal(domain_means(domain_best)) if track else np.full(n_domains, np.nan)),
        exact=exact,
    )


def _frozen(values: np.ndarray) -> np.ndarray:
    """A copy nobody may change in place (extremes are cached and shared)."""
    values = np.array(values)
    values.flags.writeable = False
    return values


def _block_sizes(n: int, parts: int) -> np.ndarray:
    """Sizes of ``parts`` contiguous blocks covering ``n`` items as evenly as possible."""
    sizes = np.full(parts, n // parts)
    sizes[: n % parts] += 1
    return sizes

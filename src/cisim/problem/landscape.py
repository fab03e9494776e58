"""An NK landscape whose elements are grouped into domains.

A community problem is ``n_elements`` binary decisions (program components, services, policies). Each
element's contribution depends on its own value and on ``k`` other elements (Kauffman's NK model); a share
``k_across`` of those interactions reach into other domains. ``k = 0`` is a technical, decomposable problem;
large ``k`` with most interactions across domains is a complex one (sources 000 and 001).

Every evaluation is vectorised: a batch of configurations is one numpy call.
"""

from __future__ import annotations

import numpy as np

#: Above this many elements the optimum is estimated by hill climbing instead of exhaustive search.
EXACT_LIMIT = 22
_CHUNK = 1 << 16


class Landscape:
    """A (possibly changing) NK landscape with domains, normalised to its global optimum.

    Args:
        n_elements: number of binary decisions.
        n_domains: number of domains the elements are split into (contiguous, near-equal blocks).
        k: interactions per element.
        k_across: share of each element's interactions that reach other domains.
        rng: the model's generator; the only source of randomness.
    """

    def __init__(
        self,
        n_elements: int,
        n_domains: int,
        k: int,
        k_across: float,
        rng: np.random.Generator,
        interaction: str = "random",
    ) -> None:
        if not 0 <= k < n_elements:
            raise ValueError(f"k must be in [0, {n_elements - 1}], got {k}")
        self.n_elements = n_elements
        self.n_domains = n_domains
        self.k = k
        self.k_across = k_across
        self.domain_of = np.repeat(np.arange(n_domains), _block_sizes(n_elements, n_domains))
        self.domain_matrix = np.eye(n_domains)[self.domain_of]  # (N, D) one-hot
        self.domain_sizes = self.domain_matrix.sum(axis=0)
        self.dependencies = self._draw_dependencies(rng)
        self.tables = rng.random((n_elements, 2 ** (k + 1)))
        self._row_offsets = np.arange(n_elements) * self.tables.shape[1]
        self.optimum_is_exact = n_elements <= EXACT_LIMIT
        self.minimum, self.maximum, self.optimum = self._extremes(rng)
        self.policy_gain = 0.0  # placeholder until policy gain is measured

    def _draw_dependencies(self, rng: np.random.Generator) -> np.ndarray:
        """For each element, itself followed by the ``k`` elements its contribution depends on."""
        n, k = self.n_elements, self.k
        deps = np.empty((n, k + 1), dtype=np.intp)
        elements = np.arange(n)
        for i in range(n):
            same = elements[(self.domain_of == self.domain_of[i]) & (elements != i)]
            other = elements[self.domain_of != self.domain_of[i]]
            n_across = min(round(k * self.k_across), other.size)
            n_within = min(k - n_across, same.size)
            n_across = k - n_within  # fill from other domains when the own domain is too small
            picked = np.concatenate(
                [rng.choice(same, n_within, replace=False), rng.choice(other, n_across, replace=False)]
            )
            deps[i] = np.concatenate([[i], picked])
        return deps

    # ----------------------------------------------------------------- evaluation
    def contributions(self, configs: np.ndarray) -> np.ndarray:
        """Per-element contributions of a batch of configurations, shape ``(batch, n_elements)``."""
        configs = np.atleast_2d(configs).astype(np.intp, copy=False)
        index = self._row_offsets + configs[:, self.dependencies[:, 0]]
        for j in range(1, self.k + 1):
            index += configs[:, self.dependencies[:, j]] << j
        return self.tables.ravel()[index]

    def raw_fitness(self, configs: np.ndarray) -> np.ndarray:
        """Mean contribution of each configuration (not normalised)."""
        return self.contributions(configs).mean(axis=1)

    def normalise(self, raw: np.ndarray) -> np.ndarray:
        """Map raw fitness to the share of achievable progress: 0 at the worst, 1 at the best configuration."""
        return (raw - self.minimum) / (self.maximum - self.minimum)

    def outcome(self, configs: np.ndarray) -> np.ndarray:
        """Community outcome (normalised) of a batch of configurations."""
        return self.normalise(self.raw_fitness(configs))

    def domain_outcomes(self, configs: np.ndarray) -> np.ndarray:
        """Per-domain outcome of each configuration, shape ``(batch, n_domains)``.

        A domain's outcome is its elements' mean contribution, rescaled with the same bounds as the
        community outcome so that both read as shares of achievable progress.
        """
        raw = self.contributions(configs) @ self.domain_matrix / self.domain_sizes
        return self.normalise(raw)

    # ----------------------------------------------------------------- extremes
    def _extremes(self, rng: np.random.Generator) -> tuple[float, float, np.ndarray]:
        if self.optimum_is_exact:
            return self._exhaustive_extremes()
        return self._estimated_extremes(rng)

    def _exhaustive_extremes(self) -> tuple[float, float, np.ndarray]:
        """Global minimum and maximum by evaluating every configuration, in vectorised chunks."""
        n = self.n_elements
        bits = 1 << np.arange(n)
        best, worst, best_code = -np.inf, np.inf, 0
        for start in range(0, 1 << n, _CHUNK):
            codes = np.arange(start, min(start + _CHUNK, 1 << n))
            values = self.raw_fitness((codes[:, None] & bits) > 0)
            i = int(values.argmax())
            if values[i] > best:
                best, best_code = float(values[i]), int(codes[i])
            worst = min(worst, float(values.min()))
        return worst, best, (best_code & bits) > 0

    def _estimated_extremes(self, rng: np.random.Generator, starts: int = 256) -> tuple[float, float, np.ndarray]:
        """Estimate the extremes by steepest-ascent (and descent) from many random starts.

        The estimate of the maximum is a lower bound on the true optimum, so a normalised outcome can
        slightly exceed 1 on problems above ``EXACT_LIMIT`` elements.
        """
        best_value, best_config = self._climb(rng.random((starts, self.n_elements)) < 0.5, 1.0)
        worst_value, _ = self._climb(rng.random((starts, self.n_elements)) < 0.5, -1.0)
        return -worst_value, best_value, best_config

    def _climb(self, configs: np.ndarray, sign: float) -> tuple[float, np.ndarray]:
        n = self.n_elements
        flips = np.eye(n, dtype=bool)
        values = sign * self.raw_fitness(configs)
        while True:
            neighbours = configs[:, None, :] ^ flips[None, :, :]  # (starts, N, N)
            scores = sign * self.raw_fitness(neighbours.reshape(-1, n)).reshape(len(configs), n)
            j = scores.argmax(axis=1)
            gain = scores[np.arange(len(configs)), j] - values
            improving = gain > 1e-12
            if not improving.any():
                break
            configs[improving] = neighbours[improving, j[improving]]
            values[improving] = scores[improving, j[improving]]
        i = int(values.argmax())
        return float(values[i]), configs[i].copy()

    # ----------------------------------------------------------------- change
    def refresh_extremes(self, rng: np.random.Generator) -> None:
        """Recompute the normalisation after the landscape changed."""
        self.minimum, self.maximum, self.optimum = self._extremes(rng)

    def redraw(self, share: float, rng: np.random.Generator) -> int:
        """Redraw the contribution tables of a share of the elements (turbulence); returns how many."""
        count = int(rng.binomial(self.n_elements, share))
        if count:
            rows = rng.choice(self.n_elements, count, replace=False)
            self.tables[rows] = rng.random((count, self.tables.shape[1]))
            self.refresh_extremes(rng)
        return count

    def improve(self, element: int, lift: float) -> None:
        """Lift one element's contributions a share ``lift`` of the way towards 1 (a policy win).

        The normalisation is deliberately kept: a policy win changes the rules in the community's favour,
        so it shows as progress measured against the problem as it stood before (outcomes may pass 1).
        Bounds are recomputed only when the problem changes by itself (``redraw``).
        """
        self.tables[element] += lift * (1.0 - self.tables[element])


def _block_sizes(n: int, parts: int) -> np.ndarray:
    """Sizes of ``parts`` contiguous blocks covering ``n`` items as evenly as possible."""
    sizes = np.full(parts, n // parts)
    sizes[: n % parts] += 1
    return sizes

"""The Vendi score through the d×d covariance equals the n×n kernel route, and has its known values."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import numpy.typing as npt
import pytest
from vendi_score import vendi

from isetrace.diversity import vendi_curve, vendi_score


def direct_spectrum(embeddings: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
    """The definition, the expensive way: eigenvalues of the n×n kernel K/n on unit rows."""
    x = embeddings.astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    p = np.linalg.eigvalsh(x @ x.T / len(x)).astype(np.float64)
    kept: npt.NDArray[np.float64] = p[p > p.max() * len(p) * np.finfo(np.float64).eps]
    return kept  # rounding noise, not diversity (matters for q < 1)


def direct_vendi(embeddings: npt.NDArray[np.floating], q: float, spectrum: npt.NDArray[np.float64] | None = None
                 ) -> float:
    p = direct_spectrum(embeddings) if spectrum is None else spectrum
    if q == 1:
        return float(np.exp(-np.sum(p * np.log(p))))
    if math.isinf(q):
        return float(1.0 / p.max())
    return float(np.sum(p**q) ** (1.0 / (1.0 - q)))


def package_score_x(embeddings: npt.NDArray[np.floating]) -> float:
    """vendi-score 0.0.3's own direct route (sklearn normalise, K = X Xᵀ, scipy eigvalsh of K/n).

    ``score_K`` still tests ``type(K) == scipy.sparse.csr.csr_matrix``; that namespace exists in this scipy
    but is deprecated, hence the silenced warning. ``score_X`` always uses q = 1 whatever ``q`` it is given,
    so other orders are checked against :func:`direct_vendi`. Inputs are passed as float64 so the package
    does not fall back to float32 LAPACK.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return float(vendi.score_X(embeddings.astype(np.float64)))


@pytest.fixture(scope="module")
def random_pool() -> npt.NDArray[np.float64]:
    return np.random.default_rng(20240601).standard_normal((3000, 384))


def test_covariance_route_equals_the_vendi_package_on_3000_random_vectors(
        random_pool: npt.NDArray[np.float64]) -> None:
    assert vendi_score(random_pool) == pytest.approx(package_score_x(random_pool), abs=1e-6)


def test_other_orders_equal_the_direct_kernel_route(random_pool: npt.NDArray[np.float64]) -> None:
    sample = random_pool[:1000] * np.random.default_rng(1).uniform(0.1, 10.0, (1000, 1))  # scale must not matter
    spectrum = direct_spectrum(sample)  # one n×n eigendecomposition serves every order
    for q in (0.5, 1.0, 2.0, math.inf):
        assert vendi_score(sample, q=q) == pytest.approx(direct_vendi(sample, q, spectrum), abs=1e-6), q


def test_covariance_route_equals_the_package_on_real_minilm_embeddings(
        minilm_sentence_embeddings: npt.NDArray[np.float32]) -> None:
    embeddings = minilm_sentence_embeddings
    assert vendi_score(embeddings) == pytest.approx(package_score_x(embeddings), abs=1e-6)
    assert vendi_score(embeddings, q=2) == pytest.approx(direct_vendi(embeddings, 2.0), abs=1e-6)
    # related sentences: far fewer effective items than sentences, far more than one
    assert 2.0 < vendi_score(embeddings) < len(embeddings) / 2


def test_identical_rows_score_one_and_orthogonal_rows_score_n() -> None:
    same = np.tile([[0.3, -1.2, 2.0, 0.5]], (50, 1))
    assert vendi_score(same) == pytest.approx(1.0)
    orthogonal = np.eye(12, 40) * np.arange(1, 13)[:, None]
    for q in (1.0, 2.0, math.inf):
        assert vendi_score(orthogonal, q=q) == pytest.approx(12.0)
        assert vendi_score(same, q=q) == pytest.approx(1.0)


def test_two_clusters_of_identical_rows_score_two() -> None:
    rows = np.array([[1.0, 0.0]] * 30 + [[0.0, 1.0]] * 30)
    assert vendi_score(rows) == pytest.approx(2.0)


def test_row_scaling_and_dtype_do_not_change_the_score() -> None:
    rng = np.random.default_rng(3)
    pool = rng.standard_normal((400, 32))
    factors = rng.uniform(0.01, 100.0, (400, 1)) * rng.choice([-1.0, 1.0], (400, 1))
    assert vendi_score(pool * factors) == pytest.approx(vendi_score(pool), rel=1e-10)
    assert vendi_score(pool.astype(np.float32)) == pytest.approx(vendi_score(pool), rel=1e-5)


def test_higher_orders_never_score_more() -> None:
    pool = np.random.default_rng(4).standard_normal((300, 16)) + 1.5  # skewed spectrum
    scores = [vendi_score(pool, q=q) for q in (0.5, 1.0, 2.0, math.inf)]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]


@pytest.mark.parametrize("bad", [np.zeros((0, 4)), np.ones(4), np.array([[1.0, np.nan]])])
def test_malformed_input_is_refused(bad: npt.NDArray[np.float64]) -> None:
    with pytest.raises(ValueError):
        vendi_score(bad)


def test_a_zero_row_is_an_error_naming_it() -> None:
    rows = np.eye(5, 3)  # rows 3 and 4 are zero
    with pytest.raises(ValueError, match="row 3 is all zeros"):
        vendi_score(rows)


@pytest.mark.parametrize("q", [0.0, -1.0, math.nan])
def test_order_must_be_positive(q: float) -> None:
    with pytest.raises(ValueError, match="order q"):
        vendi_score(np.eye(3), q=q)


def test_the_curve_grows_on_a_diverse_pool_and_ends_at_the_full_score() -> None:
    pool = np.random.default_rng(5).standard_normal((4000, 64))
    curve = vendi_curve(pool, [4000, 50, 200, 1000, 100, 500, 2000])
    assert [size for size, _ in curve] == [50, 100, 200, 500, 1000, 2000, 4000]
    scores = [score for _, score in curve]
    assert all(later >= earlier * 0.99 for earlier, later in itertools.pairwise(scores))
    assert scores[-1] > 1.5 * scores[0]
    assert scores[-1] == pytest.approx(vendi_score(pool))
    assert vendi_curve(pool[:10], [3], q=math.inf)[0][1] == pytest.approx(vendi_score(pool[:3], q=math.inf))


def test_the_curve_refuses_sizes_outside_the_pool() -> None:
    with pytest.raises(ValueError, match=r"1\.\.10"):
        vendi_curve(np.eye(10), [0, 5])
    with pytest.raises(ValueError):
        vendi_curve(np.eye(10), [11])
    assert vendi_curve(np.eye(10), []) == []


def test_curve_points_on_either_side_of_the_dimension_equal_the_direct_kernel_route() -> None:
    # fewer rows than dimensions take the n×n kernel, more take the d×d covariance: both are the definition
    pool = np.random.default_rng(11).standard_normal((400, 300)) * np.random.default_rng(2).uniform(0.5, 3, (400, 1))
    sizes = [2, 40, 299, 300, 301, 400]
    for q in (0.5, 1.0, 2.0, math.inf):
        for size, score in vendi_curve(pool, sizes, q=q):
            assert score == pytest.approx(direct_vendi(pool[:size], q), rel=1e-9), (size, q)
    with pytest.raises(ValueError, match="row 7 is all zeros"):  # the kernel route checks its rows too
        vendi_curve(np.vstack([pool[:7], np.zeros((1, 300)), pool[8:20]]), [10])

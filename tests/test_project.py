"""Projections (PCA, UMAP, t-SNE), k-NN graphs, distortion, point sets, colouring, search and selection."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embedlab import Space
from embedlab.errors import InputError
from embedlab.probes import projection as P
from embedlab.probes.neighbours import neighbours_of_words
from embedlab.views.selection import selected_words
from embedlab.probes.projection.umap.warmup import warm_up_status, warm_up_umap
from embedlab.views import scatter


def _blobs(n_per=60, dim=20, centres=3, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dim)) * 10
    X = np.concatenate([c[j] + rng.standard_normal((n_per, dim)) for j in range(centres)]).astype(np.float32)
    return X, np.repeat(np.arange(centres), n_per)


def _counted_space(words, vectors, counts, **meta):
    m = pd.DataFrame({"count": counts, **meta}, index=words)
    return Space.from_vectors(words, vectors, meta=m)


# ------------------------------------------------------------------ PCA
def test_pca_hand_checked_variance_and_axes():
    X = np.array([[3, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float32)
    pca = P.PCA(3).fit(X)
    np.testing.assert_allclose(pca.explained_variance_ratio_, [18 / 28, 8 / 28, 2 / 28], atol=1e-6)
    np.testing.assert_allclose(np.abs(pca.components_), np.eye(3), atol=1e-6)
    assert (pca.components_.max(axis=1) > 0).all()  # sign convention: largest loading positive
    Y = pca.transform(X)
    np.testing.assert_allclose(Y[0], [3, 0, 0], atol=1e-5)


def test_pca_matches_sklearn_and_is_deterministic():
    from sklearn.decomposition import PCA as SKPCA

    X = np.random.default_rng(1).standard_normal((500, 30)).astype(np.float32) * np.linspace(5, 1, 30)
    for k in (2, 3):
        Y = P.PCA(k).fit_transform(X)
        assert Y.shape == (500, k) and Y.dtype == np.float32
        ref = SKPCA(k).fit(X)
        np.testing.assert_allclose(np.abs(Y), np.abs(ref.transform(X)), atol=1e-3)
        np.testing.assert_allclose(P.PCA(k).fit(X).explained_variance_ratio_, ref.explained_variance_ratio_, atol=1e-5)
        np.testing.assert_array_equal(Y, P.PCA(k).fit_transform(X))


def test_pca_rejects_bad_dimensions():
    with pytest.raises(InputError, match="2-D or 3-D"):
        P.PCA(4).fit(np.ones((10, 5)))
    with pytest.raises(InputError, match="at least 2"):
        P.PCA(2).fit(np.ones((1, 5)))


def test_spherize_centres_and_normalises():
    X = np.random.default_rng(2).standard_normal((50, 8)).astype(np.float32) + 7
    S = P.spherize(X)
    np.testing.assert_allclose(np.linalg.norm(S, axis=1), 1.0, atol=1e-5)
    # direction of each centred vector is kept
    C = X - X.mean(axis=0)
    np.testing.assert_allclose(S * np.linalg.norm(C, axis=1, keepdims=True), C, atol=1e-4)


# ------------------------------------------------------------------ k-NN graphs
def test_exact_knn_hand_made_line_euclidean():
    pos = np.array([0, 1, 3, 6, 10, 15], dtype=np.float32)
    X = np.column_stack([pos, np.zeros_like(pos)])
    ind, dist = P.exact_knn(X, 3, "euclidean", chunk_size=4)
    assert ind[:, 0].tolist() == list(range(6))  # each point first
    assert ind[4].tolist() == [4, 3, 5] and ind[5].tolist() == [5, 4, 3]
    np.testing.assert_allclose(dist[4], [0, 4, 5], atol=1e-5)


def test_exact_knn_cosine_matches_brute_force():
    from sklearn.neighbors import NearestNeighbors

    X = np.random.default_rng(3).standard_normal((700, 16)).astype(np.float32)
    ind, dist = P.exact_knn(X, 8, "cosine", chunk_size=128)
    ref_d, ref_i = NearestNeighbors(n_neighbors=8, metric="cosine", algorithm="brute").fit(X).kneighbors(X)
    np.testing.assert_array_equal(ind, ref_i)
    np.testing.assert_allclose(dist, ref_d, atol=1e-5)


@pytest.mark.slow
def test_knn_graph_nndescent_recall():
    X = np.random.default_rng(4).standard_normal((3000, 12)).astype(np.float32)
    exact, _ = P.knn_graph(X, 10, "cosine", method="exact")
    approx, d = P.knn_graph(X, 10, "cosine", method="nndescent", random_state=0)
    assert approx.shape == (3000, 10) and (approx[:, 0] == np.arange(3000)).all() and (d[:, 0] == 0).all()
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)])
    assert recall > 0.9


def test_knn_graph_auto_picks_exact_for_small_inputs(monkeypatch):
    calls = []
    monkeypatch.setattr(P.knn, "exact_knn", lambda *a, **kw: calls.append(a) or (np.zeros((5, 2), int), np.zeros((5, 2))))
    P.knn_graph(np.ones((5, 3), np.float32), 2)
    assert calls


# ------------------------------------------------------------------ distortion
def test_trustworthiness_identity_is_one_and_scramble_is_lower():
    X, _ = _blobs(40, 5)
    t, n = P.trustworthiness(X, X.copy(), k=5, metric="euclidean")
    assert t == pytest.approx(1.0) and n == len(X)
    Y = np.random.default_rng(0).permutation(X)
    assert P.trustworthiness(X, Y, k=5, metric="euclidean")[0] < 0.7


def test_trustworthiness_samples_large_inputs():
    X = np.random.default_rng(5).standard_normal((1200, 6)).astype(np.float32)
    t, n = P.trustworthiness(X, X[:, :2], k=5, sample_size=500)
    assert n == 500 and 0 <= t <= 1


def test_knn_overlap_hand_made_swap():
    pos = np.array([0, 1, 3, 6, 10, 15, 21, 28, 36, 45], dtype=np.float32)
    X = np.column_stack([pos, np.zeros_like(pos)])
    Y = X.copy()
    Y[[0, 9]] = Y[[9, 0]]  # swap the two ends
    np.testing.assert_array_equal(P.knn_overlap(X, X, k=1, metric="euclidean"), np.ones(10))
    np.testing.assert_array_equal(P.knn_overlap(X, Y, k=1, metric="euclidean"), [0, 0, 1, 1, 1, 1, 1, 1, 1, 0])


# ------------------------------------------------------------------ t-SNE and UMAP
def test_tsne_shapes_and_seed():
    X, _ = _blobs(15, 10)
    a = P.TSNE(2, perplexity=10, random_state=0).fit_transform(X)
    b = P.TSNE(2, perplexity=10, random_state=0).fit_transform(X)
    assert a.shape == (45, 2)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(InputError, match="Perplexity"):
        P.TSNE(2, perplexity=200).fit(X)


@pytest.mark.slow
def test_tsne_3d():
    X, _ = _blobs(15, 10)
    assert P.TSNE(3, perplexity=10, random_state=0).fit_transform(X).shape == (45, 3)


@pytest.mark.slow
def test_umap_shapes_seed_and_cluster_separation():
    X, y = _blobs(60, 20)
    knn = P.knn_graph(X, 30, "euclidean")
    a = P.UMAP(2, n_neighbors=10, metric="euclidean", random_state=0, knn=knn).fit_transform(X)
    b = P.UMAP(2, n_neighbors=10, metric="euclidean", random_state=0, knn=knn).fit_transform(X)
    assert a.shape == (180, 2)
    np.testing.assert_array_equal(a, b)
    # blobs stay apart: every point's nearest projected neighbour is from its own blob
    nn = P.exact_knn(a, 2, "euclidean")[0][:, 1]
    assert (y[nn] == y).mean() > 0.95
    assert P.UMAP(3, n_neighbors=10, random_state=0).fit_transform(X).shape == (180, 3)
    few = P.UMAP(2, n_neighbors=10, metric="euclidean", random_state=0, knn=knn, n_epochs=5).fit_transform(X)
    assert not np.allclose(few, a)  # the number of epochs reaches the optimiser
    with pytest.raises(InputError, match="n_neighbors"):
        P.UMAP(2, n_neighbors=1).fit(X)
    with pytest.raises(InputError, match="n_epochs"):
        P.UMAP(2, n_epochs=0).fit(X)


@pytest.mark.slow
def test_warm_up_compiles_without_error():
    warm_up_umap(block=True)
    status = warm_up_status()
    assert status["done"] and status["error"] is None
    assert 0 < status["compile_seconds"] <= status["umap_seconds"] <= status["seconds"]


# ------------------------------------------------------------------ point sets
def test_choose_top_orders_by_frequency():
    words = ["a", "b", "c", "d"]
    space = _counted_space(words, np.eye(4), [5, 50, 1, 20])
    ps = P.choose_top(space, 2)
    assert [space.words[i] for i in ps.indices] == ["b", "d"]
    assert len(P.choose_top(space, 100).indices) == 4  # up to the whole vocabulary
    with pytest.raises(InputError):
        P.choose_top(space, 0)


def test_choose_words_reports_oov(lee_space):
    ps = P.choose_words(lee_space, "government, police\nxyzzyq police australia")
    assert [lee_space.words[i] for i in ps.indices] == ["government", "police", "australia"]
    assert ps.unknown == ["xyzzyq"]
    with pytest.raises(InputError, match="None of the pasted words"):
        P.choose_words(lee_space, "xyzzyq qwzzx")


def test_choose_neighbourhood(hand_space):
    space = hand_space({"king": [1, 0.1], "queen": [1, 0.2], "prince": [1, 0.3], "apple": [0.1, 1], "pear": [0.2, 1],
                        "plum": [0.3, 1]})
    ps = P.choose_neighbourhood(space, "king pear nosuchword", k=2)
    words = [space.words[i] for i in ps.indices]
    assert words == ["king", "queen", "prince", "pear", "apple", "plum"] or set(words[:3]) == {"king", "queen", "prince"}
    assert set(words) == {"king", "queen", "prince", "pear", "apple", "plum"} and len(words) == len(set(words))
    assert ps.unknown == ["nosuchword"] and ps.queries == ["king", "pear"]
    with pytest.raises(InputError):
        P.choose_neighbourhood(space, "zzz", k=2)


# ------------------------------------------------------------------ colouring, search
def test_kmeans_labels_recover_blobs():
    X, y = _blobs(50, 10)
    labels = P.kmeans_labels(X, 3, spherical=False)
    assert len(set(labels)) == 3
    # each blob is one cluster
    assert all(len(set(labels[y == j])) == 1 for j in range(3))
    with pytest.raises(InputError):
        P.kmeans_labels(X, 1)


def test_groups_parse_and_label():
    groups = P.parse_groups("positive: good great\n\nnegative: bad, awful\npositive: fine")
    assert groups == {"positive": ["good", "great", "fine"], "negative": ["bad", "awful"]}
    assert P.group_labels(["bad", "film", "fine"], groups).tolist() == ["negative", "other", "positive"]
    with pytest.raises(InputError, match="Line 1"):
        P.parse_groups("good great")


def test_search_substring_regex_and_invalid():
    words = ["nation", "station", "cat", "Nationwide"]
    assert P.search_mask(words, "nation").tolist() == [True, False, False, True]
    assert P.search_mask(words, "^.tat", regex=True).tolist() == [False, True, False, False]
    with pytest.raises(InputError, match="not valid"):
        P.search_mask(words, "(oops", regex=True)
    with pytest.raises(InputError, match="keep it under 200"):
        P.search_mask(words, "a" * 201, regex=True)


def test_catastrophic_regex_ends_with_a_message():
    import subprocess
    import sys
    import textwrap

    from conftest import ROOT

    # (a|aa)+$ against 40 a's and a '!' backtracks through ~10^8 paths: minutes in Python's re, with the GIL held
    child = textwrap.dedent("""
        from embedlab.errors import InputError
        from embedlab.probes.projection.colour import search_mask
        words = ["a" * 40 + "!"] * 3 + ["plain"] * 1000
        try:
            search_mask(words, "(a|aa)+$", regex=True, seconds=0.5)
            print("matched")
        except InputError as exc:
            print(exc)
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60, cwd=str(ROOT),
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "took longer than 0.5 s" in out.stdout and "backtracks" in out.stdout, out.stdout


def test_project_pca_frame_colour_and_labels():
    words = [f"w{i}" for i in range(60)]
    X, y = _blobs(20, 8)
    space = _counted_space(words, X, np.arange(60, 0, -1), label=[f"Title {i}" for i in range(60)],
                           genres=[f"G{j}|Drama" for j in y])
    res = P.project(space, P.choose_top(space, 60), "pca", 2, distortion_k=5)
    assert list(res.frame.columns) == ["word", "label", "x", "y", "frequency rank", "count", "knn overlap"]
    assert res.frame["label"].iloc[0] == "Title 0" and res.frame["frequency rank"].iloc[0] == 1
    assert 0.9 < res.trustworthiness <= 1 and res.trust_k == 5
    assert res.explained_variance_ratio.shape == (2,)
    values, cont = P.colour_values(space, res, "metadata", column="genres")
    assert not cont and set(values) == {"G0", "G1", "G2"}
    values, cont = P.colour_values(space, res, "frequency")
    assert cont and values[0] == pytest.approx(np.log10(60))
    values, _ = P.colour_values(space, res, "cluster", k_clusters=3)
    assert len(set(values)) == 3
    assert P.metadata_columns(space) == ["genres"]


def test_project_rejects_too_few_points_and_big_tsne(hand_space, monkeypatch):
    space = hand_space({"a": [1, 0], "b": [0, 1], "c": [1, 1]})
    with pytest.raises(InputError, match="at least 5"):
        P.project(space, P.choose_top(space, 3))
    monkeypatch.setattr(P.core, "TSNE_LIMIT", 3)
    space = hand_space({w: np.random.default_rng(i).standard_normal(3) for i, w in enumerate("abcdef")})
    with pytest.raises(InputError, match="t-SNE"):
        P.project(space, P.choose_top(space, 6), "tsne")


# ------------------------------------------------------------------ selection handler and figures
@pytest.fixture
def frame():
    return pd.DataFrame({"word": ["a", "b", "c", "d", "e"], "label": ["A", "B", "C", "D", "E"],
                         "x": np.arange(5, dtype=np.float32), "y": np.arange(5, dtype=np.float32),
                         "frequency rank": [1, 2, 3, 4, 5]})


def test_selection_with_several_traces_uses_customdata(frame):
    colour = np.array(["red", "blue", "red", "blue", "red"], dtype=object)
    fig = scatter.scatter_figure(frame, 2, colour=colour)
    assert len(fig.data) == 2  # one trace per colour: point_index alone is ambiguous
    rows = scatter.trace_rows(fig)
    assert sorted(rows[0] + rows[1]) == [0, 1, 2, 3, 4]
    # plotly reports (curve, index within curve); pick the 2nd point of trace 1 and the 1st of trace 0
    pick = [(1, 1), (0, 0)]
    points = [{"curve_number": c, "point_index": i, "point_number": i, "customdata": rows[c][i]} for c, i in pick]
    event = {"selection": {"points": points, "point_indices": [1, 0], "box": [], "lasso": []}}
    expected = [frame["word"][rows[1][1]], frame["word"][rows[0][0]]]
    assert selected_words(event, frame) == expected
    # without customdata the (curve, index) pairs map through the trace rows
    for p in points:
        p.pop("customdata")
    assert selected_words(event["selection"], frame, rows) == expected


def test_selection_single_trace_and_empty(frame):
    fig = scatter.scatter_figure(frame, 2)
    assert selected_words({"points": [], "point_indices": [3, 1]}, frame, scatter.trace_rows(fig)) == ["d", "b"]
    assert selected_words({"points": [{"curve_number": 0, "point_index": 2, "customdata": [2]}]}, frame) == ["c"]
    assert selected_words(None, frame) == []
    assert selected_words({"points": [], "point_indices": []}, frame) == []


def test_figures_and_exports(frame):
    frame = frame.assign(z=np.ones(5, np.float32))
    fig2 = scatter.scatter_figure(frame, 2, labels=True, highlight=np.array([1, 0, 0, 0, 1], bool), method="pca",
                                  explained_variance_ratio=np.array([0.3, 0.2]))
    types = [t.type for t in fig2.data]
    assert types[0] == "scattergl" and "PC1 (30.0% of variance)" == fig2.layout.xaxis.title.text
    names = [t.name for t in fig2.data]
    assert "search matches" in names and list(fig2.data[names.index("search matches")].hovertext) == ["A", "E"]
    fig3 = scatter.scatter_figure(frame, 3, colour=np.arange(5.0), continuous=True)
    assert fig3.data[0].type == "scatter3d"
    csv = scatter.export_csv(frame, np.arange(5), "cluster").decode()
    assert csv.splitlines()[0] == "word,label,x,y,frequency rank,z,cluster" and len(csv.splitlines()) == 6
    html = scatter.export_html(fig2).decode()
    assert "<html>" in html and "plotly" in html.lower()


def test_scatter_of_50k_points_is_a_small_webgl_payload():
    n = 50_000
    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(n)]
    frame = pd.DataFrame({"word": words, "label": words, "x": rng.standard_normal(n).astype(np.float32),
                          "y": rng.standard_normal(n).astype(np.float32), "frequency rank": np.arange(1, n + 1)})
    fig = scatter.scatter_figure(frame, 2, colour=rng.integers(0, 8, n), labels=True)
    assert {t.type for t in fig.data} == {"scattergl"}
    assert sum(len(t.x) for t in fig.data if t.mode == "markers") == n
    # labels are written for at most a few hundred points (those that fit); every point has its hover text
    assert 50 < sum(len(t.text) for t in fig.data if t.text is not None) <= scatter.MAX_TEXT_LABELS
    megabytes = len(fig.to_json().encode()) / 1e6
    assert megabytes < 4.0  # Streamlit drops a message above 25 MB; this one is also quick to send


def test_neighbours_of_words(hand_space):
    space = hand_space({"a": [1, 0], "b": [1, 0.1], "c": [0, 1], "d": [0.1, 1]})
    t = neighbours_of_words(space, ["a", "c"], k=1)
    assert t[["word", "neighbour"]].values.tolist() == [["a", "b"], ["c", "d"]]


# -- numba internals behind the UMAP disk cache: pinned, and failures recorded, not swallowed -----------

def _uncached_module(tmp_path, monkeypatch, name="embedlab_numba_pin"):
    import importlib

    (tmp_path / f"{name}.py").write_text("import numba\n\n@numba.njit\ndef twice(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


def test_numba_disk_cache_switch_still_works(tmp_path, monkeypatch):
    from numba.core.caching import NullCache

    from embedlab.probes.projection.umap.numba_cache import enable_caching_in

    module = _uncached_module(tmp_path, monkeypatch)
    assert isinstance(module.twice._cache, NullCache)  # numba's default without cache=True
    assert enable_caching_in(module) == 1
    assert not isinstance(module.twice._cache, NullCache)
    assert module.twice(21) == 42
    # the index lands in __pycache__ beside the module (or under NUMBA_CACHE_DIR when the test run sets one)
    from numba.core.config import CACHE_DIR

    written = list(tmp_path.rglob("*twice*.nbi")) + (list(Path(CACHE_DIR).rglob("*twice*.nbi")) if CACHE_DIR else [])
    assert written, "numba wrote no cache index: the switch did nothing"


def test_numba_disk_cache_failures_are_recorded_and_logged(tmp_path, monkeypatch, caplog):
    from embedlab.probes.projection.umap import numba_cache

    module = _uncached_module(tmp_path, monkeypatch, "embedlab_numba_pin_fail")

    def refuse():
        raise RuntimeError("numba changed")

    monkeypatch.setattr(module.twice, "enable_caching", refuse)
    monkeypatch.setitem(numba_cache._DISK_CACHE, "errors", [])
    with caplog.at_level("WARNING", logger=numba_cache.__name__):
        assert numba_cache.enable_caching_in(module) == 0
    (error,) = numba_cache.disk_cache_status()["errors"]
    assert "twice" in error and "numba changed" in error and "numba changed" in caplog.text

"""Graph models: the walks (exact distributions, seeded), DeepWalk, node2vec, spectral, evaluation, jobs, views."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from embedlab import config
from embedlab.errors import Cancelled, InputError
from embedlab.probes import graph_eval
from embedlab.probes.graph_eval import (classification_report, classify_vectors, link_prediction,
                                        louvain_communities, node_classification, node_neighbours, split_edges)
from embedlab.probes.neighbours import nearest_neighbours
from embedlab.sources.graphs import graph_from_arrays, load_graph, planted_partition, sample_graph, save_graph
from embedlab.store import Workspace
from embedlab.train import deepwalk, node2vec, spectral
from embedlab.train.deepwalk import DeepWalkConfig, train_deepwalk
from embedlab.train.node2vec import Node2VecConfig, train_node2vec
from embedlab.train.spectral import SpectralConfig, laplacian_eigenmaps, train_spectral
from embedlab.train.walks import WalkGraph, format_walks, generate_walks, write_walks
from embedlab.views import graph as gview
from embedlab.views.scatter import scatter_figure, trace_rows

SMALL = dict(vector_size=16, walks_per_node=10, walk_length=40, window=5, epochs=2, reproducible=True)


@pytest.fixture(scope="module")
def karate():
    return sample_graph("karate")


@pytest.fixture(scope="module")
def lesmis():
    return sample_graph("les-miserables")


@pytest.fixture(scope="module")
def karate_n2v(karate):
    return train_node2vec(karate, Node2VecConfig(**SMALL))


def _two_cliques(k=5, isolated=True):
    a = [f"a{i}" for i in range(k)]
    b = [f"b{i}" for i in range(k)]
    src, dst = [], []
    for grp in (a, b):
        for i in range(k):
            for j in range(i + 1, k):
                src.append(grp[i])
                dst.append(grp[j])
    nodes = a + b + (["alone"] if isolated else [])
    return graph_from_arrays(src, dst, nodes=nodes, name="two cliques")


def _transition_counts(walks, n):
    a, b = walks[:, :-1].ravel(), walks[:, 1:].ravel()
    ok = (a >= 0) & (b >= 0)
    return np.bincount(a[ok].astype(np.int64) * n + b[ok], minlength=n * n).reshape(n, n)


def _chi2_fit(counts, probs):
    """p-value of a chi-square goodness-of-fit over all rows (expected counts >= 5 only)."""
    visits = counts.sum(axis=1, keepdims=True)
    expected = visits * probs
    mask = expected >= 5
    stat = (((counts - expected) ** 2 / np.where(mask, expected, 1))[mask]).sum()
    dof = mask.sum() - (mask.any(axis=1)).sum()
    return stats.chi2.sf(stat, dof)


# -- walks --------------------------------------------------------------------------------

@pytest.mark.parametrize("second_order", [False, True])
def test_walks_only_follow_edges(lesmis, second_order):
    wg = WalkGraph.from_graph(lesmis)
    walks = generate_walks(wg, np.repeat(np.arange(lesmis.n_nodes), 20), 30, p=0.5, q=2.0,
                           second_order=second_order, seed=4)
    A = lesmis.adjacency(weighted=False).toarray() > 0
    a, b = walks[:, :-1].ravel(), walks[:, 1:].ravel()
    assert (walks >= 0).all()  # undirected and connected: no walk stops early
    assert A[a, b].all()


def test_walks_stop_at_a_sink_and_isolated_nodes_start_none(tmp_path):
    g = graph_from_arrays(["a", "b"], ["b", "c"], directed=True, nodes=["a", "b", "c", "z"])
    wg = WalkGraph.from_graph(g)
    assert generate_walks(wg, [0, 2], 5, seed=1).tolist() == [[0, 1, 2, -1, -1], [2, -1, -1, -1, -1]]
    facts = write_walks(wg, tmp_path / "w.txt", 3, 5, seed=1)
    assert facts["started"] == 2 and facts["walks"] == 6
    assert sorted((tmp_path / "w.txt").read_text().splitlines()) == ["0 1 2"] * 3 + ["1 2"] * 3


def test_weights_bias_first_order_steps_as_specified():
    # a star: the centre's edges weigh 1, 2 and 7, so the first step goes to each leaf 10 %, 20 %, 70 % of the time
    g = graph_from_arrays(["c", "c", "c"], ["x", "y", "z"], weight=[1.0, 2.0, 7.0])
    wg = WalkGraph.from_graph(g)
    for second_order in (False, True):
        first = generate_walks(wg, np.zeros(20_000, dtype=int), 2, second_order=second_order, seed=7)[:, 1]
        counts = np.bincount(first, minlength=4)[1:]
        assert stats.chisquare(counts, 20_000 * np.array([0.1, 0.2, 0.7])).pvalue > 1e-3
    unweighted = WalkGraph.from_graph(g, weighted=False)
    first = generate_walks(unweighted, np.zeros(9000, dtype=int), 2, seed=7)[:, 1]
    assert stats.chisquare(np.bincount(first, minlength=4)[1:]).pvalue > 1e-3


def test_node2vec_second_order_step_matches_alpha_times_weight():
    # t=0 -> v=1; v's neighbours: t itself (w 1), c=2 linked to t (w 2), f=3 and g=4 not linked to t (w 3, 1)
    g = graph_from_arrays(["0", "0", "1", "1", "1"], ["1", "2", "2", "3", "4"], weight=[1, 1, 2, 3, 1.0])
    wg = WalkGraph.from_graph(g)
    p, q = 0.5, 2.0
    walks = generate_walks(wg, np.zeros(60_000, dtype=int), 3, p=p, q=q, second_order=True, seed=11)
    nxt = walks[walks[:, 1] == 1, 2]
    weights = np.array([1 / p * 1, 1 * 2, 1 / q * 3, 1 / q * 1])  # to 0 (return), 2 (common), 3, 4 (outward)
    counts = np.bincount(nxt, minlength=5)[[0, 2, 3, 4]]
    assert stats.chisquare(counts, len(nxt) * weights / weights.sum()).pvalue > 1e-3


def test_p_q_one_has_deepwalks_transition_frequencies(karate):
    # node2vec's rejection sampler with p = q = 1 against DeepWalk's direct draw: both fit the exact weighted
    # transition matrix, and their empirical frequencies agree (seeded, so the outcome is fixed)
    wg = WalkGraph.from_graph(karate)
    starts = np.repeat(np.arange(karate.n_nodes), 300)
    W = karate.adjacency(weighted=True).toarray()
    P = W / W.sum(axis=1, keepdims=True)
    freq = []
    for second_order, seed in ((False, 1), (True, 2)):
        counts = _transition_counts(generate_walks(wg, starts, 40, second_order=second_order, seed=seed), 34)
        assert _chi2_fit(counts, P) > 1e-3
        freq.append(counts / counts.sum(axis=1, keepdims=True))
    assert np.abs(freq[0] - freq[1]).max() < 0.03


def test_small_q_walks_further():
    G = nx.grid_2d_graph(41, 41)
    ids = {v: f"{v[0]},{v[1]}" for v in G.nodes()}
    g = graph_from_arrays([ids[a] for a, _ in G.edges()], [ids[b] for _, b in G.edges()])
    coord = np.array([tuple(map(int, s.split(","))) for s in g.nodes])
    wg = WalkGraph.from_graph(g)
    centre = int(np.flatnonzero((coord == [20, 20]).all(axis=1))[0])
    dist = {}
    for q in (0.25, 1.0, 4.0):
        walks = generate_walks(wg, np.full(3000, centre), 15, p=1.0, q=q, second_order=True, seed=5)
        dist[q] = np.abs(coord[walks[:, -1]] - coord[centre]).sum(axis=1).mean()
    assert dist[0.25] > dist[1.0] > dist[4.0]
    assert dist[0.25] > 1.5 * dist[4.0]


def test_walks_are_seeded_and_chunking_changes_nothing(karate):
    wg = WalkGraph.from_graph(karate)
    starts = np.arange(34).repeat(3)
    whole = generate_walks(wg, starts, 20, 0.5, 2.0, True, seed=9)
    parts = np.vstack([generate_walks(wg, starts[:40], 20, 0.5, 2.0, True, seed=9),
                       generate_walks(wg, starts[40:], 20, 0.5, 2.0, True, seed=9, offset=40)])
    assert np.array_equal(whole, parts)
    assert not np.array_equal(whole, generate_walks(wg, starts, 20, 0.5, 2.0, True, seed=10))


def test_format_walks_writes_decimal_lines_and_skips_single_nodes():
    walks = np.array([[0, 12, 345, -1], [7, -1, -1, -1], [1000000, 9, 0, 5]], dtype=np.int32)
    assert format_walks(walks) == b"0 12 345\n1000000 9 0 5\n"


def test_p_and_q_out_of_range_are_refused():
    with pytest.raises(InputError, match="q must be from 0.1 to 10"):
        Node2VecConfig(q=0.01)
    with pytest.raises(InputError, match="p must be from"):
        generate_walks(WalkGraph.from_graph(_two_cliques()), [0], 3, p=50, second_order=True)


# -- configs -------------------------------------------------------------------------------

def test_configs_explain_every_field_and_validate():
    for cls in (DeepWalkConfig, Node2VecConfig, SpectralConfig):
        assert all(h.strip() for h in cls.describe()["help"])
        assert cls.from_dict({**cls().to_dict(), "unknown": 1}) == cls()
    with pytest.raises(InputError, match="walk_length must be a whole number"):
        DeepWalkConfig(walk_length=1.5)
    with pytest.raises(InputError, match="weighted must be true or false"):
        DeepWalkConfig(weighted="yes")
    with pytest.raises(InputError, match="vector_size must be from 1 to 512"):
        SpectralConfig(vector_size=0)
    assert Node2VecConfig(p=2, q=0.5).to_dict()["p"] == 2


# -- spectral embedding ---------------------------------------------------------------------

@pytest.mark.parametrize("key", ["karate", "les-miserables"])
def test_laplacian_eigenmaps_equal_scikit_learns_spectral_embedding(key):
    from sklearn.manifold import SpectralEmbedding

    A = sample_graph(key).adjacency(weighted=True)
    ours, eig = laplacian_eigenmaps(A, 4, seed=0)
    theirs = SpectralEmbedding(n_components=4, affinity="precomputed", random_state=0).fit_transform(A)
    assert np.allclose(ours, theirs, atol=1e-6)
    assert np.all(np.diff(eig) >= 0) and eig[0] > 0


def test_sparse_solver_equals_the_dense_one(lesmis, monkeypatch):
    A = lesmis.adjacency(weighted=True)
    dense, eig_d = laplacian_eigenmaps(A, 5, seed=0)
    monkeypatch.setattr(spectral, "DENSE_MAX_NODES", 10)
    sparse, eig_s = laplacian_eigenmaps(A, 5, seed=0, tol=0.0)
    assert np.allclose(dense, sparse, atol=1e-6) and np.allclose(eig_d, eig_s, atol=1e-8)


def test_spectral_embedding_separates_two_disconnected_cliques():
    g = _two_cliques()
    space = train_spectral(g, SpectralConfig(vector_size=1))
    assert "alone" not in space and space.info["left_out"]["ids"] == ["alone"]
    x = space.vectors[:, 0]
    a, b = x[space.indices([f"a{i}" for i in range(5)])], x[space.indices([f"b{i}" for i in range(5)])]
    assert a.max() < b.min() or b.max() < a.min()
    assert any("components" in n for n in space.info["notes"])
    with pytest.raises(InputError, match="at most 8 dimensions"):
        train_spectral(g, SpectralConfig(vector_size=9))


def test_spectral_can_be_cancelled(lesmis, monkeypatch):
    monkeypatch.setattr(spectral, "DENSE_MAX_NODES", 10)
    with pytest.raises(Cancelled):
        train_spectral(lesmis, SpectralConfig(vector_size=5, tol=0.0), should_stop=lambda: True)


# -- DeepWalk and node2vec -----------------------------------------------------------------

def test_node2vec_space_is_a_node_space(karate, karate_n2v):
    s = karate_n2v
    assert s.kind == "node2vec" and s.info["item_kind"] == "node" and len(s) == 34 and s.dim == 16
    assert sorted(s.words, key=int) == [str(i) for i in range(34)]
    assert list(s.meta.columns) == ["label", "club", "community", "degree", "count"]
    assert s.info["continuous_columns"] == ["degree"]
    assert s.meta.loc["0", "label"].startswith("1 (Mr. Hi") and s.meta.loc["33", "degree"] == 17
    assert s.meta["count"].sum() == s.info["walk_tokens"] and s.info["params"]["q"] == 0.5
    assert s.info["graph_name"] == karate.name and s.info["left_out"]["count"] == 0


def test_node_classification_on_the_karate_club_is_high(karate, karate_n2v):
    result = node_classification(karate_n2v, "club", labelled_share=0.5, repeats=10, seed=0)
    assert result["micro_f1"] >= 0.9 and not result["multilabel"] and result["n_train"] == 17
    table = classification_report(karate, karate_n2v, "club", repeats=5)
    assert list(table["model"])[1:] == ["spectral embedding, 3 dimensions (baseline)",
                                        "most frequent label (baseline)"]
    # 17 members per side: a stratified test half holds 9 of one side, 8 of the other
    assert table.loc[2, "micro-F1"] in (pytest.approx(8 / 17), pytest.approx(9 / 17))
    assert table.loc[0, "micro-F1"] > table.loc[2, "micro-F1"] + 0.3


def test_deepwalk_progress_goes_walks_then_epochs_and_cancel_works(karate):
    seen = []
    space = train_deepwalk(karate, DeepWalkConfig(**SMALL), progress=lambda f, m="", **d: seen.append((f, m)))
    messages = [m for _, m in seen]
    first_epoch = next(i for i, m in enumerate(messages) if m.startswith("Stage 2 of 2 · Epoch"))
    assert any(m.startswith("Stage 1 of 2 · Walks") for m in messages[:first_epoch])
    assert all(a <= b + 1e-9 for (a, _), (b, _) in zip(seen, seen[1:])) and seen[-1][0] == 1.0
    assert space.kind == "deepwalk" and "p" not in space.info["params"] and len(space.info["epoch_losses"]) == 2
    with pytest.raises(Cancelled):
        train_deepwalk(karate, DeepWalkConfig(**SMALL), should_stop=lambda: True)


def test_isolated_node_is_left_out_and_its_neighbours_are_refused_clearly():
    g = _two_cliques()
    space = train_deepwalk(g, DeepWalkConfig(**SMALL))
    assert "alone" not in space and space.info["left_out"] == {
        "count": 1, "ids": ["alone"], "labels": ["alone"], "reason": "it has no edges, so no walk passes through it"}
    with pytest.raises(InputError, match="'alone' has no vector in this deepwalk model of 'two cliques': it has no "
                                         "edges"):
        node_neighbours(space, "alone")
    # every probe that looks a node up says why, not "unknown"
    with pytest.raises(InputError, match=r"The node 'alone' has no vector in this model: it has no edges, so no walk "
                                         r"passes through it \(1 node left out like this\)"):
        nearest_neighbours(space, "alone")
    with pytest.raises(InputError, match="'zz' is not a node"):
        node_neighbours(space, "zz")
    near = node_neighbours(space, "a0", k=4)
    assert set(near["node"]) == {"a1", "a2", "a3", "a4"} and list(near.columns) == ["node", "label", "cosine", "degree"]


def test_directed_node_no_walk_reaches_is_explained_and_attribute_names_do_not_clash():
    # "sink" is reached only from "hub", which no edge leads to and whose 40 other edges (into a ring) almost
    # always win: with one walk per node (seeded), no walk reaches it
    others = [f"n{i}" for i in range(40)]
    g = graph_from_arrays(["hub"] * 41 + others, ["sink"] + others + others[1:] + others[:1], directed=True)
    g.node_meta["degree"] = np.arange(g.n_nodes)
    g.node_meta["word"] = "w"
    space = train_deepwalk(g, DeepWalkConfig(**{**SMALL, "walks_per_node": 1, "seed": 3}))
    assert "sink" not in space and "reached" in space.info["left_out"]["reason"]
    with pytest.raises(InputError, match="'sink' has no vector in this deepwalk model .*no walk reached it"):
        node_neighbours(space, "sink")
    assert {"degree (attribute)", "word (attribute)"} <= set(space.meta.columns)
    assert space.meta.loc["hub", "degree"] == 41


def test_louvain_finds_two_cliques_joined_by_one_edge():
    g = _two_cliques(isolated=False)
    g = graph_from_arrays(list(g.nodes[g.src]) + ["a0"], list(g.nodes[g.dst]) + ["b0"])
    comm = louvain_communities(g, seed=0)
    side = np.array([n[0] for n in g.nodes])
    assert len(set(comm)) == 2 and all(len(set(comm[side == s])) == 1 for s in "ab")


# -- node classification, link prediction ---------------------------------------------------

def test_multilabel_classification_predicts_top_k_labels():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    has_a, has_b = X[:, 0] > 0, X[:, 1] > 0
    labels = ["|".join(n for n, on in (("A", a), ("B", b)) if on) or "C" for a, b in zip(has_a, has_b)]
    X[:, 0] += 2 * np.sign(X[:, 0])
    X[:, 1] += 2 * np.sign(X[:, 1])
    result = classify_vectors(X, labels, 0.5, repeats=3, seed=0)
    assert result["multilabel"] and result["classes"] == ["A", "B", "C"] and result["micro_f1"] > 0.9
    base = classify_vectors(None, labels, 0.5, repeats=3, seed=0)
    assert base["micro_f1"] < result["micro_f1"] - 0.2


def test_classification_input_errors(karate_n2v):
    with pytest.raises(InputError, match="no node attribute 'colour'"):
        node_classification(karate_n2v, "colour")
    with pytest.raises(InputError, match="Raise the labelled share"):
        node_classification(karate_n2v, "club", labelled_share=0.03)
    with pytest.raises(InputError, match="above 0 and below 1"):
        node_classification(karate_n2v, "club", labelled_share=1.0)
    with pytest.raises(InputError, match="at least two labels"):
        node_classification(karate_n2v, {w: "same" for w in karate_n2v.words})


def test_split_edges_keeps_components_and_samples_true_non_edges(lesmis):
    split = split_edges(lesmis, share=0.5, seed=1)
    res = split["residual"]
    assert res.stats()["components"] == 1 and not res.isolated().any()
    assert len(split["test_pos"]) == 127 and len(split["test_neg"]) == 127 and len(split["train_neg"]) == 127
    A = lesmis.adjacency(weighted=False).toarray() > 0
    R = res.adjacency(weighted=False).toarray() > 0
    tp, tn, rn = split["test_pos"], split["test_neg"], split["train_neg"]
    assert A[tp[:, 0], tp[:, 1]].all() and not R[tp[:, 0], tp[:, 1]].any()
    assert not A[tn[:, 0], tn[:, 1]].any() and not A[rn[:, 0], rn[:, 1]].any()
    keys = np.minimum(np.vstack([tn, rn])[:, 0], np.vstack([tn, rn])[:, 1]) * 100 + np.vstack([tn, rn]).max(axis=1)
    assert len(np.unique(keys)) == len(keys)
    with pytest.raises(InputError, match="tree or forest"):
        split_edges(graph_from_arrays(["a", "b"], ["b", "c"]), 0.5)


def test_link_prediction_against_its_baselines(lesmis):
    table = link_prediction(lesmis, {"node2vec": lambda g, pr: train_node2vec(g, Node2VecConfig(**SMALL), pr)},
                            share=0.5, seed=0)
    assert list(table["method"]) == ["node2vec", "spectral embedding, 7 dimensions (baseline)",
                                     "common neighbours (baseline)", "Adamic–Adar (baseline)"]
    assert table["ROC AUC"].between(0, 1).all() and table.attrs["held_out"] == 127
    assert table.loc[3, "ROC AUC"] > 0.6 and table.loc[0, "ROC AUC"] > 0.6


def test_pq_comparison_measures_both_spaces(lesmis):
    cfg = Node2VecConfig(**{**SMALL, "window": 2, "walk_length": 20})
    out = graph_eval.pq_comparison(lesmis, (0.5, 4.0), cfg, k_clusters=4, seed=0)
    summary = out["summary"]
    assert list(summary["q"]) == [0.5, 4.0] and summary.iloc[:, 1:].notna().all().all()
    assert summary["agreement with communities (ARI)"].between(-1, 1).all()
    assert [s.info["params"]["q"] for s in out["spaces"].values()] == [0.5, 4.0]
    assert all(len(c) == 77 and len(set(c)) == 4 for c in out["clusters"].values())


# -- jobs -----------------------------------------------------------------------------------

def test_jobs_train_save_and_point_at_their_graph():
    ws = Workspace(config.home())
    reports = []
    out = deepwalk.run_job(ws, {"sample": "karate", "config": SMALL, "name": "dw"},
                           lambda f, m="", **d: reports.append(f))
    space = ws.load_space(out["model_id"])
    assert space.kind == "deepwalk" and space.name == "dw" and space.info["item_kind"] == "node"
    assert space.info["graph_id"] == out["graph_id"] and load_graph(ws, out["graph_id"]).n_edges == 78
    assert list(space.meta.columns) == ["label", "club", "community", "degree", "count"]
    assert reports[-1] >= 0.98 and ws.model_record(out["model_id"])["corpus_name"] == "Zachary's karate club"
    out2 = node2vec.run_job(ws, {"graph_id": out["graph_id"], "config": {**SMALL, "q": 2.0}}, lambda *a, **k: None)
    assert ws.load_space(out2["model_id"]).info["params"]["q"] == 2.0
    out3 = spectral.run_job(ws, {"graph_id": out["graph_id"], "config": {"vector_size": 4}}, lambda *a, **k: None)
    assert ws.load_space(out3["model_id"]).dim == 4
    # the evaluation jobs read the model's graph from its info
    res = graph_eval.run_classification_job(ws, {"model_id": out2["model_id"], "label_column": "club",
                                                 "repeats": 2}, lambda *a, **k: None)
    assert [r["model"] for r in res["rows"]][1:] == ["spectral embedding, 3 dimensions (baseline)",
                                                      "most frequent label (baseline)"]
    assert res["classes"] == ["Mr. Hi", "Officer"] and not res["multilabel"]
    res = graph_eval.run_link_prediction_job(ws, {"graph_id": out["graph_id"], "family": "deepwalk", "config": SMALL,
                                                  "share": 0.3}, lambda *a, **k: None)
    assert res["held_out"] == 23 and len(res["rows"]) == 4 and res["rows"][0]["method"] == "DeepWalk (these settings)"
    with pytest.raises(InputError, match="DeepWalk, node2vec or a spectral embedding"):
        graph_eval.run_link_prediction_job(ws, {"graph_id": out["graph_id"], "family": "svd"}, lambda *a, **k: None)


def test_the_three_families_are_declared_for_graphs_and_check_before_queueing(monkeypatch):
    from embedlab import jobs
    from embedlab.train import registry

    assert [f.name for f in registry.families("graph")] == ["deepwalk", "node2vec", "spectral"]
    assert all(f.item == "node" and f.arg == "graph_id" for f in registry.families("graph"))
    assert deepwalk.FAMILY.reports_loss and not spectral.FAMILY.reports_loss and spectral.FAMILY.loss_note
    class Held(jobs.Scheduler):  # a check that failed to refuse must not start a worker
        def submit(self, root, job_id):
            pass

    monkeypatch.setattr(jobs, "SCHEDULER", Held())
    ws = Workspace(config.home())
    graph_id = save_graph(ws, sample_graph("karate"))
    monkeypatch.setenv("EMBEDLAB_MAX_WALK_TOKENS", "10000")
    # 34 nodes x 10 walks x 80 nodes = 27,200 nodes of walks: over the limit, refused before a job is queued
    with pytest.raises(InputError, match=r"34 nodes × 10 walks per node × 80 nodes per walk is 27,200 .* the limit "
                                         r"is 10,000"):
        jobs.submit(ws, "node2vec", {"graph_id": graph_id, "config": {}}, "too long")
    with pytest.raises(InputError, match="at most 32 dimensions; asked for 40"):
        jobs.submit(ws, "spectral", {"graph_id": graph_id, "config": {"vector_size": 40}}, "too wide")
    with pytest.raises(InputError, match="There is no graph 'nope'"):
        jobs.submit(ws, "deepwalk", {"graph_id": "nope", "config": {}}, "no graph")
    with pytest.raises(InputError, match="27,200 nodes of walks"):
        train_deepwalk(sample_graph("karate"), DeepWalkConfig(walk_length=80))  # the budget, in the library too
    assert jobs.list_jobs(ws) == []


def test_a_node_model_carries_its_edges_and_older_models_read_them_from_the_graph():
    from embedlab.train.graph_family import EDGES, model_edges

    ws = Workspace(config.home())
    g = _two_cliques()
    graph_id = save_graph(ws, g)
    space = train_deepwalk(g, DeepWalkConfig(**SMALL), graph_id=graph_id)
    model_id = ws.save_space(space)
    saved = np.load(ws.attachment(model_id, EDGES), allow_pickle=False)
    assert saved.shape == (20, 2) and saved.dtype == np.int32
    ends = {tuple(sorted((space.words[a], space.words[b]))) for a, b in saved}
    assert ends == {tuple(sorted((g.nodes[a], g.nodes[b]))) for a, b in zip(g.src, g.dst)}
    loaded = ws.load_space(model_id)
    assert np.array_equal(model_edges(ws, model_id, loaded), saved)
    # a model saved without the attachment (phase 1) gets them from its stored graph, or None once it is gone
    space.attachments = {}
    old = ws.save_space(space)
    assert {tuple(sorted(p)) for p in model_edges(ws, old, ws.load_space(old)).tolist()} == \
        {tuple(sorted(p)) for p in saved.tolist()}
    ws.delete_dataset("graph", graph_id)
    assert model_edges(ws, old, ws.load_space(old)) is None
    assert model_edges(ws, model_id, loaded) is not None  # its own copy stays


def test_a_published_node_model_brings_its_edges_to_every_workspace(monkeypatch):
    from embedlab.train.graph_family import model_edges

    monkeypatch.setenv("EMBEDLAB_SHARED", "1")
    teacher = Workspace(config.home() / "workspaces" / "teacher")
    student = Workspace(config.home() / "workspaces" / "student")
    graph = sample_graph("karate")
    space = train_deepwalk(graph, DeepWalkConfig(**SMALL), graph_id=save_graph(teacher, graph))
    published = teacher.publish_model(teacher.save_space(space))
    edges = model_edges(student, published, student.load_space(published))
    assert edges is not None and len(edges) == 78  # the student has no copy of the graph, the model has


def test_degree_colours_as_a_scale_and_attributes_come_first(karate_n2v):
    from embedlab.probes.projection import choose_top, colour_values, metadata_columns, project

    proj = project(karate_n2v, choose_top(karate_n2v, 34), "pca", distortion_k=5)
    assert metadata_columns(karate_n2v) == ["club", "community", "degree"]
    values, continuous = colour_values(karate_n2v, proj, "metadata", column="degree")
    assert continuous and values.max() == 17  # 11 distinct degrees: a scale, not 11 legend entries
    values, continuous = colour_values(karate_n2v, proj, "metadata", column="club")
    assert not continuous and set(values) == {"Mr. Hi", "Officer"}


def test_a_left_out_node_is_explained_by_id_and_by_name():
    g = _two_cliques()
    g.node_meta["label"] = [f"Node {n}" for n in g.nodes]
    space = train_spectral(g, SpectralConfig(vector_size=2))
    with pytest.raises(InputError, match="The node 'Node alone' has no vector in this model: it has no edges, so no "
                                         "degree to normalise its row by"):
        space.resolve("Node alone")
    with pytest.raises(InputError, match="The node 'alone' has no vector"):
        space.index("alone")
    with pytest.raises(InputError, match="No node of this model has the name or id 'nobody'"):
        space.resolve("nobody")


def test_class_columns_leave_out_counts_and_names():
    from embedlab.probes.graph_eval import class_columns

    karate = sample_graph("karate")
    karate.node_meta["name"] = [f"member {i}" for i in range(34)]  # one value per node: no class
    karate.node_meta["ratings"] = np.arange(34) * 3  # a count: no class
    karate.node_meta["genres"] = ["Drama|Comedy", "Drama"] * 17  # multi-label: a class
    karate.node_meta["same"] = "x"  # one value: nothing to predict
    karate.label_column = "genres"
    assert class_columns(karate) == ["genres", "club"]


def test_match_clusters_renumbers_by_overlap():
    from embedlab.probes.graph_eval import match_clusters

    reference = np.array([0, 0, 0, 1, 1, 2, 2, -1])
    labels = np.array([2, 2, 1, 0, 0, 1, 1, 0])
    assert match_clusters(reference, labels).tolist() == [0, 0, 2, 1, 1, 2, 2, 1]
    # more clusters than the reference: the extra one gets a new number
    assert match_clusters(np.array([0, 0, 1, 1]), np.array([0, 1, 2, 2])).tolist() == [0, 2, 1, 1]


def test_p_and_q_lesson_job_and_its_explanation():
    from embedlab.probes.graph_eval import run_pq_job

    ws = Workspace(config.home())
    out = run_pq_job(ws, {"preset": "local", "k_clusters": 4, "save": True}, lambda *a, **k: None)
    assert set(out["clusters"]) == {"0.5", "2"} and len(out["nodes"]) == 77
    assert all(len(c) == 77 and min(c) >= 0 and max(c) == 3 for c in out["clusters"].values())
    assert out["config"]["window"] == 1 and set(ws.models()["id"]) == set(out["model_ids"].values())
    lesmis = load_graph(ws, out["graph_id"])
    figs = gview.pq_pictures(lesmis, out)
    assert [f.layout.title.text.split(" ·")[0] for f in figs] == ["q = 0.5", "q = 2"]
    assert np.array_equal(figs[0].data[0].x, figs[1].data[0].x, equal_nan=True)  # one layout for both
    # cluster numbers matched across the two models: a node keeps its number more often than not
    same = np.mean(np.array(out["clusters"]["0.5"]) == np.array(out["clusters"]["2"]))
    assert same > 0.5, same
    text = gview.pq_explanation(out)
    assert "walks of 10 nodes, a window of 1" in text and "struc2vec" in text
    # the sentence follows the numbers: roles only when the numbers show them
    rows = [{"q": 0.5, "agreement with communities (ARI)": 0.75, "log-degree spread within clusters": 0.8},
            {"q": 2.0, "agreement with communities (ARI)": 0.70, "log-degree spread within clusters": 0.7}]
    paper = {"summary": rows, "config": {"walk_length": 80, "window": 10}}
    assert "Both values of q give community-like clusters" in gview.pq_explanation(paper)
    assert "run the lesson again with the local settings" in gview.pq_explanation(paper)
    rows[1]["agreement with communities (ARI)"] = 0.3
    assert "moves the clusters away from the communities" in gview.pq_explanation(paper)


def test_a_node_model_exports_and_imports_like_any_model(karate_n2v):
    from embedlab.sources.export import EXPORTS, export
    from embedlab.sources.vectors import read_vectors

    data, name, _ = export(karate_n2v, "word2vec-text")
    back = read_vectors(data, name)
    assert sorted(back.words, key=int) == sorted(karate_n2v.words, key=int)
    assert np.allclose(back.vectors[back.indices(["33"])], karate_n2v.vectors[karate_n2v.indices(["33"])], atol=1e-5)
    meta, _, _ = export(karate_n2v, "projector-metadata")
    assert "club" in meta.decode().splitlines()[0] and "projector-zip" in EXPORTS  # attributes go with the vectors


# -- views ----------------------------------------------------------------------------------

def test_statistics_views(karate):
    table = gview.stats_table(karate.stats())
    assert table.loc[0].tolist() == ["nodes", "34"] and "weighted" in table.set_index("quantity").loc["kind", "value"]
    fig = gview.degree_distribution_figure(karate.degree_distribution())
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log" and sum(fig.data[0].y) == 34
    g = _two_cliques()
    assert "1 isolated node(s) not shown" in gview.degree_distribution_figure(g.degree_distribution()).layout.title.text
    assert list(gview.component_sizes_figure(g.component_sizes()).data[0].y) == [5, 5, 1]


def test_force_directed_picture(karate):
    fig = gview.graph_picture(karate, colour=karate.node_meta["club"].to_numpy(), colour_title="club")
    assert fig.data[0].mode == "lines" and np.isnan(fig.data[0].x).sum() == 78
    assert {t.name for t in fig.data[1:3]} == {"Mr. Hi", "Officer"}
    with pytest.raises(InputError, match="at most 500 nodes; this one has 600"):
        gview.graph_picture(planted_partition(600, 2, 1200, seed=0))


def test_edges_drawn_over_a_projection_are_capped_and_keep_selection(karate, karate_n2v):
    from embedlab.probes.projection import choose_top, project

    proj = project(karate_n2v, choose_top(karate_n2v, 34), "pca", distortion_k=5)
    fig = scatter_figure(proj.frame, colour=karate_n2v.meta["club"].to_numpy()[proj.indices])
    n_traces = len(fig.data)
    note = gview.add_edges(fig, proj.frame, karate, max_edges=30)
    assert len(fig.data) == n_traces + 1 and fig.data[0].name == "edges" and fig.data[0].customdata is None
    assert "Drawing 30 of the 78 edges" in note and np.isnan(fig.data[0].x).sum() == 30
    rows = trace_rows(fig)
    assert rows[0] == [] and sorted(r for t in rows[1:] for r in t) == list(range(34))
    x, _, note = gview.edges_on_projection(proj.frame.iloc[:10], karate)
    assert "edges lead to nodes not in the projection" in note and len(x) % 3 == 0


def test_result_figures():
    table = pd.DataFrame({"model": ["m", "b"], "micro-F1": [0.9, 0.5], "macro-F1": [0.8, 0.4],
                          "micro-F1 sd": [0.01, 0.0], "macro-F1 sd": [0.02, 0.0]})
    table.attrs["labelled_share"] = 0.5
    fig = gview.classification_figure(table)
    assert len(fig.data) == 2 and "50% of nodes labelled" in fig.layout.title.text
    lp = pd.DataFrame({"method": ["node2vec", "Adamic–Adar (baseline)"], "ROC AUC": [0.9, 0.8]})
    assert list(gview.link_prediction_figure(lp).data[0].y) == [0.9, 0.8]

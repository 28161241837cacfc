"""The methods comparison (embedlab.probes.methods): which models count as which method, the settings the
missing ones get, scores equal to the evaluators', Jaccard@10 equal to embedlab.probes.compare's, the job and
its stored result, and bad input; its figures (embedlab.views.count_based)."""

import numpy as np
import pandas as pd
import pytest

import embedlab
from embedlab.errors import InputError
from embedlab.probes import methods
from embedlab.probes.analogy.benchmark import builtin_pairs, evaluate_analogies, evaluate_word_pairs
from embedlab.probes.compare import jaccard_at_k
from embedlab.train import glove, ppmi_svd, registry, word2vec
from embedlab.views.count_based import jaccard_heatmap, methods_figure, spectrum_figure
from embedlab.views.training import model_figures

from conftest import make_space

QUIET = lambda f, m="", **d: None  # noqa: E731


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """A workspace with the Lee corpus and a small CBOW, GloVe and PPMI-SVD model of it."""
    ws = embedlab.Workspace(tmp_path_factory.mktemp("methods-ws"))
    corpus = embedlab.prepare_sample(ws, "lee_background")
    small = {"vector_size": 20, "min_count": 3}
    ids = [family.run_job(ws, {"corpus_id": corpus.id, "config": cfg, "name": name}, QUIET)["model_id"]
           for family, cfg, name in ((word2vec, {**small, "architecture": "cbow", "epochs": 3, "reproducible": True},
                                      "cbow"),
                                     (glove, {**small, "iterations": 5, "x_max": 10.0, "reproducible": True}, "glove"),
                                     (ppmi_svd, small, "ppmi"))]
    return ws, corpus, ids


def test_models_are_sorted_into_methods_and_the_missing_ones_get_valid_settings(three):
    ws, corpus, ids = three
    assert methods.method_of("word2vec", {"architecture": "cbow"}) == "cbow"
    assert methods.method_of("word2vec", {"architecture": "skip-gram"}) == "skip-gram"
    assert methods.method_of("glove", {}) == "glove" and methods.method_of("svd", {}) is None
    models = methods.corpus_models(ws, corpus)
    assert sorted(models["method"]) == ["cbow", "glove", "ppmi_svd"]
    assert methods.default_selection(models) == ids  # the methods' order: CBOW, GloVe, PPMI-SVD
    requests = methods.missing_requests(corpus, models)
    assert [(kind, args["config"].get("architecture")) for kind, args, _ in requests] == [
        ("word2vec", "skip-gram"), ("fasttext", None)]
    # every method's settings are a valid config of its family, with the same dimensions for all
    for m in methods.METHODS:
        cfg = registry.family(m.family).make_config(m.config)
        assert cfg.vector_size == methods.DIMENSIONS and cfg.min_count == 5
        assert methods.method_of(m.family, cfg.to_dict()) == m.key
    other = embedlab.Workspace(ws.root.parent / "other-ws")
    assert methods.corpus_models(other, corpus).empty
    assert len(methods.missing_requests(corpus, methods.corpus_models(other, corpus))) == 5


def test_scores_and_jaccard_equal_the_evaluators_and_compare(three):
    ws, corpus, ids = three
    result = methods.compare_methods(ws, ids, k=10)
    table = result.table.set_index("id")
    spaces = [ws.load_space(i) for i in ids]
    for model_id, space in zip(ids, spaces):
        totals = evaluate_analogies(space).totals.set_index("section")["accuracy"]
        row = table.loc[model_id]
        assert row["analogy (all)"] == pytest.approx(totals["all"])
        assert row["analogy (semantic)"] == pytest.approx(totals["semantic"], nan_ok=True)
        assert row["analogy (syntactic)"] == pytest.approx(totals["syntactic"])
        assert row["WS-353"] == pytest.approx(evaluate_word_pairs(space, builtin_pairs("WordSim-353")).spearman)
        assert row["SimLex-999"] == pytest.approx(evaluate_word_pairs(space, builtin_pairs("SimLex-999")).spearman)
        assert row["vocabulary"] == len(space) and row["dimensions"] == 20
    assert list(table["method"]) == ["Word2Vec CBOW", "GloVe", "PPMI-SVD"]
    assert table.loc[ids[1], "co-occurrences"].startswith("counted in")
    # the three share their vocabulary, so each pair's figure is compare.jaccard_at_k over it
    assert set(spaces[0].words) == set(spaces[1].words) == set(spaces[2].words)
    n = min(methods.JACCARD_WORDS, len(spaces[0]))
    assert result.words_compared == n
    J = result.jaccard.to_numpy()
    assert np.allclose(J, J.T) and np.all(np.diag(J) == 1.0)
    for i in range(3):
        for j in range(i + 1, 3):
            assert J[i, j] == pytest.approx(jaccard_at_k(spaces[i], spaces[j], 10, n_words=n).mean)
    means = table["mean Jaccard@10"].to_numpy()
    assert means == pytest.approx([(J[i].sum() - 1) / 2 for i in range(3)])


def test_the_job_keeps_the_result_and_measures_a_model_once(three, monkeypatch):
    ws, corpus, ids = three
    out = methods.run_job(ws, {"corpus_id": corpus.id, "model_ids": ids[:2]}, QUIET)
    assert out == {"corpus_id": corpus.id, "models": 2}
    stored = methods.stored_comparison(ws, corpus.id)
    assert list(stored.table["id"]) == ids[:2] and stored.jaccard.shape == (2, 2)
    assert set(ws.get_setting(methods.SCORES_SETTING)) == set(ids[:2])
    measured = []
    real = methods.model_scores
    monkeypatch.setattr(methods, "model_scores", lambda space, progress=None: measured.append(space.name) or
                        real(space, progress))
    methods.run_job(ws, {"corpus_id": corpus.id, "model_ids": ids}, QUIET)
    assert measured == ["ppmi"]  # the other two were measured before
    again = methods.stored_comparison(ws, corpus.id)
    assert len(again.table) == 3 and again.finished_at >= stored.finished_at
    first = again.table.iloc[0]
    assert first["WS-353"] == pytest.approx(stored.table.iloc[0]["WS-353"])
    assert methods.stored_comparison(ws, "no-such-corpus") is None


def test_bad_input(three):
    ws, corpus, ids = three
    with pytest.raises(InputError, match="at least one model"):
        methods.compare_methods(ws, [])
    with pytest.raises(InputError, match="at most twelve"):
        methods.compare_methods(ws, [f"m{i}" for i in range(13)])
    with pytest.raises(InputError, match="no model"):
        methods.compare_methods(ws, ["000000000000"])
    items_id = ws.save_space(make_space({f"i{i}": np.random.default_rng(i).standard_normal(4) for i in range(30)},
                                        item_kind="item"), "items")
    assert not ws.load_space(items_id).is_words
    with pytest.raises(InputError, match="methods comparison"):
        methods.compare_methods(ws, [ids[0], items_id])
    single = methods.compare_methods(ws, ids[:1])
    assert np.isnan(single.table["mean Jaccard@10"].iloc[0]) and "second model" in single.notes[0]


def test_figures():
    s = np.array([4.0, 2.0, 1.0])
    fig = spectrum_figure(s, total_sq=25.0)
    assert list(fig.data[0].y) == [4.0, 2.0, 1.0]
    assert list(fig.data[1].y) == pytest.approx([16 / 25, 20 / 25, 21 / 25])
    assert len(spectrum_figure(s).data) == 1  # no norm, no share
    table = pd.DataFrame({"model": ["a", "b"], "training (s)": [1.0, 2.0], "analogy (all)": [0.1, 0.2],
                          "WS-353": [0.3, np.nan], "mean Jaccard@10": [0.5, 0.5]})
    fig = methods_figure(table)
    assert [t.name for t in fig.data if t.showlegend is not False] == ["a", "b"] and len(fig.data) == 4
    heat = jaccard_heatmap(pd.DataFrame([[1.0, 0.4], [0.4, 1.0]], index=["a", "b"], columns=["a", "b"]))
    assert heat.data[0].z.tolist() == [[1.0, 0.4], [0.4, 1.0]]
    figures = model_figures({"epoch_losses": [3.0, 2.0], "loss_exact": True, "loss_name": "cost",
                             "loss_unit": "iteration", "singular_values": [2.0, 1.0], "ppmi_frobenius_sq": 10.0,
                             "factorised": "the PPMI matrix"})
    assert [what for what, _, _ in figures] == ["loss", "spectrum"]
    assert figures[0][1].layout.title.text == "Training cost per iteration (exact objective)"
    assert model_figures({"epoch_losses": [None]}) == []

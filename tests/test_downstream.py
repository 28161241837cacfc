"""Downstream evaluation of document spaces (issue 19): folds, baseline, regression, bad labels, figures."""

import json

import numpy as np
import pandas as pd
import pytest

import embedlab
from embedlab.errors import InputError
from embedlab.probes.downstream import (REFERENCES, DownstreamResult, FoldTfidf, evaluate, label_task,
                                        make_folds, run_eval_job)
from embedlab.sources.docset import DocumentSet
from embedlab.sources.documents import read_documents
from embedlab.train.lsa import LSAConfig, train_lsa
from embedlab.train.mean_vectors import MeanVectorsConfig, train_mean_vectors
from embedlab.views import documents as views

from conftest import make_space
from test_documents import FILLER, MONEY, SPORT, two_topics_csv


@pytest.fixture
def ws(tmp_path):
    return embedlab.Workspace(tmp_path / "ws")


@pytest.fixture
def topics(ws):
    raw = read_documents(two_topics_csv(), "topics.csv")
    return ws.add_corpus(raw.documents, "topics")


@pytest.fixture(scope="module")
def speeches(tmp_path_factory):
    ws = embedlab.Workspace(tmp_path_factory.mktemp("speeches"))
    corpus = embedlab.prepare_sample(ws, "us_presidential_speeches")
    space = train_lsa(corpus, LSAConfig(dims=20))
    return corpus, space, dict(zip(DocumentSet.of(corpus).ids, DocumentSet.of(corpus).texts()))


def _word_space():
    rng = np.random.default_rng(2)
    vectors = {w: rng.normal(size=4) + (3, 0, 0, 0) for w in SPORT}
    vectors |= {w: rng.normal(size=4) + (0, 3, 0, 0) for w in MONEY}
    vectors |= {w: rng.normal(size=4) for w in FILLER}
    return make_space(vectors)


def test_every_method_is_scored_on_the_same_folds(topics):
    from sklearn.model_selection import StratifiedKFold

    lsa = train_lsa(topics, LSAConfig(dims=3, min_df=1))
    mean = train_mean_vectors(topics, _word_space(), MeanVectorsConfig(word_model="w", weighting="tfidf"))
    docs = DocumentSet.of(topics)
    texts = dict(zip(docs.ids, docs.texts()))
    result = evaluate({"lsa": lsa, "mean": mean}, "topic", texts, n_folds=4, random_state=3)
    assert list(result.methods) == ["lsa", "mean", "TF-IDF + logistic regression"]
    y = np.array(result.task.y)
    expected = list(StratifiedKFold(4, shuffle=True, random_state=3).split(np.zeros(len(y)), y))
    for method in result.methods.values():
        assert len(method.test_indices) == 4
        for given, (_, test) in zip(method.test_indices, expected):
            np.testing.assert_array_equal(given, test)
        assert set(method.predictions) <= {"sport", "money"} and method.confusion.sum() == len(y)
    for (train, test), (_, exp_test) in zip(result.folds, expected):
        np.testing.assert_array_equal(test, exp_test)
        assert len(np.intersect1d(train, test)) == 0
    assert all(result.methods[m].mean("accuracy") >= 0.95 for m in result.methods)


@pytest.mark.slow
def test_fold_tfidf_baseline_equals_scikit_learn_pipeline(speeches):
    """The baseline equals Pipeline(TfidfVectorizer, LogisticRegression) under cross_val_predict, same folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline

    _, space, texts = speeches
    result = evaluate(space, "kind", texts, n_folds=5)
    ids = result.task.ids
    docs = [texts[i] for i in ids]
    pipeline = make_pipeline(TfidfVectorizer(analyzer=str.split, lowercase=False, sublinear_tf=True, min_df=2),
                             LogisticRegression(C=10.0, max_iter=2000))
    expected = cross_val_predict(pipeline, docs, result.task.y, cv=result.folds)
    np.testing.assert_array_equal(result.methods["TF-IDF + logistic regression"].predictions, expected)
    train, test = result.folds[0]
    fitted = pipeline[0].fit([docs[i] for i in train])
    mine_train, mine_test = FoldTfidf(docs).split(train, test)
    np.testing.assert_allclose(mine_test.toarray(), fitted.transform([docs[i] for i in test]).toarray(), atol=1e-12)
    np.testing.assert_allclose(mine_train.toarray(), fitted.transform([docs[i] for i in train]).toarray(),
                               atol=1e-12)


def test_year_is_a_regression_with_predicted_vs_true(speeches):
    _, space, texts = speeches
    result = evaluate(space, "year", texts, n_folds=10)
    assert result.task.task == "regression" and result.metrics == ["r2"] and len(result.task.y) == 124
    lsa = result.methods[space.name]
    assert lsa.mean("r2") > 0.5 and lsa.confusion is None  # 20 LSA dimensions carry the era of a speech
    assert "TF-IDF + ridge regression" in result.methods
    assert abs(np.mean(lsa.predictions) - np.mean(result.task.y)) < 20
    fig = views.predicted_vs_true(result, space.name)
    assert fig.data[0].x.shape == (124,) and "R²" in fig.layout.title.text
    with pytest.raises(ValueError):
        views.confusion_heatmap(result, space.name)


def test_classes_with_more_than_two_labels_get_macro_f1(speeches):
    _, space, _ = speeches
    labels = pd.Series(np.where(space.meta["year"] < 1900, "old", np.where(space.meta["year"] < 1960, "mid", "new")),
                       index=space.meta.index)
    space.meta["era"] = labels
    result = evaluate(space, "era", n_folds=5)
    assert result.metrics == ["accuracy", "macro_f1"] and result.methods[space.name].confusion.shape == (3, 3)
    fig = views.confusion_heatmap(result, space.name)
    assert fig.data[0].z.shape == (3, 3)
    assert "macro-F1" in views.summary_table(result).columns


# -- bad labels ---------------------------------------------------------------------------

def _labels(values):
    return pd.Series(values, index=[str(i) for i in range(len(values))])


def test_bad_label_columns():
    with pytest.raises(InputError, match="same 'c'.*at least two classes"):
        label_task(_labels(["a"] * 30), "c")
    with pytest.raises(InputError, match=r"'rare' \(3\).*Choose at most 3 folds"):
        label_task(_labels(["a"] * 30 + ["rare"] * 3), "c", n_folds=10)
    with pytest.raises(InputError, match="Merge or drop"):
        label_task(_labels(["a"] * 30 + ["once"]), "c", n_folds=5)
    with pytest.raises(InputError, match="No document has a 'c' label"):
        label_task(_labels([None, "", "  "]), "c")
    with pytest.raises(InputError, match="not numeric"):
        label_task(_labels(["1990", "x"] * 20), "c", task="regression")
    with pytest.raises(InputError, match="same 'c'"):
        label_task(_labels([1990.0] * 40), "c", task="regression")
    with pytest.raises(InputError, match="from 2 to 20 folds"):
        label_task(_labels(["a", "b"] * 20), "c", n_folds=1)
    task = label_task(_labels(["a", None, "b", "", "a", "b"] * 5), "c", n_folds=5)
    assert task.dropped == 10 and len(task.ids) == 20 and "10 of 30 documents have no 'c' label" in task.notes[0]
    assert len(make_folds(task, 5)) == 5


def test_missing_labels_and_empty_documents_are_dropped_and_said(ws):
    rows = ["id,topic,text"]
    for i in range(24):
        topic = "" if i in (3, 7) else ("sport", "money")[i % 2]
        rows.append(f"d{i},{topic},{' '.join((SPORT if i % 2 == 0 else MONEY)[:6])} {' '.join(FILLER[:4])}")
    rows.append("empty,sport,1234 5678")  # nothing left after preprocessing (numbers are dropped)
    raw = read_documents("\n".join(rows).encode(), "t.csv")
    corpus = ws.add_corpus(raw.documents, "t")
    space = train_lsa(corpus, LSAConfig(dims=3, min_df=1))
    assert "empty" not in space and space.info["empty_documents"] == 1
    result = evaluate(space, "topic", n_folds=5)
    assert len(result.task.ids) == 22 and result.task.dropped == 2
    assert any("2 of 24 documents have no 'topic' label" in n for n in result.notes)
    assert any("1 document(s) of the corpus were empty" in n for n in result.notes)
    with pytest.raises(InputError, match="no label column 'sentiment'. Choose one of: topic"):
        evaluate(space, "sentiment")


def test_eval_job_result_round_trips_and_views(topics, ws):
    lsa_id = ws.save_space(train_lsa(topics, LSAConfig(dims=3, min_df=1), name="lsa"))
    out = run_eval_job(ws, {"model_ids": [lsa_id], "column": "topic", "n_folds": 4}, lambda *a, **k: None)
    result = DownstreamResult.from_dict(json.loads(json.dumps(out)))
    assert list(result.methods) == ["lsa", "TF-IDF + logistic regression"] and result.settings["n_folds"] == 4
    pd.testing.assert_frame_equal(result.table(), DownstreamResult.from_dict(out).table())
    fig = views.fold_scores(result)
    assert len(fig.data) == 4 and list(fig.data[0].y) == pytest.approx(
        [100 * v for v in result.methods["lsa"].scores["accuracy"]])
    result.reference = REFERENCES["movie_reviews"]  # as for the movie reviews' sentiment
    assert "Pang & Lee" in views.summary_table(result)["method"].iloc[-1]
    assert any("Pang & Lee" in a.text for a in views.fold_scores(result).layout.annotations)
    word_id = ws.save_space(_word_space())
    with pytest.raises(InputError, match="not a document model"):
        run_eval_job(ws, {"model_ids": [word_id], "column": "topic"}, lambda *a, **k: None)

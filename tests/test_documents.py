"""Document embeddings (issue 19): document sets, Doc2Vec, LSA, mean word vectors, Find similar."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

import embedlab
from embedlab.errors import Cancelled, InputError
from embedlab.sources.corpus import Corpus, build_corpus
from embedlab.sources.docset import DOCUMENTS_FILE, DocumentSet
from embedlab.sources.documents import read_documents
from embedlab.sources.preprocess import MAX_LINE_TOKENS, PreprocessConfig, tokenize
from embedlab.train.doc2vec import Doc2VecConfig, TaggedLines, train_doc2vec
from embedlab.train.docspace import infer_vector, load_inferrer
from embedlab.train.lsa import LSAConfig, train_lsa
from embedlab.train.mean_vectors import MeanVectorsConfig, train_mean_vectors

from conftest import ROOT, make_space

REVIEWS = (ROOT / "sample_corpora" / "movie_reviews.csv").read_bytes()
SPEECHES = (ROOT / "sample_corpora" / "us_presidential_speeches.csv").read_bytes()

SPORT = "ball goal team match player score coach league striker keeper".split()
MONEY = "stock market price bank trade profit investor share bond dividend".split()
FILLER = "the a of and today news report week people said".split()


def two_topics_csv(n: int = 40, seed: int = 0) -> bytes:
    """Documents on sport or money (15 topic words + 15 shared filler words each), with a ``topic`` label."""
    rng = np.random.default_rng(seed)
    rows = ["doc_id,topic,text"]
    for i in range(n):
        topic = ("sport", "money")[i % 2]
        words = list(rng.choice(SPORT if topic == "sport" else MONEY, 15)) + list(rng.choice(FILLER, 15))
        rng.shuffle(words)
        rows.append(f"d{i},{topic},{' '.join(words)}")
    return "\n".join(rows).encode()


@pytest.fixture
def ws(tmp_path):
    return embedlab.Workspace(tmp_path / "ws")


@pytest.fixture
def topics(ws):
    raw = read_documents(two_topics_csv(), "topics.csv")
    return ws.add_corpus(raw.documents, "topics", notes=raw.notes)


# -- reading documents with their ids and labels -------------------------------------------

def test_table_upload_keeps_ids_and_labels():
    reviews = read_documents(REVIEWS, "movie_reviews.csv", text_column="text")
    assert reviews.records["doc_id"].iloc[0] == "cv000_29416"  # the review_id column names each review
    assert list(reviews.records.columns) == ["doc_id", "sentiment"]
    assert reviews.records["sentiment"].value_counts().to_dict() == {"neg": 1000, "pos": 1000}
    speeches = read_documents(SPEECHES, "speeches.csv")
    assert speeches.records["doc_id"].tolist()[:3] == ["1", "2", "3"]  # no id column: data row numbers
    assert pd.api.types.is_integer_dtype(speeches.records["year"]) and speeches.records["year"].iloc[0] == 1789
    assert set(speeches.records["kind"]) == {"inaugural", "state_of_the_union"}


def test_ids_of_text_zip_and_odd_tables():
    txt = read_documents(b"first line\n\nthird line\n", "a.txt")
    assert txt.documents == ["first line", "third line"] and txt.records["doc_id"].tolist() == ["1", "3"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("docs/b.txt", "document b")
        zf.writestr("docs/a.txt", "document a")
    assert read_documents(buf.getvalue(), "d.zip").records["doc_id"].tolist() == ["docs/a.txt", "docs/b.txt"]
    # a column called "label" must not collide with the space's display label; blank cells are missing;
    # an id column with repeats is not an id; the empty-text row is skipped with its label
    table = b"id,label,score,text\n7,good,1.5,nice film\n7,,2,bad film\n8,bad,x,\n"
    raw = read_documents(table, "t.csv")
    assert raw.records["doc_id"].tolist() == ["1", "2"]
    assert list(raw.records.columns) == ["doc_id", "id", "label (upload)", "score"]
    assert raw.records["label (upload)"].isna().tolist() == [False, True]
    assert raw.records["score"].tolist() == [1.5, 2.0]


def test_document_table_maps_lines_tokens_and_empty_documents(tmp_path):
    long_doc = " ".join(["word"] * (MAX_LINE_TOKENS + 5))
    records = pd.DataFrame({"doc_id": ["a", "b", "c"], "colour": ["red", "blue", "red"]})
    corpus = build_corpus(["Hello there, world!", "123 456", long_doc], tmp_path / "c", "t", records=records)
    docs = DocumentSet.of(corpus)
    assert docs.table["lines"].tolist() == [1, 0, 2] and docs.table["tokens"].tolist() == [3, 0, MAX_LINE_TOKENS + 5]
    assert docs.ids == ["a", "c"] and docs.n_empty == 1 and "no token left" in docs.notes[0]
    assert docs.label_columns == ["colour"] and docs.table["snippet"][0] == "Hello there, world!"
    assert docs.line_owner().tolist() == [0, 1, 1]
    tokens = list(docs.iter_documents())
    assert tokens[0] == ["hello", "there", "world"] and len(tokens[1]) == MAX_LINE_TOKENS + 5
    meta = docs.space_meta()
    assert meta.index.tolist() == ["a", "c"] and meta["count"].tolist() == [3, MAX_LINE_TOKENS + 5]


def test_phrases_keep_the_line_map(tmp_path):
    docs = ["new york is big and new york is old"] * 12 + ["a small town by the sea"] * 3
    cfg = PreprocessConfig(phrases=True, phrase_min_count=2, phrase_threshold=0.5)
    corpus = build_corpus(docs, tmp_path / "c", "p", cfg)
    table = DocumentSet.of(corpus).table
    assert table["lines"].sum() == corpus.stats["lines"] == 15
    # counted after joining: new_york is_big and new_york is_old
    assert table["tokens"].sum() == corpus.stats["tokens"] and table["tokens"][0] == 5


def test_old_corpus_without_document_table_opens_and_trains(ws, lee_corpus):
    """A corpus prepared before documents.parquet existed: Word2Vec trains; documents are its lines."""
    raw = embedlab.sample_documents("lee_background")
    corpus = ws.add_corpus(list(raw.documents)[:60], "old")
    (corpus.path / DOCUMENTS_FILE).unlink()
    reopened = Corpus.open(corpus.path, id=corpus.id)
    embedlab.train_word2vec(reopened, embedlab.Word2VecConfig(vector_size=8, epochs=1, min_count=2))
    docs = DocumentSet.of(reopened)
    assert docs.legacy and len(docs) == corpus.stats["lines"] and "prepare it again" in docs.notes[0]
    space = train_lsa(reopened, LSAConfig(dims=5))
    assert len(space) == corpus.stats["lines"] and space.info["label_columns"] == []


# -- the three families ------------------------------------------------------------------

def _topic_space(family, corpus, ws):
    if family == "doc2vec":
        cfg = Doc2VecConfig(vector_size=8, epochs=60, min_count=1, sample=0.0, reproducible=True)
        return train_doc2vec(corpus, cfg)
    if family == "lsa":
        return train_lsa(corpus, LSAConfig(dims=4, min_df=1))
    rng = np.random.default_rng(1)
    words = {w: [1.0, 0.0, 0.0] for w in SPORT} | {w: [0.0, 1.0, 0.0] for w in MONEY} | \
            {w: [0.0, 0.0, 1.0] for w in FILLER}
    words = {w: np.asarray(v) + rng.normal(0, 0.1, 3) for w, v in words.items()}
    return train_mean_vectors(corpus, make_space(words), MeanVectorsConfig(word_model="hand", weighting="sif"))


@pytest.mark.parametrize("family", ["doc2vec", "lsa", "mean_vectors"])
def test_two_topics_separate(family, topics, ws):
    """Hand-made corpus: the classifier recovers the topic from each family's document vectors."""
    from embedlab.probes.downstream import evaluate

    space = _topic_space(family, topics, ws)
    assert space.info["item_kind"] == "document" and space.words[:2] == ["d0", "d1"]
    assert space.meta["topic"].tolist()[:2] == ["sport", "money"] and space.meta["label"].iloc[0].split()[0] in \
        SPORT + FILLER
    result = evaluate(space, "topic", n_folds=5)
    assert result.methods[space.name].mean("accuracy") >= 0.95
    model_id = ws.save_space(space)
    stored = ws.load_space(model_id)
    assert stored.info["item_kind"] == "document" and stored.meta["topic"].tolist() == space.meta["topic"].tolist()
    # a sport text lands among sport documents
    inferrer = load_inferrer(ws, model_id)
    vector, unknown = inferrer.infer("The striker scored a goal for the team; the keeper and coach said zzzq!")
    assert unknown == ["scored", "for", "zzzq"]
    from embedlab.probes.similar_documents import similar_documents

    nearest = similar_documents(stored, vector, k=5)
    assert (nearest["topic"] == "sport").all()


def test_lsa_equals_scikit_learn_pipeline(ws):
    """Document vectors and inferred vectors equal make_pipeline(TfidfVectorizer, TruncatedSVD)."""
    from sklearn.pipeline import make_pipeline

    corpus = ws.add_corpus(list(embedlab.sample_documents("lee_background").documents), "lee")
    cfg = LSAConfig(dims=30, min_df=2, sublinear_tf=True, seed=3)
    space = train_lsa(corpus, cfg)
    texts = DocumentSet.of(corpus).texts()
    pipeline = make_pipeline(cfg.vectorizer(), cfg.svd())
    np.testing.assert_allclose(space.vectors, pipeline.fit_transform(texts), rtol=1e-5, atol=1e-5)
    model_id = ws.save_space(space)
    text = "The government said the fire near Sydney destroyed homes; firefighters and police worked all night."
    vector, unknown = infer_vector(ws, text, model_id)
    tokens = " ".join(tokenize(text, PreprocessConfig()))
    np.testing.assert_allclose(vector, pipeline.transform([tokens])[0], rtol=1e-4, atol=1e-5)
    assert unknown == [t for t in dict.fromkeys(tokens.split()) if t not in pipeline[0].vocabulary_]


def test_mean_vectors_equal_hand_computation(ws):
    words = {"good": [1.0, 0.0], "bad": [0.0, 1.0], "film": [1.0, 1.0], "plot": [2.0, -1.0]}
    corpus = ws.add_corpus(["good good film", "bad plot unknownword", "film"], "hand")
    space_w = make_space(words)
    p = {"good": 2 / 7, "bad": 1 / 7, "film": 2 / 7, "plot": 1 / 7}  # corpus shares of 7 tokens
    mean = train_mean_vectors(corpus, space_w, MeanVectorsConfig(word_model="w", weighting="mean"))
    np.testing.assert_allclose(mean.vectors, [[1.0, 1 / 3], [1.0, 0.0], [1.0, 1.0]], rtol=1e-6)
    idf = {w: np.log(4 / (1 + df)) + 1 for w, df in {"good": 1, "bad": 1, "film": 2, "plot": 1}.items()}
    tfidf = train_mean_vectors(corpus, space_w, MeanVectorsConfig(word_model="w", weighting="tfidf"))
    doc0 = (2 * idf["good"] * np.array([1, 0]) + idf["film"] * np.array([1, 1])) / (2 * idf["good"] + idf["film"])
    doc1 = (idf["bad"] * np.array([0, 1]) + idf["plot"] * np.array([2, -1])) / (idf["bad"] + idf["plot"])
    np.testing.assert_allclose(tfidf.vectors, [doc0, doc1, [1, 1]], rtol=1e-6)
    a = 0.1
    sif = train_mean_vectors(corpus, space_w, MeanVectorsConfig(word_model="w", weighting="sif", sif_a=a))
    w = {k: a / (a + v) for k, v in p.items()}
    raw = np.array([(2 * w["good"] * np.array([1, 0]) + w["film"] * np.array([1, 1])) / 3,
                    (w["bad"] * np.array([0, 1]) + w["plot"] * np.array([2, -1])) / 2,
                    w["film"] * np.array([1.0, 1.0])])
    u = np.linalg.svd(raw)[2][0]  # first right singular vector, uncentred (Arora et al.'s code)
    np.testing.assert_allclose(sif.vectors, raw - np.outer(raw @ u, u), atol=1e-6)
    model_id = ws.save_space(sif)
    vector, unknown = infer_vector(ws, "bad plot unknownword", model_id)
    np.testing.assert_allclose(vector, sif.vectors[1], atol=1e-6)
    assert unknown == ["unknownword"] and sif.info["known_token_share"] == pytest.approx(6 / 7)


@pytest.mark.slow
def test_doc2vec_is_gensim_and_infers_its_training_documents(lee_corpus, tmp_path):
    """Seeded, one worker: the app's vectors equal gensim's; inference from stored arrays equals gensim's
    infer_vector, and a training document's inferred vector is nearest its own trained vector."""
    from gensim.models.doc2vec import Doc2Vec

    ws = embedlab.Workspace(tmp_path / "ws")
    cfg = Doc2VecConfig(vector_size=40, epochs=30, min_count=2, seed=5, reproducible=True)
    space = train_doc2vec(lee_corpus, cfg)
    docs = DocumentSet.of(lee_corpus)
    direct = Doc2Vec(TaggedLines(docs), **cfg.gensim_kwargs())
    np.testing.assert_allclose(space.vectors, direct.dv.vectors, rtol=1e-5, atol=1e-6)
    model_id = ws.save_space(space)
    inferrer = load_inferrer(ws, model_id)
    texts = list(docs.iter_documents())
    ranks, cosines = [], []
    for i in range(0, 300, 10):  # 30 training documents
        known = [t for t in texts[i] if t in direct.wv]
        direct.random = np.random.RandomState(cfg.seed)
        mine = inferrer.inferrer.infer_tokens(known)
        np.testing.assert_allclose(mine, direct.infer_vector(known), rtol=1e-5, atol=1e-6)
        sims = space.unit @ (mine / np.linalg.norm(mine))
        ranks.append(int((sims > sims[i]).sum()) + 1)
        cosines.append(sims[i])
    # gensim's Doc2Vec tutorial sanity check: a training document re-inferred is (nearly) its own nearest
    assert min(cosines) > 0.85 and max(ranks) <= 3 and ranks.count(1) >= 24
    v1, _ = inferrer.infer(" ".join(texts[3]))
    v2, _ = inferrer.infer(" ".join(texts[3]))
    np.testing.assert_array_equal(v1, v2)  # the same text always gets the same vector


def test_pv_dm_stores_word_vectors_and_infers(topics, ws):
    space = train_doc2vec(topics, Doc2VecConfig(architecture="pv-dm", vector_size=8, epochs=5, min_count=1))
    model_id = ws.save_space(space)
    folder = ws.attachment(model_id, "inference/word_vectors.npy").parent
    assert (folder / "inference.json").is_file() and not list(folder.glob("*.pkl"))
    vector, unknown = infer_vector(ws, "stock market bank", model_id)
    assert vector.shape == (8,) and unknown == []


def test_doc2vec_job_reports_epochs_and_cancels(topics, ws):
    from embedlab.train import doc2vec

    reports = []
    out = doc2vec.run_job(ws, {"corpus_id": topics.id, "config": {"epochs": 3, "vector_size": 8, "min_count": 1},
                               "name": "d2v"}, lambda f, m="", **d: reports.append((f, d)))
    assert ws.model_record(out["model_id"])["kind"] == "doc2vec" and ws.load_space(out["model_id"]).name == "d2v"
    assert [d["epoch"] for _, d in reports if "epoch" in d] == [1, 2, 3]
    assert [f for f, _ in reports] == sorted(f for f, _ in reports)
    with pytest.raises(Cancelled):
        train_doc2vec(topics, Doc2VecConfig(epochs=50, min_count=1), should_stop=lambda: True)


def test_configs_validate_and_round_trip():
    for cls in (Doc2VecConfig, LSAConfig, MeanVectorsConfig):
        rows = cls.describe()
        assert rows["help"].str.len().min() > 20  # every field explained, with its source
    cfg = Doc2VecConfig(architecture="pv-dm", epochs=7)
    assert Doc2VecConfig.from_dict({**cfg.to_dict(), "unknown": 1}) == cfg
    for bad in (dict(architecture="skip-gram"), dict(vector_size=1), dict(epochs=2.5), dict(sample=-1),
                dict(train_words="yes"), dict(negative=0)):
        with pytest.raises(InputError):
            Doc2VecConfig(**bad)
    with pytest.raises(InputError, match="dims must be from 2 to 1000"):
        LSAConfig(dims=5000)
    assert MeanVectorsConfig().word_model == ""  # the form starts empty; the job's check asks for one
    with pytest.raises(InputError, match="weighting"):
        MeanVectorsConfig(word_model="x", weighting="max")


# -- bad input ---------------------------------------------------------------------------

def test_bad_training_input(topics, ws, monkeypatch):
    with pytest.raises(InputError, match="choose dims below 30"):
        train_lsa(topics, LSAConfig(dims=40, min_df=1))
    with pytest.raises(InputError, match="Lower min_df"):
        train_lsa(topics, LSAConfig(dims=2, min_df=1000))
    with pytest.raises(InputError, match="No word of 'topics'"):
        train_mean_vectors(topics, make_space({"zebra": [1.0, 0.0]}), MeanVectorsConfig(word_model="z"))
    doc_space = train_lsa(topics, LSAConfig(dims=2, min_df=1))
    with pytest.raises(InputError, match="not of words"):
        train_mean_vectors(topics, doc_space, MeanVectorsConfig(word_model="z"))
    with pytest.raises(InputError, match="Lower min_count"):
        train_doc2vec(topics, Doc2VecConfig(min_count=10_000))
    from embedlab.train import docspace

    monkeypatch.setattr(docspace, "MAX_DOCUMENT_CELLS", 100)  # refused before anything is allocated
    with pytest.raises(InputError, match="40 documents × 3 dimensions.*at most 2 dimensions"):
        train_lsa(topics, LSAConfig(dims=3, min_df=1))
    with pytest.raises(InputError, match="at most 2 dimensions"):
        train_doc2vec(topics, Doc2VecConfig(vector_size=3, min_count=1))


def test_find_similar_bad_text(topics, ws):
    model_id = ws.save_space(train_lsa(topics, LSAConfig(dims=2, min_df=1)))
    inferrer = load_inferrer(ws, model_id)
    with pytest.raises(InputError, match="None of the words.*zebra, giraffe"):
        inferrer.infer("Zebra giraffe!")
    with pytest.raises(InputError, match="nothing was left"):
        inferrer.infer("1234 !!!")
    with pytest.raises(InputError, match="Type or paste"):
        inferrer.infer("   ")
    word_model = ws.save_space(make_space({"ball": [1.0, 0.0]}))
    with pytest.raises(InputError, match="no files for embedding new text"):
        load_inferrer(ws, word_model)


def test_lsa_and_mean_vector_jobs_save_models(topics, ws):
    from embedlab.train import lsa, mean_vectors

    reports = []
    out = lsa.run_job(ws, {"corpus_id": topics.id, "config": {"dims": 3, "min_df": 1}}, lambda f, m="", **d:
                      reports.append(f))
    assert ws.model_record(out["model_id"])["kind"] == "lsa" and reports[-1] == 1.0
    word_id = ws.save_space(make_space({w: [1.0, float(i)] for i, w in enumerate(SPORT + MONEY)}))
    out = mean_vectors.run_job(ws, {"corpus_id": topics.id, "name": "means",
                                    "config": {"word_model": word_id, "weighting": "tfidf"}}, lambda *a, **k: None)
    space = ws.load_space(out["model_id"])
    assert space.name == "means" and space.info["word_model_id"] == word_id and space.info["words_used"] == 20
    vector, unknown = infer_vector(ws, "ball ball stock the", out["model_id"])
    assert unknown == ["the"] and vector.shape == (2,)
    with pytest.raises(InputError, match="no model 'nope'"):
        mean_vectors.run_job(ws, {"corpus_id": topics.id, "config": {"word_model": "nope"}}, lambda *a, **k: None)


def test_find_similar_joins_phrases_the_corpus_joined(ws):
    docs = ["new york is big and new york is old"] * 12 + ["a small town by the sea"] * 3
    corpus = ws.add_corpus(docs, "p", PreprocessConfig(phrases=True, phrase_min_count=2, phrase_threshold=0.5))
    model_id = ws.save_space(train_lsa(corpus, LSAConfig(dims=2, min_df=1)))
    inferrer = load_inferrer(ws, model_id)
    assert {"new_york", "is_big"} <= set(inferrer.inferrer.vocabulary)
    assert inferrer.query.tokens("I love New York: it is big.") == ["i", "love", "new_york", "it", "is_big"]
    assert inferrer.infer("I love New York: it is big.")[1] == ["i", "love", "it"]


# -- phase 2: families, attachments, the corpus key, Explore's point set -------------------------------

def test_the_three_families_train_on_prepared_documents_through_the_registry():
    from embedlab import jobs
    from embedlab.train import doc2vec, lsa, mean_vectors, registry

    found = registry.families("documents")
    assert [f.name for f in found] == ["lsa", "doc2vec", "mean_vectors"]  # LSA first: seconds, deterministic
    assert {f.arg for f in found} == {"corpus_id"} and {f.item for f in found} == {"document"}
    assert (lsa.FAMILY, doc2vec.FAMILY, mean_vectors.FAMILY) == tuple(found)
    assert not {f.name for f in registry.families("corpus")} & {"lsa", "doc2vec", "mean_vectors"}  # Train: words
    assert jobs.resolve("docs_eval").__name__ == "run_eval_job"
    meta = registry.field_help(next(f for f in __import__("dataclasses").fields(MeanVectorsConfig)
                                    if f.name == "word_model"))
    assert meta["widget"] == "model" and meta["item_kind"] == "word"  # the form draws a picker of word models


def test_inference_files_are_attachments_published_with_the_model_and_deleted_with_it(tmp_path, topics):
    home = tmp_path / "home"
    teacher = embedlab.Workspace(home / "workspaces" / "teacher")
    corpus = teacher.add_corpus(read_documents(two_topics_csv(), "topics.csv").documents, "topics")
    model_id = teacher.save_space(train_lsa(corpus, LSAConfig(dims=3, min_df=1)))
    folder = teacher.models_dir / model_id
    assert teacher.attachment(model_id, "inference/inference.json").is_file()
    assert not (folder / "inference").exists()  # no side folder written after the registry row any more
    text = "The striker and the keeper: goal!"
    vector, _ = infer_vector(teacher, text, model_id)
    published = teacher.publish_model(model_id)
    student = embedlab.Workspace(home / "workspaces" / "student")
    np.testing.assert_array_equal(infer_vector(student, text, published)[0], vector)  # copied with it
    # a student who prepared the same corpus evaluates the published model, baseline read from their own copy
    from embedlab.probes.downstream import run_eval_job

    own = student.add_corpus(read_documents(two_topics_csv(), "topics.csv").documents, "topics")
    args = {"model_ids": [published], "column": "topic", "n_folds": 5}
    with pytest.raises(InputError, match="no corpus"):
        run_eval_job(student, args, lambda *a, **k: None)  # the instructor's corpus is not the student's
    result = run_eval_job(student, {**args, "corpus_id": own.id}, lambda *a, **k: None)
    assert list(result["methods"])[-1] == "TF-IDF + logistic regression"
    other = student.add_corpus(["some other text", "and more of it"], "other")
    with pytest.raises(InputError, match="was not trained on the text of 'other'"):
        run_eval_job(student, {**args, "corpus_id": other.id}, lambda *a, **k: None)
    teacher.delete_model(model_id)
    assert not folder.exists()
    with pytest.raises(InputError, match="no model"):
        load_inferrer(teacher, model_id)


def test_the_same_text_with_other_labels_is_another_corpus(ws):
    raw = read_documents(two_topics_csv(), "topics.csv")
    first = ws.add_corpus(raw.documents, "topics")
    assert ws.add_corpus(raw.documents, "topics").id == first.id  # same text, same labels: reused
    flipped = raw.records.copy()
    flipped["topic"] = flipped["topic"].map({"sport": "money", "money": "sport"})
    other = ws.add_corpus(list(raw.documents), "topics", records=flipped)  # a plain list + explicit records
    assert other.id != first.id
    assert DocumentSet.of(other).kept["topic"].tolist()[:2] == ["money", "sport"]
    plain = ws.add_corpus(list(raw.documents), "topics")  # no labels at all: another corpus again
    assert plain.id not in (first.id, other.id) and DocumentSet.of(plain).label_columns == []


def test_explore_shows_a_random_sample_of_documents_not_the_longest(topics, lee_space):
    from embedlab.probes.projection import choose_top, top_wording

    space = train_lsa(topics, LSAConfig(dims=3, min_df=1))
    ranking = space.ranking()
    assert sorted(ranking.tolist()) == list(range(len(space)))
    assert ranking.tolist() != np.argsort(-space.counts, kind="stable").tolist()
    np.testing.assert_array_equal(ranking, space.ranking())  # seeded: the same sample every time
    points = choose_top(space, 10)
    assert points.description == "10 documents (a random sample, seed 0)"
    assert choose_top(space, 1000).description == f"all {len(space)} documents"
    assert space.top(3) == [space.words[i] for i in ranking[:3]]
    assert top_wording(space)["frequency"] == "length (log10 tokens)"
    # words keep their frequency order
    assert lee_space.top(5) == lee_space.words[:5] and choose_top(lee_space, 5).description == "5 most frequent words"


def test_document_hover_labels_and_neighbour_agreement(topics):
    from embedlab.probes.neighbours import nearest_neighbours
    from embedlab.views.documents import document_hover, label_summary, neighbour_labels, short_label

    meta = pd.DataFrame({"label": ["<b>bold</b> & " + "more words " * 10, "plain"], "topic": ["x", None]})
    docs = embedlab.Space.from_vectors(["a", "b"], np.eye(2), meta, {"item_kind": "document", "label_columns": ["topic"]})
    first, second = document_hover(docs, [0, 1])
    assert first.startswith("<b>a</b> · topic: x<br>&lt;b&gt;bold&lt;/b&gt; &amp; more words")
    assert first.count("<br>") == 2 and second == "<b>b</b><br>plain"  # wrapped; a missing label is not shown
    long_word = "x" * 150 + " and then short words"
    meta = pd.DataFrame({"label": [long_word]})
    (only,) = document_hover(embedlab.Space.from_vectors(["c"], np.eye(1), meta, {"item_kind": "document"}), [0])
    assert only.split("<br>", 1)[1].replace("<br>", "") == "x" * 150 + " and then short words"
    assert short_label("one two three four five six seven eight", 20) == "one two three four…"
    space = train_lsa(topics, LSAConfig(dims=4, min_df=1))
    table = nearest_neighbours(space, "d0", 5)
    frame, notes = neighbour_labels(space, table)
    assert frame.columns.tolist() == ["doc_id", "topic"] and len(frame) == 5
    assert notes == [f"{(frame['topic'] == 'sport').sum()} of 5 neighbours have the query's topic 'sport'."]
    summary = label_summary(DocumentSet.of(topics).kept, ["topic"])
    assert summary.to_dict("records") == [{"label": "topic", "predicted as": "classes", "distinct": 2,
                                           "missing": 0, "values": "money 20 · sport 20"}]


def test_mean_vectors_job_needs_a_stored_word_model(ws, topics, monkeypatch):
    from embedlab import jobs
    from embedlab.train import mean_vectors

    class Held(jobs.Scheduler):
        def submit(self, root, job_id):
            pass

    monkeypatch.setattr(jobs, "SCHEDULER", Held())
    args = {"corpus_id": topics.id, "config": {"weighting": "sif"}}
    with pytest.raises(InputError, match="Choose the word model"):
        jobs.submit(ws, "mean_vectors", args, "means")
    doc_model = ws.save_space(train_lsa(topics, LSAConfig(dims=2, min_df=1)), "lsa")
    with pytest.raises(InputError, match="'lsa' is not a word model"):
        jobs.submit(ws, "mean_vectors", {**args, "config": {"word_model": doc_model}}, "means")
    word_model = ws.save_space(make_space({w: [1.0, float(i)] for i, w in enumerate(SPORT)}), "words")
    assert ws.models_of("word")["id"].tolist() == [word_model]
    assert ws.models_of("document")["id"].tolist() == [doc_model]
    jobs.submit(ws, "mean_vectors", {**args, "config": {"word_model": word_model}}, "means")  # accepted
    with pytest.raises(InputError, match="LSA keeps fewer dimensions than there are documents"):
        jobs.submit(ws, "lsa", {"corpus_id": topics.id, "config": {"dims": 40}}, "too many")
    one = ws.add_corpus(["only one document here"], "one")
    with pytest.raises(InputError, match="'one' has 1 document.*needs at least two"):
        jobs.submit(ws, "doc2vec", {"corpus_id": one.id, "config": {"min_count": 1}}, "d2v")
    assert mean_vectors.FAMILY.check is not None


def test_a_map_of_documents_writes_the_start_of_each_snippet_where_the_snippets_would_not_fit():
    from embedlab.probes.projection import choose_top, project
    from embedlab.views import scatter
    from embedlab.views.documents import decorate_document_map

    n = 120
    meta = pd.DataFrame({"label": [f"document number {i} " + "words " * 30 for i in range(n)], "kind": ["a", "b"] * 60})
    space = embedlab.Space.from_vectors([str(i) for i in range(n)], np.random.default_rng(0).normal(size=(n, 5)),
                                        meta, {"item_kind": "document", "label_columns": ["kind"]})
    projection = project(space, choose_top(space, n), "pca", 2)
    fig = scatter.scatter_figure(projection.frame, 2, labels=True, highlight=np.arange(n) == 7)
    assert len([t for t in fig.data if t.name == "labels"][0].text) == 0  # no 160-character label fits
    decorate_document_map(fig, projection.frame, space)
    labels = [t for t in fig.data if t.name == "labels"][0]
    assert len(labels.text) >= 10 and all(t.startswith("document number") and t.endswith("…") for t in labels.text)
    rows = np.asarray(labels.customdata)
    assert 7 not in rows and [space.words[i] for i in projection.indices[rows]] == \
        [t.split()[2] for t in labels.text]  # each label beside its own point
    assert all(h.startswith(f"<b>{k}</b> · kind: ") for h, k in zip(fig.data[0].hovertext, projection.frame["word"]))

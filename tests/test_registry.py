"""The registry of model families: discovery, the family contract, job resolution and duplicate refusal."""

import dataclasses
import inspect

import pytest

import embedlab
from embedlab import jobs
from embedlab.errors import InputError
from embedlab.store import Workspace
from embedlab.train import fasttext, item2vec, registry, svd, word2vec
from embedlab.train.registry import Family


def test_the_four_families_declare_themselves():
    found = {f.name: f for f in registry.families()}
    assert found["word2vec"] is word2vec.FAMILY and found["fasttext"] is fasttext.FAMILY
    assert found["svd"] is svd.FAMILY and found["item2vec"] is item2vec.FAMILY
    assert [f.name for f in registry.families("corpus")][:2] == ["word2vec", "fasttext"]
    assert {f.name for f in registry.families("ratings")} >= {"svd", "item2vec"}
    assert set(registry.data_kinds()) >= {"corpus", "ratings"}
    # jobs.py lists tasks only: a family is known to it through the registry
    assert not set(found) & set(jobs.TASKS)
    assert set(jobs.job_kinds()) == set(found) | set(jobs.TASKS)


@pytest.mark.parametrize("family", registry.families(), ids=lambda f: f.name)
def test_every_family_keeps_the_contract(family):
    assert family.data in registry.DATA_KINDS and family.item in registry.ITEM_KINDS
    assert family.title and family.source and family.description
    cfg = family.config()  # every field has a default
    assert family.config.from_dict(cfg.to_dict()) == cfg
    for f in dataclasses.fields(family.config):
        meta = registry.field_help(f)
        assert meta["help"], f"{family.name}.{f.name} has no one-line explanation"
        default = getattr(cfg, f.name)
        if meta.get("choices"):
            assert default in meta["choices"]
        if default is not None and "min" in meta:
            assert meta["min"] <= default <= meta.get("max", default), (f.name, default)
    assert list(inspect.signature(family.job_function()).parameters)[:3] == ["workspace", "args", "progress"]
    assert jobs.resolve(family.name) is family.job_function()


def test_a_bad_declaration_says_what_is_wrong():
    @dataclasses.dataclass
    class NoDefault:
        dim: int

        def to_dict(self):
            return {}

        @classmethod
        def from_dict(cls, values):
            return cls(**values)

    with pytest.raises(ValueError, match="needs a default"):
        Family(name="x", title="X", data="corpus", item="word", config=NoDefault, job="m:f", source="s",
               description="d")
    with pytest.raises(ValueError, match="data 'tables' is not one of"):
        Family(name="x", title="X", data="tables", item="word", config=word2vec.Word2VecConfig, job="m:f",
               source="s", description="d")
    with pytest.raises(ValueError, match="already"):
        registry.register(Family(name="word2vec", title="Another", data="corpus", item="word",
                                 config=word2vec.Word2VecConfig, job="m:f", source="s", description="d"))


def test_unknown_kinds_are_refused():
    with pytest.raises(InputError, match="no job kind 'nope'"):
        jobs.resolve("nope")
    with pytest.raises(InputError, match="no model family 'nope'"):
        registry.family("nope")
    assert registry.find("vectors") is None  # imported vectors have no family
    assert jobs.resolve("sweep").__name__ == "run_job"


class HeldScheduler(jobs.Scheduler):
    """Queues jobs but never starts them: submit's duplicate check sees them waiting."""

    def submit(self, root, job_id):
        with self._lock:
            self._queue.append((str(root), job_id))


@pytest.fixture
def held(monkeypatch):
    scheduler = HeldScheduler()
    monkeypatch.setattr(jobs, "SCHEDULER", scheduler)
    return scheduler


def test_the_same_job_twice_is_refused_and_names_the_first(tmp_path, held):
    ws = Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    cfg = word2vec.Word2VecConfig(epochs=2, vector_size=10).to_dict()
    first = jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": cfg, "name": "lee small"}, "lee small")
    # Enter and then the button: same settings, and a name typed differently does not make it another model
    with pytest.raises(InputError, match=r"already waiting to start \(position 1 in the queue\): 'lee small'"):
        jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": cfg, "name": "lee small 2"}, "lee small 2")
    # a config written partly (defaults left out) is the same job too
    with pytest.raises(InputError, match="already"):
        jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": {"epochs": 2, "vector_size": 10}}, "again")
    assert len(jobs.list_jobs(ws)) == 1
    # another setting, another family, or the first job gone: accepted
    other = jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": {**cfg, "window": 3}}, "window 3")
    ft = jobs.submit(ws, "fasttext", {"corpus_id": corpus.id, "config": cfg}, "fasttext")
    jobs.cancel(ws, first)
    again = jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": cfg, "name": "lee small"}, "lee small")
    assert len({first, other, ft, again}) == 4
    assert jobs.job_status(ws, again)["args"]["config"] == word2vec.Word2VecConfig(epochs=2, vector_size=10).to_dict()
    for job_id in (other, ft, again):
        jobs.cancel(ws, job_id)


def test_submit_checks_the_family_before_queueing(tmp_path, held):
    ws = Workspace(tmp_path / "ws")
    corpus = embedlab.prepare_sample(ws, "lee_background")
    with pytest.raises(InputError, match="Lower min_count"):
        jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": {"min_count": 100_000}}, "nothing survives")
    with pytest.raises(InputError, match="architecture must be"):
        jobs.submit(ws, "word2vec", {"corpus_id": corpus.id, "config": {"architecture": "glove"}}, "bad config")
    assert jobs.list_jobs(ws) == []

"""Models saved before the registry of model families still load, in the library and in the app."""

import json
import shutil
import sqlite3
import time

import numpy as np
from streamlit.testing.v1 import AppTest

from embedlab import config
from embedlab.probes.neighbours import nearest_neighbours
from embedlab.store import Workspace, read_space
from embedlab.train import registry

from conftest import ROOT, ROYAL

OLD = ROOT / "tests" / "data" / "model_before_registry"


def test_an_old_model_folder_reads_back():
    space = read_space(OLD)
    assert space.words == ["king", "queen", "man", "woman", "apple", "pear"]
    np.testing.assert_array_equal(space.vectors[:4], np.array([ROYAL[w] for w in space.words[:4]], np.float32))
    assert space.kind == "word2vec" and space.meta["count"].tolist() == [40, 31, 25, 22, 9, 7]
    assert registry.find(space.kind) is registry.family("word2vec")
    # its stored parameters are a config of the family as it is now
    cfg = registry.family("word2vec").make_config(space.info["params"])
    assert cfg.vector_size == 3 and cfg.to_dict() == space.info["params"]
    assert nearest_neighbours(space, "apple", k=1)["word"].tolist() == ["pear"]


def test_an_old_workspace_entry_opens_in_the_app():
    ws = Workspace(config.home())
    model_id = "0f1e2d3c4b5a"
    shutil.copytree(OLD, ws.models_dir / model_id)
    info = json.loads((OLD / "info.json").read_text())
    with sqlite3.connect(ws.root / "registry.sqlite") as db:  # the row the earlier save_space wrote
        db.execute("INSERT INTO models(id, name, kind, params, corpus_name, corpus_fingerprint, vocab_size, dim,"
                   " train_seconds, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (model_id, info["name"], info["kind"], json.dumps(info["params"]), info["corpus_name"],
                    info["corpus_fingerprint"], 6, 3, info["train_seconds"], time.time()))
    ws.set_setting("active_model", model_id)
    assert ws.models()["status"].tolist() == ["ready"]
    assert ws.load_space(model_id).words[0] == "king"

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert at.sidebar.selectbox(key="sidebar-active-model").value == model_id
    at.switch_page("pages/models.py").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["family"].tolist() == ["Word2Vec"]
    params = at.dataframe[1].value.set_index("parameter")
    assert params.loc["vector_size", "value"] == "3" and "Dimensionality" in params.loc["vector_size", "meaning"]
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    assert any(c.value.startswith("royal (saved before the registry):") for c in at.caption)

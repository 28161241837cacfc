"""AppTest: the Import / export page and the Subwords page."""

from pathlib import Path

import numpy as np
from gensim.test.utils import datapath
from streamlit.testing.v1 import AppTest

from embedlab import Workspace, config
from embedlab.sources import export as ex
from embedlab.sources.vectors import read_vectors_path

ROOT = Path(__file__).resolve().parent.parent


def _app():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def _import_page(at):
    at.switch_page("pages/vectors.py").run()
    assert not at.exception, at.exception
    return at


def test_upload_imports_a_model_and_makes_it_active():
    at = _import_page(_app())
    text = Path(datapath("crime-and-punishment.vec")).read_bytes()
    at.file_uploader(key="import-files").set_value(("cp.vec", text, "text/plain"))
    at.number_input(key="import-cap").set_value(100)
    at.text_input(key="import-name").set_value("crime vectors")
    at.button[0].click().run()  # the form's Import button
    assert not at.exception, at.exception
    assert any("Imported **crime vectors**: 100 words × 5 dimensions" in s.value for s in at.success)
    assert any("first 100 of 291" in i.value for i in at.info)
    ws = Workspace(config.home())
    models = ws.models()
    assert models["name"].tolist() == ["crime vectors"] and models["kind"].tolist() == ["imported"]
    assert ws.get_setting("active_model") == models["id"][0]
    space = ws.load_space(models["id"][0])
    np.testing.assert_array_equal(space.vectors, read_vectors_path(datapath("crime-and-punishment.vec")).vectors[:100])


def test_bad_upload_shows_an_error_and_saves_nothing():
    at = _import_page(_app())
    at.file_uploader(key="import-files").set_value(("bad.txt", b"2 3\nthe 1 2 3\nthe 4 5 6\n", "text/plain"))
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("line 3" in e.value and "already appeared on line 2" in e.value for e in at.error)
    assert Workspace(config.home()).models().empty


def test_export_offers_every_format(hand_space):
    ws = Workspace(config.home())
    model_id = ws.save_space(hand_space({"cat": [1, 0], "dog": [0.9, 0.1], "car": [0, 1]}), "pets")
    ws.set_setting("active_model", model_id)
    at = _import_page(_app())
    labels = [b.label for b in at.get("download_button")]
    assert labels == [f"Download {label}" for label, _, _ in ex.EXPORTS.values()]
    assert at.selectbox(key="export-model").value == model_id


def test_export_with_no_model_says_so():
    at = _import_page(_app())
    assert any("no model to export" in i.value for i in at.info)


def test_subwords_page_with_a_fasttext_model():
    ws = Workspace(config.home())
    model_id = ws.save_space(read_vectors_path(datapath("lee_fasttext_new.bin")), "lee ft")
    ws.set_setting("active_model", model_id)
    at = _app()
    at.switch_page("pages/subwords.py").run()
    assert not at.exception, at.exception
    at.text_input(key="subwords-word").set_value("governmentt").run()
    assert not at.exception, at.exception
    assert any("built from subwords" in i.value for i in at.info)
    tables = at.dataframe
    assert len(tables) == 2 and "government" in tables[0].value["word"].tolist()
    assert tables[1].value["n-gram"].tolist()[0] == "<go"


def test_subwords_page_explains_a_model_without_subwords(hand_space):
    ws = Workspace(config.home())
    ws.set_setting("active_model", ws.save_space(hand_space({"a": [1, 0], "b": [0, 1]}), "plain"))
    at = _app()
    at.switch_page("pages/subwords.py").run()
    assert not at.exception, at.exception
    assert any("without subwords" in i.value for i in at.info)

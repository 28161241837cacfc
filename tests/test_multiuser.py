"""Many users on one shared server: private workspaces, refused links, published models, quotas.

Two AppTest sessions stand for two browsers on the same server process (they
share the module-level state a server has: Streamlit's caches, the job
scheduler); their runs are interleaved.
"""

import ast
import secrets
import sys

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from embedlab import config, jobs
from embedlab.errors import InputError
from embedlab.store import Workspace

from conftest import ROOT, make_space

SECRET = "teach-" + "x" * 20


@pytest.fixture(autouse=True)
def _shared(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_SHARED", "1")
    monkeypatch.setenv("EMBEDLAB_INSTRUCTOR_TOKEN", SECRET)


def app(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update(query)
    return at


def texts(at: AppTest) -> str:
    """Everything a session shows as text (main area and sidebar), for leak checks."""
    parts = []
    for kind in ("markdown", "caption", "title", "subheader", "info", "success", "warning", "error", "metric"):
        for el in getattr(at, kind):
            parts.append(str(getattr(el, "value", "")))
    for box in list(at.selectbox) + list(at.radio):
        parts += [str(o) for o in box.options]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


def open_session(**query):
    """A new visitor: returns (AppTest, workspace token from the link the app gave them)."""
    at = app(**query).run()
    assert not at.exception, at.exception
    token = at.query_params["ws"]
    assert (config.home() / "workspaces" / token).is_dir()
    return at, token


def test_each_visitor_gets_a_private_bookmarkable_workspace():
    at1, t1 = open_session()
    at2, t2 = open_session()
    assert t1 != t2 and len(t1) >= 32  # secrets.token_urlsafe(24)
    # coming back with the bookmarked link opens the same workspace
    back = app(ws=t1).run()
    assert not back.exception and back.query_params["ws"] == t1
    assert back.session_state["workspace"].root.name == t1
    # the link stays in the address bar after a page switch
    back.switch_page("pages/models.py").run()
    assert back.query_params["ws"] == t1


def test_one_visitors_upload_corpus_and_model_never_appear_in_the_others():
    at1, t1 = open_session()
    at2, t2 = open_session()
    secret_word = "zyzzyvaonly" + secrets.token_hex(3)
    upload = ("\n".join(f"the {secret_word} sat on mat number {i}" for i in range(50))).encode()

    at1.switch_page("pages/data.py").run()
    at2.switch_page("pages/data.py").run()
    at1.radio[0].set_value("Upload a file").run()
    at1.file_uploader[0].set_value(("private-notes.txt", upload, "text/plain")).run()
    [b for b in at1.button if b.label == "Prepare corpus"][0].click().run()
    assert not at1.exception and not at1.error, [e.value for e in at1.error]
    assert "private-notes.txt" in texts(at1) and secret_word in texts(at1)

    ws1 = Workspace(config.home() / "workspaces" / t1)
    rng = np.random.default_rng(0)
    model_id = ws1.save_space(make_space({w: rng.standard_normal(4) for w in ("a", "b", secret_word)}),
                              name="private-model-of-one")
    ws1.set_setting("active_model", model_id)
    at1 = app(ws=t1).run()
    assert "private-model-of-one" in texts(at1)

    for page in ("pages/home.py", "pages/data.py", "pages/train.py", "pages/models.py", "pages/explore.py"):
        at2.switch_page(page).run()
        assert not at2.exception, (page, at2.exception)
        shown = texts(at2)
        for leak in ("private-notes", secret_word, "private-model-of-one", model_id):
            assert leak not in shown, (page, leak)
    ws2 = Workspace(config.home() / "workspaces" / t2)
    assert ws2.corpora().empty and ws2.models().empty
    with pytest.raises(InputError):
        ws2.load_space(model_id)  # another workspace's id does not open from here


@pytest.mark.parametrize("token, message", [
    (secrets.token_urlsafe(24), "No workspace has this link"),          # well-formed, guessed
    ("abc", "malformed"),                                               # too short
    ("../../etc", "malformed"),                                         # path tricks
    ("A" * 30 + "/..", "malformed"),
    ("x" * 65, "malformed"),
])
def test_guessed_or_malformed_link_is_refused(token, message):
    open_session()  # the server has a workspace, just not this one
    before = sorted(p.name for p in (config.home() / "workspaces").iterdir())
    at = app(ws=token).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert "workspace" not in at.session_state
    assert len(at.sidebar.selectbox) == 0 and len(at.dataframe) == 0  # nothing of any workspace shown
    assert sorted(p.name for p in (config.home() / "workspaces").iterdir()) == before  # nothing created


def test_instructor_publishes_a_model_everyone_sees_read_only():
    teacher, tt = open_session(instructor=SECRET)
    assert "instructor" not in teacher.query_params  # the secret leaves the address bar
    student1, s1 = open_session()
    student2, s2 = open_session(instructor="wrong-guess")
    assert any("not valid" in w.value for w in student2.warning)

    wst = Workspace(config.home() / "workspaces" / tt)
    rng = np.random.default_rng(1)
    own = wst.save_space(make_space({w: rng.standard_normal(4) for w in ("king", "queen", "man")}),
                         name="class model")
    teacher.switch_page("pages/models.py").run()
    publish = [b for b in teacher.button if b.label == "Publish to everyone"]
    assert publish, "the instructor sees a Publish button"
    publish[0].click().run()
    assert not teacher.exception and any("Published" in s.value for s in teacher.success)

    for at, token in ((student1, s1), (student2, s2)):
        at.switch_page("pages/models.py").run()
        assert not at.exception, at.exception
        assert not [b for b in at.button if b.label == "Publish to everyone"]  # students cannot publish
        table = at.dataframe[0].value
        assert table["name"].tolist() == ["class model"] and table["shared"].tolist() == ["published"]
        assert [b for b in at.button if b.label == "Rename"][0].disabled
        assert [b for b in at.button if b.label == "Delete"][0].disabled
        # it can be made active and used
        [b for b in at.button if b.label == "Make active"][0].click().run()
        assert not at.exception
        ws = Workspace(config.home() / "workspaces" / token)
        pub_id = ws.get_setting("active_model")
        assert pub_id != own and ws.load_space(pub_id).words == ["king", "queen", "man"]
        fresh = app(ws=token).run()  # (AppTest reports the sidebar of a session's first run only)
        picker = fresh.sidebar.selectbox(key="sidebar-active-model")
        assert picker.value == pub_id and picker.options == ["📌 class model"]
        # read-only from the library too
        with pytest.raises(InputError, match="read-only"):
            ws.rename_model(pub_id, "mine now")
        with pytest.raises(InputError, match="read-only"):
            ws.delete_model(pub_id)
        assert ws.models()["published"].tolist() == [1]
        assert not any(ws.models_dir.iterdir())  # nothing copied into the student's workspace

    # the instructor's own copy is untouched; unpublishing removes it for everyone
    assert wst.model_record(own)["published"] == 0
    wst.unpublish_model(pub_id)
    assert Workspace(config.home() / "workspaces" / s1).models().empty


def test_publish_button_needs_the_instructor_secret(monkeypatch):
    monkeypatch.delenv("EMBEDLAB_INSTRUCTOR_TOKEN")
    at, token = open_session(instructor=SECRET)
    ws = Workspace(config.home() / "workspaces" / token)
    ws.save_space(make_space({"a": [1, 0], "b": [0, 1]}), name="m")
    at.switch_page("pages/models.py").run()
    assert not [b for b in at.button if b.label == "Publish to everyone"]


def test_instructor_rights_stay_with_the_session_and_follow_the_secret(monkeypatch):
    teacher, tt = open_session(instructor=SECRET)
    Workspace(config.home() / "workspaces" / tt).save_space(make_space({"a": [1, 0], "b": [0, 1]}), name="m")

    def can_publish(at):
        at.switch_page("pages/models.py").run()
        assert not at.exception, at.exception
        return bool([b for b in at.button if b.label == "Publish to everyone"])

    assert can_publish(teacher)
    # the instructor's workspace link, copied to a student: the workspace opens, the rights do not come with it
    copied = app(ws=tt).run()
    assert not copied.exception and copied.query_params["ws"] == tt
    assert not can_publish(copied)
    assert SECRET not in str(Workspace(config.home() / "workspaces" / tt).get_setting("instructor"))
    # a new secret revokes the rights proved with the old one, in the open session too
    monkeypatch.setenv("EMBEDLAB_INSTRUCTOR_TOKEN", "teach-" + "y" * 20)
    assert not can_publish(teacher)
    monkeypatch.setenv("EMBEDLAB_INSTRUCTOR_TOKEN", SECRET)
    assert can_publish(teacher)


def test_workspace_quota_gives_a_clear_message(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_WORKSPACE_MB", "0.05")  # 50 KB
    at, token = open_session()
    ws = Workspace(config.home() / "workspaces" / token)
    big = make_space({f"w{i}": np.ones(50) for i in range(400)})  # 80 KB of vectors
    with pytest.raises(InputError, match="disk limit.*Delete models or corpora"):
        ws.save_space(big)
    assert ws.models().empty and not any(ws.models_dir.iterdir())  # nothing half-written

    at.switch_page("pages/data.py").run()
    at.radio[0].set_value("Upload a file").run()
    text = "\n".join(f"line {i} with some words in it" for i in range(3000)).encode()  # ~100 KB
    at.file_uploader[0].set_value(("big.txt", text, "text/plain")).run()
    [b for b in at.button if b.label == "Prepare corpus"][0].click().run()
    assert not at.exception
    assert any("disk limit" in e.value for e in at.error), [e.value for e in at.error]
    assert ws.corpora().empty

    (ws.root / "filler.bin").write_bytes(b"\0" * 60_000)
    with pytest.raises(InputError, match="disk limit"):
        jobs.submit(ws, "word2vec", {"sample": "lee_background", "config": {}}, title="t")
    assert not any(ws.jobs_dir.iterdir())


def test_quota_is_off_locally_unless_set(monkeypatch):
    monkeypatch.delenv("EMBEDLAB_SHARED")
    assert config.max_workspace_bytes() is None
    monkeypatch.setenv("EMBEDLAB_MAX_WORKSPACE_MB", "10")
    assert config.max_workspace_bytes() == 10 * 1024 * 1024
    monkeypatch.setenv("EMBEDLAB_SHARED", "1")
    monkeypatch.delenv("EMBEDLAB_MAX_WORKSPACE_MB")
    assert config.max_workspace_bytes() == 2000 * 1024 * 1024


# -- nothing per-user in Streamlit's global caches ----------------------------------------

PER_USER_NAMES = {"workspace", "ws", "space", "model_id", "root", "token", "corpus", "corpus_id", "session",
                  "upload", "data", "job_id", "user"}
PER_USER_TYPES = {"Workspace", "Space", "Corpus", "UploadedFile"}


def _cached_functions():
    """(file, function, argument names, annotation names) of every st.cache_data/cache_resource use."""
    found = []
    files = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")), *sorted((ROOT / "embedlab").rglob("*.py"))]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for dec in node.decorator_list:
                    target = dec.func if isinstance(dec, ast.Call) else dec
                    if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
                        args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                        found.append((path, node.name, [a.arg for a in args],
                                      [ast.unparse(a.annotation) for a in args if a.annotation is not None]))
            elif isinstance(node, ast.Call):  # st.cache_data(fn) used as a call, not a decorator
                f = node.func
                if isinstance(f, ast.Attribute) and f.attr in ("cache_data", "cache_resource") and node.args:
                    found.append((path, ast.unparse(node.args[0]), ["<called directly: check by hand>"], []))
    return found


#: Module-level caches allowed because they hold read-only data the same for everyone (the class refuses
#: anything outside the published area and the shipped samples).
SHARED_CACHE_CLASSES = {"ReadOnlyCache"}
#: Byte-bounded caches that belong in one session's state, never at module level.
SESSION_CACHE_CLASSES = {"BytesLRU"}


def _module_level_caches():
    """(file, name, class) of caches assigned at module level, and functools caches on functions."""
    found = []
    files = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")), *sorted((ROOT / "embedlab").rglob("*.py"))]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                cls = ast.unparse(node.value.func).rsplit(".", 1)[-1]
                if cls in SHARED_CACHE_CLASSES | SESSION_CACHE_CLASSES:
                    found += [(path, ast.unparse(t), cls) for t in node.targets]
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for dec in node.decorator_list:
                    target = dec.func if isinstance(dec, ast.Call) else dec
                    if ast.unparse(target).rsplit(".", 1)[-1] in ("lru_cache", "cache"):
                        args = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
                        found.append((path, f"{node.name}({', '.join(args)})", "functools"))
    return found


def test_no_per_user_data_in_global_caches():
    offenders = []
    for path, name, args, annotations in _cached_functions():
        bad = [a for a in args if a.lstrip("_") in PER_USER_NAMES or a.startswith("<")]
        bad += [t for t in annotations if any(u in t for u in PER_USER_TYPES)]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}:{name}({', '.join(bad)})")
    for path, name, cls in _module_level_caches():
        if cls in SESSION_CACHE_CLASSES:
            offenders.append(f"{path.relative_to(ROOT)}:{name} = {cls}(...) at module level")
        elif cls == "functools" and any(a.lstrip("_") in PER_USER_NAMES
                                        for a in name[name.index("(") + 1:-1].split(", ")):
            offenders.append(f"{path.relative_to(ROOT)}:{name} under functools caching")
    assert not offenders, ("st.cache_data/st.cache_resource and module-level caches are shared by every session of "
                           "the server; keep per-user data in embedlab.ui.session.cached instead: "
                           + "; ".join(offenders))


def test_the_shared_read_only_cache_is_recognised_and_refuses_user_files():
    from embedlab.store import shared_cache

    allowed = [(p.relative_to(ROOT).as_posix(), name) for p, name, cls in _module_level_caches()
               if cls in SHARED_CACHE_CLASSES]
    assert allowed == [("embedlab/store/shared_cache.py", "SHARED")]
    # a visitor's own model is never shared, whatever a caller asks
    at, token = open_session()
    ws = Workspace(config.home() / "workspaces" / token)
    own = ws.save_space(make_space({"a": [1, 0], "b": [0, 1]}), name="mine")
    assert not shared_cache.SHARED.shareable(ws.models_dir / own)
    before = len(shared_cache.SHARED)
    shared_cache.SHARED.get_or_load("space", ws.models_dir / own, lambda: ws.load_space(own))
    ws.load_space(own)
    assert len(shared_cache.SHARED) == before


def test_the_cache_check_can_fail(tmp_path, monkeypatch):
    # the scanner must see a per-user cached function when there is one
    fake = tmp_path / "pages"
    fake.mkdir()
    (fake / "bad.py").write_text("import streamlit as st\n@st.cache_data\ndef f(workspace, k: int):\n    pass\n")
    (tmp_path / "embedlab").mkdir()
    (tmp_path / "app.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    with pytest.raises(AssertionError, match="bad.py:f\\(workspace\\)"):
        test_no_per_user_data_in_global_caches()


# -- memory: a session's own data bounded in bytes; published models held once for everyone ----------------

def test_session_memory_is_bounded_in_bytes(monkeypatch):
    from embedlab.memory import space_nbytes

    monkeypatch.setenv("EMBEDLAB_SESSION_MB", "12")
    at, token = open_session()
    ws = Workspace(config.home() / "workspaces" / token)
    rng = np.random.default_rng(0)
    ids = [ws.save_space(make_space({f"w{i}": rng.standard_normal(100) for i in range(10_000)}), name=f"m{j}")
           for j in range(4)]  # 4 MB of vectors each, 8 MB once Explore has made the unit-length copy
    for model_id in ids:
        ws.set_setting("active_model", model_id)
        at = app(ws=token).run()  # a fresh session per model: the active model is read from the workspace
        at.switch_page("pages/analogies.py").run()
        assert not at.exception, at.exception
        memory = at.session_state["_memory"]
        held = [k for k in memory.keys() if k[0] == "space"]
        assert held == [("space", model_id)]
        assert space_nbytes(memory.get(("space", model_id))) > 4 * 2**20
        assert memory.total() <= max(12 * 2**20, space_nbytes(memory.get(("space", model_id))))
    # one session switching between models keeps only what fits
    for model_id in ids:
        at.session_state["active_model"] = model_id  # as the sidebar's picker does
        at.switch_page("pages/analogies.py").run()
        assert not at.exception, at.exception
    memory = at.session_state["_memory"]
    assert memory.total() <= 12 * 2**20 + 9 * 2**20  # the budget, plus the newest space kept whatever its size
    assert len([k for k in memory.keys() if k[0] == "space"]) <= 2


PUBLISH_CHILD = """
import sys
import numpy as np
from embedlab import Space
from embedlab.store import Workspace
home = sys.argv[1]
teacher = Workspace(f"{home}/workspaces/teacher-" + "t" * 30)
rng = np.random.default_rng(0)
space = Space.from_vectors([f"w{i}" for i in range(20_000)], rng.standard_normal((20_000, 300)).astype(np.float32))
print(teacher.publish_model(teacher.save_space(space, name="class model")))
"""

STUDENTS_CHILD = """
import resource, sys
from embedlab.store import Workspace
home, pub_id = sys.argv[1], sys.argv[2]
students = [Workspace(f"{home}/workspaces/student{i:02d}-" + "s" * 30) for i in range(10)]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
held = []
for ws in students:  # ten sessions open the published model and use cosines (its unit-length copy)
    space = ws.load_space(pub_id)
    space.unit
    held.append(space)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


@pytest.mark.slow
def test_a_published_model_is_held_once_for_every_session(tmp_path):
    import subprocess

    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT), "EMBEDLAB_HOME": str(tmp_path),
           "EMBEDLAB_SHARED": "1"}

    def child(code, *args):
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path), *args], capture_output=True, text=True,
                             env=env, timeout=300, cwd=str(ROOT))
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-1]

    pub_id = child(PUBLISH_CHILD)
    grew_mb = int(child(STUDENTS_CHILD, pub_id))
    # one copy: 23 MB of vectors + 23 MB unit-length; ten private copies would be 460 MB
    assert grew_mb < 120, f"peak RSS grew by {grew_mb} MB for ten sessions"


def test_a_published_models_default_projection_is_computed_once_for_the_class():
    from embedlab.store import shared_cache

    teacher, tt = open_session(instructor=SECRET)
    wst = Workspace(config.home() / "workspaces" / tt)
    rng = np.random.default_rng(3)
    own = wst.save_space(make_space({f"w{i}": rng.standard_normal(8) for i in range(300)}), name="class model")
    pub_id = wst.publish_model(own)
    shown = []
    for _ in range(2):
        at, token = open_session()
        Workspace(config.home() / "workspaces" / token).set_setting("active_model", pub_id)
        at = app(ws=token).run()
        at.switch_page("pages/explore.py").run()
        assert not at.exception, at.exception
        assert not [k for k in at.session_state["_memory"].keys() if k[0] == "result"]  # nothing private kept
        shown.append(at)
    projections = [v for k, v in shared_cache.SHARED._lru._items.items() if "explore-projection" in k[0]
                   and pub_id in k[1]]
    assert len(projections) == 1  # both students got the one projection
    # words a student types are not shared
    at = shown[0]
    at.radio(key="explore-source").set_value("pasted words")
    at.text_area(key="explore-pasted").set_value("w1 w2 w3 w4 w5 w6 w7")
    at.button[0].click().run()
    assert not at.exception, at.exception
    private = [k for k in at.session_state["_memory"].keys() if k[0] == "result" and k[2] == "explore-projection"]
    assert len(private) == 1
    assert len([k for k in shared_cache.SHARED._lru._items if "explore-projection" in k[0] and pub_id in k[1]]) == 1

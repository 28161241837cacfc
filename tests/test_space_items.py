"""Item-aware spaces: item kinds, display labels, lookup by label or key, and the probes that use them.

Hand-made spaces with known answers, the shipped MovieLens titles, and model
directories written in the format used before labels existed.
"""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import ROYAL
from embedlab.errors import AmbiguousLabelError, InputError, UnknownWordError
from embedlab.probes.analogy import doesnt_match, evaluate_expression, set_similarity, similarity, solve_analogy
from embedlab.probes.neighbours import nearest_neighbours, neighbours_of_words
from embedlab.probes.projection import choose_keys, choose_neighbourhood, choose_words
from embedlab.sources import export as ex
from embedlab.sources.vectors import read_vectors
from embedlab.space import Space, count_text
from embedlab.store.model_files import read_space, write_space
from embedlab.views.tables import for_display

# four films in two directions (space opera vs animation), a film whose title is another's id, two films with
# the same title, and one with no title
FILMS = {
    "50": ("Star Wars (1977)", [1.0, 0.0, 0.0], 583),
    "181": ("Return of the Jedi (1983)", [0.95, 0.1, 0.0], 507),
    "172": ("Empire Strikes Back, The (1980)", [0.9, 0.05, 0.1], 367),
    "1": ("Toy Story (1995)", [0.0, 1.0, 0.0], 452),
    "95": ("Aladdin (1992)", [0.1, 0.9, 0.1], 219),
    "246": ("Chasing Amy (1997)", [0.0, 0.0, 1.0], 124),
    "268": ("Chasing Amy (1997)", [0.0, 0.1, 1.0], 55),
    "7": ("50", [0.5, 0.5, 0.0], 3),  # a title that is also another item's id
    "900": ("", [0.2, 0.2, 0.9], 1),
}


def films(**info) -> Space:
    keys = list(FILMS)
    meta = pd.DataFrame({"count": [FILMS[k][2] for k in keys], "label": [FILMS[k][0] for k in keys],
                         "genres": ["Sci-Fi"] * 3 + ["Animation"] * 2 + ["Drama"] * 4})
    return Space.from_vectors(keys, np.array([FILMS[k][1] for k in keys]), meta=meta,
                              info={"item_kind": "item", "name": "films", **info})


# -- item kind and labels ----------------------------------------------------------------------

def test_item_kind_defaults_to_words_and_is_inferred_for_old_rating_models(hand_space):
    assert hand_space({"a": [1, 0]}).item_kind == "word"
    assert Space.from_vectors(["1"], [[1.0]], info={"role": "items"}).item_kind == "item"
    assert Space.from_vectors(["1"], [[1.0]], info={"role": "users"}).item_kind == "user"
    assert films().item_kind == "item" and films().nouns == ("item", "items")
    assert films().label_nouns == ("title", "titles")
    with pytest.raises(InputError, match="Unknown item kind 'movie'"):
        Space.from_vectors(["1"], [[1.0]], info={"item_kind": "movie"})


def test_labels_fall_back_to_keys(hand_space):
    words = hand_space({"king": [1, 0], "queen": [0, 1]})
    assert words.labels is words.words and not words.has_labels
    space = films()
    assert space.has_labels
    assert space.label("50") == "Star Wars (1977)" and space.label("900") == "900"  # blank title -> id
    assert space.labels_of(["1", "nope"]) == ["Toy Story (1995)", "nope"]
    # a label column that only repeats the keys is no label at all
    same = Space.from_vectors(["a", "b"], np.eye(2), meta=pd.DataFrame({"label": ["a", None]}))
    assert not same.has_labels and same.labels == ["a", "b"]


def test_counts_take_the_right_number():
    assert count_text(1, "word") == "1 word" and count_text(2500, "word") == "2,500 words"
    assert films().count_text(1, labels=True) == "1 title" and films().count_text(3) == "3 items"


def test_word_only_probes_say_so():
    with pytest.raises(InputError, match="WEAT works on words, but the items of 'films' are items"):
        films().require_words("WEAT")


# -- lookup: exact title, title in any case, key, title without its year -----------------------------

@pytest.mark.parametrize("query, key", [
    ("Star Wars (1977)", "50"),
    ("  star wars (1977) ", "50"),
    ("181", "181"),
    ("star wars", "50"),  # the year may be left out
    ("EMPIRE STRIKES BACK, THE", "172"),
    ("50", "7"),  # an exact title comes before a key
    ("900", "900"),
])
def test_resolve(query, key):
    assert films().resolve(query) == key


def test_ambiguous_title_lists_the_candidates_with_their_ids():
    with pytest.raises(AmbiguousLabelError) as info:
        films().resolve("Chasing Amy (1997)")
    message = str(info.value)
    assert "is the title of 2 items" in message and "[id 246]" in message and "[id 268]" in message
    assert "Type the id" in message
    assert {k for k, _ in info.value.candidates} == {"246", "268"}
    assert films().resolve("246") == "246"


def test_unknown_title_suggests_titles_that_contain_it():
    with pytest.raises(UnknownWordError) as info:
        films().resolve("Star")
    assert str(info.value).startswith("No item of this model has the title or id 'Star'.")
    assert info.value.suggestions == ["Star Wars (1977)"]
    with pytest.raises(UnknownWordError, match="Did you mean: Toy Story"):
        films().resolve("Toy Stroy (1995)")


def test_word_spaces_look_up_exactly_as_before(hand_space, lee_space):
    space = hand_space({"king": [1, 0], "queen": [0, 1]})
    assert space.resolve("king") == "king"
    with pytest.raises(UnknownWordError) as info:
        lee_space.resolve("goverment")
    assert str(info.value).startswith("'goverment' is not in this model's vocabulary. Did you mean: government")


def test_index_vector_and_split_known_accept_labels():
    space = films()
    assert space.index("Toy Story (1995)") == space.index("1")
    assert np.array_equal(space.vector("toy story"), space.vector("1"))
    known, unknown = space.split_known(["Toy Story (1995)", "1", "Aladdin (1992)", "No Such Film",
                                        "Chasing Amy (1997)"])
    assert known == ["1", "95"] and unknown == ["No Such Film", "Chasing Amy (1997)"]


# -- probes on an item space ----------------------------------------------------------------------

def test_nearest_neighbours_by_title_list_titles():
    space = films()
    table = nearest_neighbours(space, "Star Wars (1977)", k=2)
    assert table.attrs["query"] == "50"
    assert table["label"].tolist() == ["Return of the Jedi (1983)", "Empire Strikes Back, The (1980)"]
    assert table["word"].tolist() == ["181", "172"]
    shown = for_display(space, table)
    assert shown.columns.tolist() == ["title", "cosine", "frequency rank", "id"]
    # a word space's table is shown as it always was
    words = Space.from_vectors(["a", "b", "c"], np.eye(3))
    plain = nearest_neighbours(words, "a", k=2)
    assert plain.columns.tolist() == ["word", "cosine", "frequency rank"] and for_display(words, plain) is plain


def test_neighbours_of_selected_keys_carry_labels():
    t = neighbours_of_words(films(), ["1"], k=1)
    assert t.iloc[0][["label", "neighbour label"]].tolist() == ["Toy Story (1995)", "Aladdin (1992)"]
    assert for_display(films(), t).columns.tolist() == ["title", "neighbour", "cosine", "frequency rank", "id",
                                                        "neighbour id"]


def test_analogy_and_arithmetic_take_titles():
    space = films()
    # Star Wars : Return of the Jedi :: Toy Story : ?  -> Aladdin is the animation nearest the offset
    result = solve_analogy(space, "Star Wars (1977)", "Return of the Jedi (1983)", "toy story", k=1,
                           expected="Aladdin (1992)")
    assert (result.a, result.b, result.c) == ("50", "181", "1")
    assert result.answers["3CosAdd"]["label"].tolist() == ["Aladdin (1992)"]
    assert result.inputs["label"].tolist() == ["Star Wars (1977)", "Return of the Jedi (1983)", "Toy Story (1995)"]
    assert result.expected["label"].tolist() == ["Aladdin (1992)"] * 2
    res = evaluate_expression(space, '"Return of the Jedi (1983)" - "Star Wars (1977)" + "Toy Story (1995)"', k=1)
    assert res.terms["word"].tolist() == ["181", "50", "1"] and res.neighbours["label"].tolist() == ["Aladdin (1992)"]
    odd = doesnt_match(space, '"Star Wars (1977)" "Return of the Jedi (1983)" "Toy Story (1995)"')
    assert odd["label"].iloc[-1] == "Toy Story (1995)"
    assert similarity(space, "Return of the Jedi (1983)", "181") == pytest.approx(1.0)
    assert similarity(space, "Star Wars (1977)", "50") == pytest.approx(0.5 ** 0.5)  # "50" is a title first
    sets = set_similarity(space, '"Star Wars (1977)"', '"Toy Story (1995)", "Aladdin (1992)"')
    assert sets.pairs.index.tolist() == ["Star Wars (1977)"]
    assert sets.pairs.columns.tolist() == ["Toy Story (1995)", "Aladdin (1992)"]


def test_brackets_are_refused_by_name(hand_space):
    space = hand_space(ROYAL)
    with pytest.raises(InputError, match="Brackets such as '\\(' are not supported") as info:
        evaluate_expression(space, "(king - man")
    assert "(king" not in str(info.value).split("\n")[0]  # not blamed on an unknown word "(king"
    with pytest.raises(InputError, match="never closed"):
        evaluate_expression(space, 'king - "man')


def test_point_sets_by_title_and_by_key():
    space = films()
    pasted = choose_words(space, "Star Wars (1977)\nToy Story (1995); Aladdin (1992)\nNo Such Film")
    assert [space.words[i] for i in pasted.indices] == ["50", "1", "95"] and pasted.unknown == ["No Such Film"]
    assert pasted.description == "3 pasted items"
    assert [space.words[i] for i in choose_words(space, "181 1, 95").indices] == ["181", "1", "95"]  # ids on one line
    hood = choose_neighbourhood(space, "Star Wars (1977)", 1)
    assert hood.queries == ["50"] and [space.words[i] for i in hood.indices] == ["50", "181"]
    # a selection to isolate is a list of keys: "50" is then Star Wars' id, not the film titled "50"
    assert [space.words[i] for i in choose_keys(space, ["50", "1"]).indices] == ["50", "1"]


# -- exports --------------------------------------------------------------------------------------

def test_export_names_vectors_by_id_or_title():
    space = Space.from_vectors(["50", "1"], np.eye(2), meta=pd.DataFrame(
        {"count": [2, 1], "label": ["Star Wars (1977)", "Toy Story (1995)"]}), info={"item_kind": "item"})
    text = ex.export(space, "word2vec-text", name_by="label")[0].decode()
    assert text.splitlines()[1].startswith("Star_Wars_(1977) ")
    assert ex.export(space, "word2vec-text")[0].decode().splitlines()[1].startswith("50 ")
    meta = ex.projector_metadata(space, name_by="label").decode().splitlines()
    assert meta[0] == "title\tid\tcount" and meta[1] == "Star Wars (1977)\t50\t2"
    assert ex.projector_metadata(space).decode().splitlines()[0] == "word\tcount\tlabel"
    # the projector zip read back: named by id it is the same space, titles and all
    back = read_vectors(ex.export(space, "projector-zip")[0], "films.zip")
    assert back.words == ["50", "1"] and back.labels == ["Star Wars (1977)", "Toy Story (1995)"]
    with pytest.raises(InputError, match="share the title 'Chasing Amy \\(1997\\)'.*Name them by id"):
        ex.check(films(), "word2vec-text", name_by="label")


# -- models saved before labels existed ------------------------------------------------------------

def _write_old_model(folder, words, vectors, meta_columns: dict, info: dict):
    """A model folder exactly as the version before item kinds wrote it (no item_kind; labels only for ratings)."""
    folder.mkdir(parents=True)
    np.save(folder / "vectors.npy", np.asarray(vectors, dtype=np.float32), allow_pickle=False)
    pd.DataFrame({"word": words, **meta_columns}).to_parquet(folder / "meta.parquet", index=False)
    (folder / "info.json").write_text(json.dumps(info), encoding="utf-8")


def test_models_written_before_labels_load_and_behave_as_before(tmp_path):
    _write_old_model(tmp_path / "w2v", ["the", "king", "queen"], [[1, 0], [0.6, 0.8], [0.5, 0.86]],
                     {"count": [10, 5, 4]}, {"kind": "word2vec", "name": "old words"})
    words = read_space(tmp_path / "w2v")
    assert words.item_kind == "word" and not words.has_labels and words.labels == ["the", "king", "queen"]
    assert nearest_neighbours(words, "king", 1)["word"].tolist() == ["queen"]
    assert nearest_neighbours(words, "king", 1).columns.tolist() == ["word", "cosine", "frequency rank"]
    with pytest.raises(UnknownWordError, match="'King' is not in this model's vocabulary"):
        nearest_neighbours(words, "King", 1)

    _write_old_model(tmp_path / "svd", ["50", "1", "95"], [[1, 0], [0, 1], [0.1, 1]],
                     {"count": [3, 2, 1], "label": ["Star Wars (1977)", "Toy Story (1995)", "Aladdin (1992)"],
                      "genres": ["Sci-Fi", "Animation", "Animation"]},
                     {"kind": "svd", "name": "old svd", "role": "items"})
    items = read_space(tmp_path / "svd")
    assert items.item_kind == "item" and items.has_labels
    assert nearest_neighbours(items, "Toy Story (1995)", 1)["label"].tolist() == ["Aladdin (1992)"]
    # written again, the item kind is kept; old info stays as it was
    write_space(items, tmp_path / "again")
    assert read_space(tmp_path / "again").item_kind == "item"


def test_trained_rating_spaces_record_their_item_kind():
    from embedlab.sources.ratings import read_ratings
    from embedlab.train.svd import SVDConfig, train_svd

    table = read_ratings(b"u,i,r\n" + b"".join(f"{u},{i},{(u * i) % 5 + 1}\n".encode()
                                              for u in range(1, 9) for i in range(1, 7)), "t.csv")
    items, users = train_svd(table, SVDConfig(n_factors=2))
    assert items.info["item_kind"] == "item" and users.info["item_kind"] == "user"
    assert users.resolve("user 3") == "3" and users.resolve("3") == "3"

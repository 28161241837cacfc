"""Graphs in: shipped graphs, the edge-list and attribute readers, bad input, statistics and storage."""

import gzip

import networkx as nx
import numpy as np
import pytest

from embedlab import config
from embedlab.errors import InputError
from embedlab.sources.graphs import (CURRENT_SETTING, SAMPLE_GRAPHS, attach_attributes, delete_graph,
                                     graph_from_arrays, load_graph, planted_partition, read_edge_list,
                                     read_node_attributes, read_table, sample_graph, save_graph, stored_graphs)
from embedlab.store import Workspace


def edges(text, name="edges.csv", **kw):
    return read_edge_list(text.encode("utf-8") if isinstance(text, str) else text, name, **kw)


def pairs(g):
    """Edges as (id, id) tuples, in storage order (sorted ids for an undirected edge)."""
    return [tuple(sorted((str(g.nodes[a]), str(g.nodes[b])))) if not g.directed else (str(g.nodes[a]), str(g.nodes[b]))
            for a, b in zip(g.src, g.dst)]


def weights(g):
    return dict(zip(pairs(g), g.weight.tolist()))


# -- shipped graphs ------------------------------------------------------------------------

def test_karate_club_as_networkx_ships_it():
    g = sample_graph("karate")
    G = nx.karate_club_graph()
    assert (g.n_nodes, g.n_edges, g.directed, g.weighted) == (34, 78, False, True)
    expected = {tuple(sorted((str(a), str(b)))): d["weight"] for a, b, d in G.edges(data=True)}
    assert weights(g) == expected
    assert g.node_meta.loc["0", "club"] == "Mr. Hi" and g.node_meta.loc["33", "club"] == "Officer"
    assert g.node_meta.loc["0", "label"].startswith("1 (Mr. Hi") and g.node_meta.loc["9", "label"] == "10"
    assert "Zachary" in g.citation and "BSD" in g.licence and g.source == "sample:karate"


@pytest.mark.parametrize("key, n, m, weighted", [("les-miserables", 77, 254, True),
                                                  ("florentine-families", 15, 20, False)])
def test_small_shipped_graphs(key, n, m, weighted):
    g = sample_graph(key)
    assert (g.n_nodes, g.n_edges, g.weighted) == (n, m, weighted)
    assert g.citation == SAMPLE_GRAPHS[key].citation and g.stats()["components"] == 1


def test_movielens_corating_graph_is_labelled_by_genre():
    g = sample_graph("movielens-corating")
    st = g.stats()
    assert (st["nodes"], st["edges"], st["components"], st["isolated_nodes"]) == (2245, 17443, 1, 0)
    assert st["degree_min"] >= 10 and 0 < st["weight_min"] and st["weight_max"] <= 1.0
    assert g.node_meta.loc["1", "label"] == "Toy Story (1995)"
    assert set(g.node_meta.loc["1", "genres"].split("|")) >= {"Animation", "Children", "Comedy"}
    # the rarest of Toy Story's genres is its most specific one
    assert g.node_meta.loc["1", "genre"] in g.node_meta.loc["1", "genres"].split("|")
    assert g.node_meta["ratings"].min() >= 10 and "MovieLens" in g.citation and "research" in g.licence


def test_unknown_sample_is_an_input_error():
    with pytest.raises(InputError, match="no shipped graph 'nope'"):
        sample_graph("nope")


# -- reading edge lists --------------------------------------------------------------------

def test_csv_with_header_and_weight():
    g = edges("source,target,weight\na,b,1.5\nb,c,2\nc,a,0.5\n")
    assert g.weighted and not g.directed and list(g.nodes) == ["a", "b", "c"]
    assert weights(g) == {("a", "b"): 1.5, ("b", "c"): 2.0, ("a", "c"): 0.5}


@pytest.mark.parametrize("text", ["1\t2\n2\t3\n3\t1\n", "1 2\n2   3\n3\t1\n", "1;2\n2;3\n3;1\n", "1|2\n2|3\n3|1\n"])
def test_separators_without_header(text):
    g = edges(text, "e.txt")
    assert (g.n_nodes, g.n_edges, g.weighted) == (3, 3, False) and list(g.nodes) == ["1", "2", "3"]


def test_snap_comments_third_column_as_weight_and_gzip():
    text = "# Directed graph: example\n# FromNodeId\tToNodeId\n0\t1\t3\n1\t2\t1\n% konect style\n2\t0\t2\n"
    g = edges(gzip.compress(text.encode()), "g.txt.gz", directed=True)
    assert g.directed and g.weighted and pairs(g) == [("0", "1"), ("1", "2"), ("2", "0")]
    assert weights(g) == {("0", "1"): 3.0, ("1", "2"): 1.0, ("2", "0"): 2.0}
    assert any("3 comment line" in n for n in g.notes) and any("read as the edge weight" in n for n in g.notes)


def test_string_ids_with_spaces_and_leading_zeros_are_kept():
    g = edges('from,to\n"Jean Valjean",Javert\n007,7\nJavert,007\n')
    assert set(g.nodes) == {"Jean Valjean", "Javert", "007", "7"}


def test_one_letter_ids_are_not_a_header():
    g = edges("a b\nb c\nc a\n", "e.txt")
    assert g.n_edges == 3 and set(g.nodes) == {"a", "b", "c"}


def test_self_loops_duplicates_isolated_and_components_are_reported_not_fatal():
    g = edges("a,b,1\nb,a,2\na,a,5\nc,d,1\nc,d,1\ne,e,1\n")
    assert list(g.nodes) == ["a", "b", "c", "d", "e"] and g.n_edges == 2 and list(g.nodes[g.isolated()]) == ["e"]
    assert weights(g) == {("a", "b"): 3.0, ("c", "d"): 2.0}
    text = " | ".join(g.notes)
    assert "Dropped 2 self-loop" in text and "Merged 2 duplicate" in text and "added up" in text
    assert "1 node(s) have no edge" in text and "3 disconnected components" in text
    st = g.stats()
    assert (st["components"], st["isolated_nodes"], st["largest_component"]) == (3, 1, 2)


def test_directed_duplicates_are_distinct_by_direction():
    g = edges("a b\nb a\na b\n", "e.txt", directed=True)
    assert pairs(g) == [("a", "b"), ("b", "a")] and any("Merged 1 duplicate" in n for n in g.notes)


def test_zero_weight_edges_are_dropped_with_a_note():
    g = edges("source,target,weight\na,b,0\nb,c,1\n")
    assert g.n_edges == 1 and "a" in set(g.nodes) and any("weight 0" in n for n in g.notes)


def test_explicit_columns_and_no_weight():
    text = "ts,dst,src,w\n1,b,a,4\n2,c,b,5\n"
    g = edges(text, columns={"source": "src", "target": "dst", "weight": None})
    assert not g.weighted and pairs(g) == [("a", "b"), ("b", "c")]


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("data, match", [
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"# only a comment\n", "only comments"),
    (b"alice\nbob\ncarol\n", "only one column"),
    (b"source,target\n", "no edges below its header"),
    (b"a,a\nb,b\n", "no edge between two different nodes"),
    (b"\x00\x01\x02binary\x00", "binary"),
])
def test_bad_edge_lists(data, match):
    with pytest.raises(InputError, match=match):
        edges(data)


def test_non_numeric_and_negative_weights_name_the_line():
    with pytest.raises(InputError, match=r"Line 3 .*'heavy'.*not a number"):
        edges("source,target,weight\na,b,1\nb,c,heavy\n")
    with pytest.raises(InputError, match=r"Line 2 .*negative weight -2"):
        edges("source,target,weight\na,b,-2\nb,c,1\n")
    with pytest.raises(InputError, match=r"Line 2 .*has no target"):
        edges("source,target\na,\n")


def test_too_many_nodes_or_edges_refused_with_the_numbers(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_MAX_GRAPH_NODES", "10")
    with pytest.raises(InputError, match=r"has 11 nodes; the limit is 10"):
        edges("".join(f"0 {i}\n" for i in range(1, 11)), "star.txt")
    monkeypatch.setenv("EMBEDLAB_MAX_GRAPH_NODES", "1000")
    monkeypatch.setenv("EMBEDLAB_MAX_GRAPH_EDGES", "5")
    with pytest.raises(InputError, match=r"has 6 distinct edges; the limit is 5"):
        edges("".join(f"{i} {i + 1}\n" for i in range(6)), "path.txt")


def test_attribute_file_matching_no_node_says_how_many_matched():
    g = edges("1 2\n2 3\n", "e.txt")
    attrs, notes = read_node_attributes(b"id,colour\nx,red\ny,blue\n", "nodes.csv")
    with pytest.raises(InputError, match=r"None of the 2 ids .*0 of 2 matched.*'x'.*'1'"):
        attach_attributes(g, attrs, notes)


def test_bad_attribute_files():
    with pytest.raises(InputError, match="only one column"):
        read_node_attributes(b"a\nb\n", "n.csv")
    with pytest.raises(InputError, match="no column 'nope'"):
        read_node_attributes(b"id,x\na,1\n", "n.csv", id_column="nope")


# -- node attributes -------------------------------------------------------------------------

def test_attributes_partial_match_label_column_and_numbers():
    g = edges("1 2\n2 3\n3 4\n", "e.txt")
    text = b"node,name,faction,age\n1,Ann,x,30\n2,Bob,y,41\n3,Cy,x,27\n9,Nobody,z,50\n2,Bo,y,42\n"
    attrs, notes = read_node_attributes(text, "people.csv")
    attach_attributes(g, attrs, notes)
    meta = g.node_meta
    assert list(meta["label"]) == ["Ann", "Bo", "Cy", "4"]  # duplicate id: last row; no row: the id
    assert list(meta.columns) == ["label", "faction", "age"] and meta.loc["2", "age"] == 42
    joined = " | ".join(g.notes)
    assert "3 of 4 attribute rows match a node; 1 name no node" in joined
    assert "1 node(s) have no row" in joined and "appear twice" in joined


def test_a_class_called_label_stays_an_attribute():
    g = edges("1 2\n2 3\n3 4\n", "e.txt")
    attrs, notes = read_node_attributes(b"id label\n1 A\n2 A\n3 B\n4 B\n", "classes.txt")
    attach_attributes(g, attrs, notes)
    assert list(g.node_meta["label"]) == ["1", "2", "3", "4"]
    assert list(g.node_meta["label (attribute)"]) == ["A", "A", "B", "B"]


# -- statistics --------------------------------------------------------------------------------

def test_statistics_of_a_hand_made_graph():
    # a triangle, a separate edge and a star centre with three leaves: 9 nodes, 7 edges, 3 components
    g = graph_from_arrays(["a", "b", "c", "d", "s", "s", "s"], ["b", "c", "a", "e", "x", "y", "z"])
    st = g.stats()
    assert (st["nodes"], st["edges"], st["components"]) == (9, 7, 3)
    assert st["density"] == pytest.approx(7 / 36)
    assert (st["degree_min"], st["degree_max"]) == (1, 3)
    dist = g.degree_distribution()
    assert dict(zip(dist["degree"], dist["nodes"])) == {1: 5, 2: 3, 3: 1}
    assert list(g.component_sizes()) == [4, 3, 2]
    assert g.has_edge("a", "b") and g.has_edge("b", "a") and not g.has_edge("a", "d")


def test_directed_density_and_csr():
    g = graph_from_arrays(["a", "b", "c"], ["b", "c", "a"], directed=True)
    assert g.density == pytest.approx(3 / 6)
    indptr, indices, _ = g.csr()
    assert indptr.tolist() == [0, 1, 2, 3] and indices.tolist() == [1, 2, 0]
    assert g.has_edge("a", "b") and not g.has_edge("b", "a")


def test_planted_partition_is_seeded_and_block_structured():
    a, b = planted_partition(2000, 4, 10_000, 0.2, seed=3), planted_partition(2000, 4, 10_000, 0.2, seed=3)
    assert np.array_equal(a.src, b.src) and np.array_equal(a.dst, b.dst)
    block = a.node_meta["block"].to_numpy()
    inside = (block[a.src] == block[a.dst]).mean()
    assert 9_000 < a.n_edges <= 10_000 and inside > 0.8


# -- storage ---------------------------------------------------------------------------------

def test_graph_roundtrip_in_workspace():
    ws = Workspace(config.home())
    g = edges("a,b,1\nb,c,2\nd,d,1\n")
    attrs, notes = read_node_attributes(b"id,kind,size\na,x,1\nb,y,2\n", "n.csv")
    attach_attributes(g, attrs, notes)
    gid = save_graph(ws, g)
    back = load_graph(ws, gid)
    assert list(back.nodes) == list(g.nodes) and np.array_equal(back.src, g.src) and np.array_equal(back.weight, g.weight)
    assert back.weighted and back.notes == g.notes and back.stats() == g.stats()
    assert back.node_meta.loc["a", "kind"] == "x" and back.node_meta.loc["d", "kind"] is None
    assert back.node_meta.loc["b", "size"] == 2
    listed = stored_graphs(ws)
    assert list(listed["id"]) == [gid] and listed.loc[0, "nodes"] == 4
    assert not [p for p in (ws.root / "graphs").iterdir() if p.name.startswith(".partial")]
    facts = ws.dataset_facts("graph", gid)
    assert facts["attributes"] == ["kind", "size"] and facts["isolated_nodes"] == 1 and facts["fingerprint"]
    ws.set_setting(CURRENT_SETTING, gid)
    delete_graph(ws, gid)
    assert ws.get_setting(CURRENT_SETTING) is None  # the Graphs page forgets a deleted graph
    with pytest.raises(InputError, match="no graph"):
        load_graph(ws, gid)
    with pytest.raises(InputError, match="no graph"):
        load_graph(ws, "../../etc")


def test_the_same_graph_is_stored_once_and_a_sample_keeps_its_label_column():
    ws = Workspace(config.home())
    first = save_graph(ws, sample_graph("karate"))
    assert save_graph(ws, sample_graph("karate")) == first  # a second "Use this graph" reuses it
    assert load_graph(ws, first).label_column == "club"
    undirected = edges("a,b\nb,c\n")
    directed = read_edge_list(b"a,b\nb,c\n", "e.csv", directed=True)
    assert save_graph(ws, undirected) != save_graph(ws, directed)  # same lines, another graph
    assert len(stored_graphs(ws)) == 3


def test_a_failed_write_leaves_nothing(monkeypatch):
    ws = Workspace(config.home())
    g = sample_graph("florentine-families")
    import pandas as pd

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        save_graph(ws, g)
    assert not list((ws.root / "graphs").iterdir())


def test_read_table_reports_header_and_separator():
    raw = read_table(b"src dst\n1 2\n", "e.txt", header_names=("src", "dst"))
    assert raw.header and raw.separator == r"\s+" and list(raw.frame.columns) == ["src", "dst"]

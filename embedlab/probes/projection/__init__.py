"""Projections of a space to 2-D or 3-D (PCA, UMAP, t-SNE) and how much they distort it.

One module per subject: :mod:`.knn` (k-NN graphs), :mod:`.reducers` (the
projectors, scikit-learn's estimator contract), :mod:`.points` (which points),
:mod:`.distortion` (trustworthiness, k-NN overlap), :mod:`.colour` (colouring
and search), :mod:`.core` (the whole probe: project a point set, measure its distortion), and :mod:`.umap` (our UMAP
fuzzy graph, layout optimiser and numba warm-up). Plotting lives in
:mod:`embedlab.views.scatter`, plotly selection events in
:mod:`embedlab.views.selection`.

Typical use::

    points = choose_top(space, 5000)
    result = project(space, points, method="umap", n_components=2)
    result.frame            # word, label, x, y, frequency rank, knn overlap
    result.trustworthiness  # scikit-learn trustworthiness at k = result.trust_k
"""

from embedlab.probes.projection.preprocess import (  # noqa: F401
    spherize,
)
from embedlab.probes.projection.knn import (  # noqa: F401
    exact_knn, EXACT_KNN_LIMIT, knn_graph, KNN_METRICS,
)
from embedlab.probes.projection.reducers import (  # noqa: F401
    PCA, TSNE, UMAP,
)
from embedlab.probes.projection.points import (  # noqa: F401
    choose_keys, choose_neighbourhood, choose_top, choose_words, parse_words, PointSet, top_wording,
)
from embedlab.probes.projection.distortion import (  # noqa: F401
    knn_overlap, trustworthiness,
)
from embedlab.probes.projection.core import (  # noqa: F401
    load_projection, METHODS, project, Projection, TSNE_LIMIT,
)
from embedlab.probes.projection.colour import (  # noqa: F401
    colour_values, group_labels, kmeans_labels, metadata_columns, parse_groups, search_mask,
)

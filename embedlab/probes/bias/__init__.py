"""Bias probes: directions from word pairs, projections, WEAT, direct bias, hard debiasing, checks.

Word lists live in :mod:`embedlab.data.bias_words`. Modules: :mod:`.wordsets`
(parsing typed word lists), :mod:`.direction`, :mod:`.weat`, :mod:`.direct`,
:mod:`.debias`, :mod:`.checks` (Gonen & Goldberg's cluster check, analogy
accuracy before/after). All similarities are cosines.
"""

from embedlab.probes.bias.wordsets import (  # noqa: F401
    format_pairs, parse_pairs, parse_words,
)
from embedlab.probes.bias.direction import (  # noqa: F401
    axes_projection, axis_vector, bias_direction, Direction, project_words,
)
from embedlab.probes.bias.weat import (  # noqa: F401
    association, coverage, EXACT_LIMIT, exact_partition_statistics, MAX_MISSING, MAX_SET_WORDS, n_partitions,
    N_PERMUTATIONS,
    sampled_partition_statistics, weat, WeatQuery, WeatResult,
)
from embedlab.probes.bias.direct import (  # noqa: F401
    direct_bias, DirectBiasResult,
)
from embedlab.probes.bias.debias import (  # noqa: F401
    DebiasResult, hard_debias,
)
from embedlab.probes.bias.checks import (  # noqa: F401
    analogy_accuracy, cluster_check, ClusterCheck, run_analogy_job,
)

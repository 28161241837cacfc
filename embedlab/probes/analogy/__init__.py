"""Analogies and word-similarity benchmarks.

:mod:`.solver` (3CosAdd, 3CosMul, odd one out, similarity), :mod:`.kernels`
(their compiled loops), :mod:`.arithmetic` (vector arithmetic parsed safely),
:mod:`.benchmark` (the Google analogy set answered as gensim does,
WordSim-353, SimLex-999) and :mod:`.sweep` (benchmark scores against a
hyper-parameter).
"""

from embedlab.probes.analogy.solver import (  # noqa: F401
    analogy_scores, AnalogyResult, doesnt_match, EPSILON, MAX_K, METHODS, rank_of, set_similarity, SetSimilarity,
    similarity, solve_analogy, word_vectors,
)
from embedlab.probes.analogy.arithmetic import (  # noqa: F401
    ArithmeticResult, evaluate_expression, MAX_LENGTH, MAX_TERMS, parse_expression, Token, tokenize,
)
from embedlab.probes.analogy.benchmark import (  # noqa: F401
    AnalogyEvaluation, BUILTIN_PAIRS, builtin_pairs, builtin_path, evaluate_analogies, evaluate_word_pairs,
    GOOGLE_ANALOGIES, google_analogies, PairsEvaluation, parse_analogies, parse_word_pairs, SIMLEX999, WORDSIM353,
)

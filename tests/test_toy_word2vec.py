"""The toy word2vec (issue 21): its gradients are the loss's, its loss falls, its input is checked."""

import numpy as np
import pytest

from embedlab.errors import InputError
from embedlab.train.toy_word2vec import PRESETS, ToyConfig, ToyWord2Vec, explain, training_pairs

COMBOS = [(a, o) for a in ("skip-gram", "cbow") for o in ("softmax", "negative")]


@pytest.mark.parametrize("architecture, objective", COMBOS)
def test_gradients_match_finite_differences(architecture, objective):
    net = ToyWord2Vec.from_text(PRESETS["fruit and animals"],
                                ToyConfig(architecture=architecture, objective=objective, window=2, hidden=4, seed=5))
    net.step(30)  # away from the symmetric start
    # a CBOW pair whose context repeats a word checks that its gradient adds up
    inputs, output = (3, 3, 7), 1
    if architecture == "skip-gram":
        inputs, output = (3,), 1
    noise = (2, 5, 5) if objective == "negative" else ()
    loss, grad_W, grad_W_out, update = net.gradients(inputs, output, noise)
    assert loss == pytest.approx(update.loss)
    eps = 1e-6
    for matrix, grad in ((net.W, grad_W), (net.W_out, grad_W_out)):
        numeric = np.zeros_like(matrix)
        for idx in np.ndindex(matrix.shape):
            keep = matrix[idx]
            matrix[idx] = keep + eps
            up = net.pair_loss(inputs, output, noise)
            matrix[idx] = keep - eps
            down = net.pair_loss(inputs, output, noise)
            matrix[idx] = keep
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, atol=1e-7, rtol=1e-5)
    assert np.abs(grad_W).sum() > 0 and np.abs(grad_W_out).sum() > 0


@pytest.mark.parametrize("architecture, objective", COMBOS)
def test_the_loss_falls_and_the_update_follows_the_formulas(architecture, objective):
    net = ToyWord2Vec.from_text(PRESETS["king queen man woman (wevi)"],
                                ToyConfig(architecture=architecture, objective=objective, learning_rate=0.3))
    before = net.mean_loss()
    inputs, output = net.next_pair
    W, W_out = net.W.copy(), net.W_out.copy()
    up = net.step(1)
    h = W[list(inputs)].mean(axis=0)
    np.testing.assert_allclose(up.h, h)
    targets = up.targets
    np.testing.assert_allclose(up.EH, W_out[:, targets] @ up.errors)  # EH from the output vectors before the update
    if objective == "softmax":
        np.testing.assert_allclose(net.W_out, W_out - 0.3 * np.outer(h, up.errors))
    else:
        assert up.errors[0] < 0 < up.errors[1:].min() and output not in up.noise
    net.step(499)
    assert net.step_count == 500 and [s for s, _ in net.history] == [0, 1, 500]
    assert net.mean_loss() < before - 0.2
    # king's most probable outputs are the words it was seen with (the softmax's at least; negative sampling
    # only learns to rank them above the noise words, so one stranger may slip into its top 4)
    probabilities = net.probabilities((net.vocab.index("king"),))
    top = {net.vocab[i] for i in np.argsort(-probabilities)[:4]}
    assert len(top & {"kingdom", "palace", "royal", "george"}) >= (4 if objective == "softmax" else 3)
    lines = explain(net)
    assert len(lines) >= 6 and all(sentence and formula for sentence, formula in lines)


def test_pairs_follow_the_window():
    index = {w: i for i, w in enumerate("a b c".split())}
    assert training_pairs([["a", "b", "c"]], index, "skip-gram", 1) == [((0,), 1), ((1,), 0), ((1,), 2), ((2,), 1)]
    assert training_pairs([["a", "b", "c"]], index, "cbow", 2) == [((1, 2), 0), ((0, 2), 1), ((0, 1), 2)]


@pytest.mark.parametrize("text, message", [
    ("king king king", "only the word 'king'"),
    ("", "no word"),
    ("king\nqueen", "no training pair"),
    (" ".join(f"w{i}" for i in range(60)), "limit is 40"),
    ("a b " * 11_000, "limit is 20,000"),
])
def test_a_toy_corpus_that_cannot_train_is_refused(text, message):
    with pytest.raises(InputError, match=message):
        ToyWord2Vec.from_text(text)

"""A toy word2vec you can step through, one training pair at a time, in plain numpy (issue 21).

Written to be read, not to be fast: a vocabulary of a few dozen words, a
handful of hidden units, and every quantity of one update kept for the page
to show. The notation is Rong (2014), "word2vec Parameter Learning
Explained" (arXiv:1411.2738), whose interactive demo *wevi* this follows; the
model is Mikolov et al. (2013a, "Efficient Estimation of Word Representations
in Vector Space"; 2013b, "Distributed Representations of Words and Phrases
and their Compositionality").

The network
-----------
V words, N hidden units. The input weights ``W`` (V × N) hold one *input
vector* v_w per word (row w); the output weights ``W_out`` (N × V) hold one
*output vector* v'_w per word (column w). A training pair is a context
(one word for skip-gram, the words around a position for CBOW) and an output
word O:

* skip-gram (Rong §2.1, §1.1): the input is the centre word I, the output
  each word O within ``window`` of it, one pair per (I, O);
* CBOW (Rong §1.2): the input is the C words around a position, the output
  the word at the position.

Forward pass, for input words I_1..I_C (C = 1 for skip-gram)::

    h   = (1/C) Σ_c v_{I_c}                          hidden layer (Rong eq. 1, 17)
    u_j = v'_j · h                                   score of word j (eq. 2)

Full softmax (Rong §1)::

    y_j = exp(u_j) / Σ_k exp(u_k)                    probability of word j (eq. 3)
    E   = −log y_O                                   loss (eq. 7)
    e_j = y_j − t_j   (t_j = 1 for j = O, else 0)    prediction error (eq. 8)
    v'_j ← v'_j − η e_j h        for every j         output update (eq. 11)
    EH  = Σ_j e_j v'_j           (v'_j before the update)       (eq. 12)
    v_{I_c} ← v_{I_c} − η EH / C for every input word           (eq. 16, 23)

Negative sampling (Mikolov et al. 2013b; Rong §3.2): only O and K noise
words w_1..w_K, drawn from the unigram distribution raised to 3/4, are
scored, each with a logistic unit σ(x) = 1 / (1 + e^{−x})::

    E   = −log σ(v'_O · h) − Σ_k log σ(−v'_{w_k} · h)           (eq. 55)
    e_j = σ(v'_j · h) − t_j      for j in {O, w_1..w_K}          (eq. 57)
    v'_j ← v'_j − η e_j h                                         (eq. 58)
    EH  = Σ_j e_j v'_j                                            (eq. 61)
    v_{I_c} ← v_{I_c} − η EH / C

Each update is one step of stochastic gradient descent on E: ``e_j h`` is
∂E/∂v'_j and ``EH / C`` is ∂E/∂v_{I_c} (:meth:`ToyWord2Vec.gradients`, held
equal to finite differences in ``tests/test_toy_word2vec.py``). The learning
rate η stays constant (wevi's choice; word2vec decays it linearly). Both
weight matrices start uniform in ±0.5/N (wevi's random start; word2vec.c
starts W_out at zero). Pairs are visited in corpus order, epoch after epoch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from embedlab.errors import InputError
from embedlab.train.params import Params, param

#: Largest toy vocabulary (a heat map column per word must stay readable).
MAX_VOCAB = 40
#: Longest toy corpus, in tokens.
MAX_TOKENS = 2_000
#: Longest toy corpus text, in characters.
MAX_CHARS = 20_000

#: Presets: (name, sentences). The first is adapted from wevi's "King and queen" training data (Rong 2014-16:
#: each of its input|output pairs is a two-word sentence here); the second is ours.
PRESETS = {
    "king queen man woman (wevi)": "\n".join([
        "king kingdom", "queen kingdom", "king palace", "queen palace", "king royal", "queen royal",
        "king george", "queen mary", "man rice", "woman rice", "man farmer", "woman farmer",
        "man house", "woman house", "man george", "woman mary"]),
    "fruit and animals": "\n".join([
        "apple is a sweet fruit", "orange is a juicy fruit", "banana is a sweet fruit",
        "dog is a loyal animal", "cat is a lazy animal", "horse is a fast animal",
        "we eat apple and orange and banana", "we feed dog and cat and horse",
        "drink orange juice", "drink apple juice", "walk the dog", "ride the horse"]),
}


@dataclass
class ToyConfig(Params):
    """Settings of the toy network.

    Attributes
    ----------
    architecture : {"skip-gram", "cbow"}
    objective : {"softmax", "negative"}
        Full softmax or negative sampling.
    hidden : int
        Hidden units N.
    window : int
        Words on each side of a position that make its context.
    negative : int
        Noise words K per pair (negative sampling).
    learning_rate : float
        η, constant.
    seed : int
        Seed of the initial weights and of the noise words.
    """

    architecture: str = param("skip-gram", "skip-gram predicts each context word from the centre word; CBOW predicts "
                              "the centre word from its averaged context (Mikolov et al. 2013a).",
                              choices=("skip-gram", "cbow"))
    objective: str = param("softmax", "Full softmax scores every word; negative sampling only the output word and "
                           "a few noise words (Mikolov et al. 2013b).", choices=("softmax", "negative"))
    hidden: int = param(5, "Hidden units N: the length of every input and output vector.", 2, 10)
    window: int = param(1, "Words on each side of a position that are its context.", 1, 3)
    negative: int = param(3, "Noise words drawn per pair (negative sampling only).", 1, 10)
    learning_rate: float = param(0.2, "η: how far each update moves the weights (kept constant, as in wevi).",
                                 0.001, 2.0)
    seed: int = param(0, "Seed of the initial weights and of the noise words.", 0, 2**31 - 1)


def tokenize(text: str) -> list:
    """Sentences (one per line) of lower-cased words (letters, digits, apostrophes and hyphens)."""
    return [s for s in (re.findall(r"[\w'-]+", line.lower()) for line in (text or "").splitlines()) if s]


def training_pairs(sentences: list, index: dict, architecture: str, window: int) -> list:
    """The training pairs of a corpus, in order: ``[(input word ids, output word id), ...]``.

    skip-gram: ``((centre,), context word)`` for each context word within
    ``window``; CBOW: ``((context words...), centre)`` for each position that
    has a context.
    """
    pairs = []
    for sent in sentences:
        ids = [index[w] for w in sent]
        for pos, centre in enumerate(ids):
            context = ids[max(0, pos - window):pos] + ids[pos + 1:pos + 1 + window]
            if not context:
                continue
            if architecture == "skip-gram":
                pairs.extend(((centre,), c) for c in context)
            else:
                pairs.append((tuple(context), centre))
    return pairs


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Update:
    """Everything about the last update, for the page to show.

    Attributes
    ----------
    inputs : tuple of int
        Input word ids I_c.
    output : int
        Output word id O.
    h : ndarray of shape (N,)
    u : ndarray of shape (V,)
        Scores v'_j · h of every word (before the update).
    y : ndarray of shape (V,)
        Softmax probabilities (negative sampling: what a full softmax would give, for comparison).
    targets : ndarray of int
        The words whose output vectors this update changes (every word, or O and the noise words).
    errors : ndarray of shape (len(targets),)
        e_j of each target.
    noise : tuple of int
        The noise words (negative sampling).
    EH : ndarray of shape (N,)
    loss : float
        E before the update.
    """

    inputs: tuple
    output: int
    h: np.ndarray
    u: np.ndarray
    y: np.ndarray
    targets: np.ndarray
    errors: np.ndarray
    noise: tuple
    EH: np.ndarray
    loss: float


@dataclass
class ToyWord2Vec:
    """The toy network and its training state (see the module docstring for the formulas).

    Build with :meth:`from_text`. Attributes: ``vocab`` (list of V words, in
    order of first appearance), ``W`` (V × N input vectors), ``W_out`` (N × V
    output vectors), ``pairs``, ``step_count``, ``last`` (the last
    :class:`Update`), ``history`` ([(updates, mean loss over all pairs)]).
    """

    config: ToyConfig
    text: str
    vocab: list
    pairs: list
    W: np.ndarray
    W_out: np.ndarray
    counts: np.ndarray
    rng: np.random.Generator
    step_count: int = 0
    last: Optional[Update] = None
    history: list = field(default_factory=list)
    _averaging: Optional[np.ndarray] = field(default=None, repr=False)
    _outputs: Optional[np.ndarray] = field(default=None, repr=False)

    # -- building ------------------------------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, config: Optional[ToyConfig] = None) -> "ToyWord2Vec":
        """A fresh network for a corpus (one sentence per line).

        Raises
        ------
        InputError
            Text too long, fewer than two distinct words, more than
            :data:`MAX_VOCAB` words or :data:`MAX_TOKENS` tokens, or no pair within the window.
        """
        cfg = config or ToyConfig()
        if len(text or "") > MAX_CHARS:
            raise InputError(f"The toy corpus is {len(text):,} characters long; the limit is {MAX_CHARS:,}. It is a "
                             "toy: a few short sentences show everything.")
        sentences = tokenize(text)
        tokens = [w for s in sentences for w in s]
        vocab = list(dict.fromkeys(tokens))
        if len(vocab) < 2:
            found = f"only the word '{vocab[0]}'" if vocab else "no word"
            raise InputError(f"The toy corpus has {found}; word2vec needs at least two different words to predict "
                             "one from another. Write a few short sentences, one per line.")
        if len(vocab) > MAX_VOCAB:
            raise InputError(f"The toy corpus has {len(vocab)} different words; the limit is {MAX_VOCAB} so that "
                             "each word keeps a readable column in the heat maps. Shorten it.")
        if len(tokens) > MAX_TOKENS:
            raise InputError(f"The toy corpus has {len(tokens):,} words; the limit is {MAX_TOKENS:,}.")
        index = {w: i for i, w in enumerate(vocab)}
        pairs = training_pairs(sentences, index, cfg.architecture, cfg.window)
        if not pairs:
            raise InputError("No sentence has two words, so there is no training pair. Put at least two words on "
                             "a line.")
        rng = np.random.default_rng(cfg.seed)
        V, N = len(vocab), cfg.hidden
        W = (rng.random((V, N)) - 0.5) / N
        W_out = (rng.random((N, V)) - 0.5) / N
        counts = np.bincount([index[w] for w in tokens], minlength=V).astype(np.float64)
        net = cls(cfg, text, vocab, pairs, W, W_out, counts, rng)
        net.history.append((0, net.mean_loss()))
        return net

    @property
    def noise_distribution(self) -> np.ndarray:
        """P(w) ∝ count(w)^(3/4), the noise distribution of negative sampling (Mikolov et al. 2013b)."""
        p = self.counts ** 0.75
        return p / p.sum()

    @property
    def next_pair(self) -> tuple:
        """The pair the next update trains on."""
        return self.pairs[self.step_count % len(self.pairs)]

    def words(self, ids) -> list:
        return [self.vocab[i] for i in ids]

    # -- the maths -----------------------------------------------------------------------------------
    def draw_noise(self, output: int) -> tuple:
        """K noise words from the 3/4-power unigram distribution, never the output word itself."""
        p = self.noise_distribution.copy()
        p[output] = 0.0
        p /= p.sum()
        return tuple(int(w) for w in self.rng.choice(len(self.vocab), size=self.config.negative, p=p))

    def forward(self, inputs: tuple) -> tuple:
        """h (N,) and the scores u (V,) for some input words."""
        h = self.W[list(inputs)].mean(axis=0)
        return h, h @ self.W_out

    def gradients(self, inputs: tuple, output: int, noise: tuple = ()) -> tuple:
        """The loss of one pair and its gradients, at the current weights.

        Parameters
        ----------
        inputs : tuple of int
        output : int
        noise : tuple of int
            Noise words (negative sampling); ignored with the full softmax.

        Returns
        -------
        loss : float
        grad_W : ndarray of shape (V, N)
            ∂E/∂W: EH / C in each input word's row (added up for a repeated word), zero elsewhere.
        grad_W_out : ndarray of shape (N, V)
            ∂E/∂W_out: e_j h in column j of every target.
        update : Update
        """
        h, u = self.forward(inputs)
        y = np.exp(u - u.max())
        y /= y.sum()
        if self.config.objective == "softmax":
            targets = np.arange(len(self.vocab))
            t = np.zeros(len(self.vocab))
            t[output] = 1.0
            errors = y - t                                                  # e_j = y_j − t_j
            loss = float(-np.log(y[output]))                                # E = −log y_O
        else:
            targets = np.array((output,) + tuple(noise), dtype=np.int64)
            t = np.zeros(len(targets))
            t[0] = 1.0
            s = sigmoid(u[targets])
            errors = s - t                                                  # e_j = σ(v'_j·h) − t_j
            loss = float(-np.log(s[0]) - np.log(1.0 - s[1:]).sum())         # −log σ(u_O) − Σ log σ(−u_k)
        grad_W_out = np.zeros_like(self.W_out)
        np.add.at(grad_W_out.T, targets, errors[:, None] * h[None, :])      # e_j h, per target (noise may repeat)
        EH = self.W_out[:, targets] @ errors                                # EH = Σ e_j v'_j
        grad_W = np.zeros_like(self.W)
        np.add.at(grad_W, list(inputs), EH / len(inputs))                   # EH / C per input word
        update = Update(tuple(inputs), int(output), h, u, y, targets, errors, tuple(noise), EH, loss)
        return loss, grad_W, grad_W_out, update

    def pair_loss(self, inputs: tuple, output: int, noise: tuple = ()) -> float:
        """E of one pair at the current weights (for finite differences and the loss curve)."""
        return self.gradients(inputs, output, noise)[0]

    def step(self, n: int = 1) -> Update:
        """Train ``n`` updates (one pair each, in corpus order); return the last.

        Each update: draw the noise words (negative sampling), compute the
        gradients at the current weights, then move both matrices against
        them with learning rate η (the formulas of the module docstring).
        """
        eta = self.config.learning_rate
        for _ in range(int(n)):
            inputs, output = self.next_pair
            noise = self.draw_noise(output) if self.config.objective == "negative" else ()
            if self.config.objective == "softmax":
                loss, grad_W, grad_W_out, update = self.gradients(inputs, output)
                self.W_out -= eta * grad_W_out                              # v'_j ← v'_j − η e_j h, every j
            else:
                loss, grad_W, grad_W_out, update = self.gradients(inputs, output, noise)
                cols = np.unique(update.targets)
                self.W_out[:, cols] -= eta * grad_W_out[:, cols]            # only O and the noise words move
            rows = list(dict.fromkeys(inputs))
            self.W[rows] -= eta * grad_W[rows]                              # v_I ← v_I − η EH / C
            self.step_count += 1
            self.last = update
        self.history.append((self.step_count, self.mean_loss()))
        return self.last

    def mean_loss(self) -> float:
        """Mean full-softmax loss −log y_O over every pair of the corpus (the same measure for both objectives)."""
        if self._averaging is None:  # row p averages pair p's input words: H = A W holds every pair's h
            self._averaging = np.zeros((len(self.pairs), len(self.vocab)))
            for p, (inputs, _) in enumerate(self.pairs):
                np.add.at(self._averaging[p], list(inputs), 1.0 / len(inputs))
            self._outputs = np.array([o for _, o in self.pairs], dtype=np.int64)
        U = (self._averaging @ self.W) @ self.W_out
        top = U.max(axis=1)
        log_z = np.log(np.exp(U - top[:, None]).sum(axis=1)) + top
        return float((log_z - U[np.arange(len(U)), self._outputs]).mean())

    def probabilities(self, inputs: Optional[tuple] = None) -> np.ndarray:
        """Softmax probabilities of every word for some input words (default: the next pair's)."""
        _, u = self.forward(inputs if inputs is not None else self.next_pair[0])
        y = np.exp(u - u.max())
        return y / y.sum()

    def vectors_2d(self) -> tuple:
        """A PCA of the input vectors (rows of W) and output vectors (columns of W_out) together.

        Returns
        -------
        xy_in, xy_out : ndarray of shape (V, 2)
        explained : ndarray of shape (2,)
        """
        both = np.vstack([self.W, self.W_out.T])
        centred = both - both.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        signs = np.sign(vt[:, np.argmax(np.abs(vt), axis=1)].diagonal())  # a fixed sign per axis, frame to frame
        signs[signs == 0] = 1.0
        xy = centred @ (vt[:2].T * signs[:2])
        var = s ** 2
        explained = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
        V = len(self.vocab)
        return xy[:V], xy[V:], explained


def explain(net: ToyWord2Vec) -> list:
    """One sentence per number of the last update, each with its formula: ``[(sentence, LaTeX), ...]``."""
    up = net.last
    if up is None:
        return []
    cfg, eta = net.config, net.config.learning_rate
    ins = net.words(up.inputs)
    out = net.vocab[up.output]
    C = len(up.inputs)
    h = ", ".join(f"{v:.2f}" for v in up.h)
    lines = []
    if C == 1:
        lines.append((f"The input word **{ins[0]}** picks its row of W, the input vector: h = ({h}).",
                      r"h = v_{I} = W_{I,\cdot}"))
    else:
        lines.append((f"The {C} context words **{', '.join(ins)}** average their input vectors: h = ({h}).",
                      r"h = \frac{1}{C}\sum_{c=1}^{C} v_{I_c}"))
    lines.append((f"Each word j gets a score u_j, the dot product of its output vector with h; the output word "
                  f"**{out}** scores u = {up.u[up.output]:.3f}.", r"u_j = {v'_j}^{\top} h"))
    if cfg.objective == "softmax":
        lines.append((f"Softmax turns the scores into probabilities; **{out}** gets y = {up.y[up.output]:.3f}, "
                      f"so the loss is E = −log y = {up.loss:.3f}.",
                      r"y_j = \frac{\exp u_j}{\sum_{k} \exp u_k}, \quad E = -\log y_O"))
        lines.append((f"The error is e_j = y_j − t_j: {up.errors[up.output]:.3f} for **{out}** (pulled up) and "
                      f"y_j for every other word (pushed down, e.g. {up.errors.max():.3f} at most).",
                      r"e_j = y_j - t_j"))
        lines.append((f"Every output vector moves against its error times h (η = {eta:g}).",
                      r"v'_j \leftarrow v'_j - \eta\, e_j\, h \quad \text{for all } j"))
    else:
        noise = ", ".join(net.words(up.noise))
        s = sigmoid(up.u[up.targets])
        lines.append((f"Negative sampling scores only **{out}** and {len(up.noise)} noise words ({noise}) drawn "
                      f"∝ count^¾; σ(u) = {s[0]:.3f} for {out}; the loss is E = {up.loss:.3f}.",
                      r"E = -\log\sigma({v'_O}^{\top}h) - \sum_{k=1}^{K}\log\sigma(-{v'_{w_k}}^{\top}h)"))
        lines.append((f"The error is e_j = σ(u_j) − t_j: {up.errors[0]:.3f} for {out}, "
                      + ", ".join(f"{e:.3f} for {net.vocab[t]}" for t, e in zip(up.targets[1:], up.errors[1:]))
                      + ".", r"e_j = \sigma({v'_j}^{\top}h) - t_j"))
        lines.append((f"Only these {len(up.targets)} output vectors move (η = {eta:g}).",
                      r"v'_j \leftarrow v'_j - \eta\, e_j\, h \quad j \in \{O\} \cup \{w_1..w_K\}"))
    eh = ", ".join(f"{v:.3f}" for v in up.EH)
    lines.append((f"EH sums the output vectors weighted by their errors (before they moved): ({eh}).",
                  r"EH = \sum_j e_j\, v'_j"))
    lines.append(((f"The input vector of **{ins[0]}** moves against EH." if C == 1 else
                   f"Each context word's input vector moves against EH / {C}."),
                  r"v_{I} \leftarrow v_{I} - \eta\, EH" if C == 1 else
                  r"v_{I_c} \leftarrow v_{I_c} - \eta\, \frac{EH}{C}"))
    return lines

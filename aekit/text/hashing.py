"""How aekit trains its semantic-hashing auto-encoder (the defaults of
:class:`aekit.text.SemanticHashIndex`), and what the net sees.

Three choices, each made on 10 of the 20 newsgroups of ``mini_newsgroups`` (the groups
at even places in sorted order) and then measured on all 2,000 posts (BENCHMARKS.md,
"Text retrieval"):

- **Start from LSA's answer.** The encoder is one linear map from the document's words
  to the bit logits, started at the LSA projection (``TruncatedSVD``, centred) rotated by
  ITQ (Gong & Lazebnik 2011, faiss's ``ITQMatrix``: the rotation that makes taking signs
  lose least). Before any training the bits are therefore ITQ's hash of LSA, and
  training only has to improve on it; from a random start the same net stayed below LSA.
- **Rebuild the neighbourhood, not only the document.** The net is fitted on rows
  ``[document, neighbourhood]``: the neighbourhood is the mean TF-IDF row of the
  document's ``NEIGHBOURS`` nearest documents by cosine. The encoder reads only the
  document, the decoder must rebuild both from the bits, so documents with similar
  neighbours get similar bits (the idea of NbrReg, Hansen et al. 2019). A query is
  encoded from its own words: it needs no neighbours.
- **Weight decay 1e-4** and masking noise 0.2 (20 % of the words dropped).

The bits come out of the binary bottleneck (a Bernoulli draw while training, straight-
through gradient; ``logit > 0`` after), so hashes are pure bits: no float re-ranking.
The ITQ rotation and the LSA start are an initialisation (like VQ's k-means start);
the weights are trained only by aekit's training loop.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from aekit.base import seeded_init
from aekit.text.modules import DocumentEncoder, hash_modules

NEIGHBOURS = 10  # documents averaged into each document's neighbourhood
HIDDEN = 512  # decoder width
LOGIT_SCALE = 3.0  # spread (std) of the starting bit logits: bits neither coin flips nor frozen
BLOCK = 256  # documents per block of the neighbour search (block x n_docs similarities)


def net_input(vectors) -> np.ndarray:
    """TF-IDF rows as the auto-encoder sees them: dense, scaled to length sqrt(n_words).

    Unit-length rows have entries around 1/sqrt(n_words), far below the scale the net's
    initial weights expect: its codes then barely depend on the document and the bits
    carry almost nothing (precision at chance in our first trial). At length
    sqrt(n_words) the entries have mean square 1, like a standardized table. Scaling
    every row alike keeps the cosine geometry.
    """
    return (vectors.toarray() * np.float32(np.sqrt(vectors.shape[1]))).astype(np.float32)


def neighbourhoods(vectors, k: int = NEIGHBOURS) -> np.ndarray:
    """Mean :func:`net_input` row of each document's ``k`` nearest other documents by
    TF-IDF cosine (n_docs, n_words); a collection of one document is its own."""
    vectors = sp.csr_matrix(vectors, dtype=np.float32)
    dense = net_input(vectors)
    n = vectors.shape[0]
    k = min(k, n - 1)
    if k < 1:
        return dense
    out = np.empty_like(dense)
    for start in range(0, n, BLOCK):
        sims = (vectors[start:start + BLOCK] @ vectors.T).toarray()  # (block, n) cosines
        rows = np.arange(len(sims))
        sims[rows, start + rows] = -np.inf  # not its own neighbour
        near = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        out[start:start + len(sims)] = dense[near].mean(axis=1)
    return out


def training_input(vectors, k: int = NEIGHBOURS) -> np.ndarray:
    """Rows ``[document, neighbourhood]`` (n_docs, 2 * n_words) the default net is fitted on."""
    return np.hstack([net_input(vectors), neighbourhoods(vectors, k)])


def model_input(model, vectors) -> np.ndarray:
    """What ``model`` encodes for TF-IDF rows ``vectors``: for aekit's default net the
    document followed by zeros (the encoder reads the document only), else :func:`net_input`."""
    dense = net_input(vectors)
    if isinstance(getattr(model, "encoder", None), DocumentEncoder):
        return np.hstack([dense, np.zeros_like(dense)])
    return dense


def module_spec(model) -> dict | None:
    """Sizes that rebuild ``model``'s modules for loading (:func:`hash_modules`), or None
    for a model of aekit's own architectures."""
    encoder = getattr(model, "encoder", None)
    if not isinstance(encoder, DocumentEncoder):
        return None
    return {"n_words": encoder.n_words, "bits": encoder.linear.out_features,
            "hidden": model.decoder[0].out_features}


def lsa_start(vectors, bits: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight (bits, n_words) and bias (bits,) on :func:`net_input`'s scale whose logits
    are the centred LSA coordinates rotated by ITQ, scaled to a spread of LOGIT_SCALE.

    A collection with fewer than ``bits`` documents or words has fewer LSA directions;
    the rest of the bits start from random directions.
    """
    import faiss
    from sklearn.decomposition import TruncatedSVD

    dense = net_input(vectors)
    n, n_words = dense.shape
    rank = min(bits, n - 1, n_words - 1)  # TruncatedSVD needs fewer components than either side
    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((bits, n_words)).astype(np.float32)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    if rank >= 1:
        svd = TruncatedSVD(rank, random_state=seed).fit(sp.csr_matrix(vectors))
        directions[:rank] = svd.components_
    coordinates = dense @ directions.T  # (n, bits)
    mean = coordinates.mean(axis=0)
    itq = faiss.ITQMatrix(bits)
    itq.max_iter, itq.seed = 50, seed
    itq.train(np.ascontiguousarray(coordinates - mean))
    rotation = faiss.vector_to_array(itq.A).reshape(bits, bits)  # logits = centred @ rotation.T
    projection = rotation @ directions  # (bits, n_words)
    spread = float(((coordinates - mean) @ rotation.T).std()) or 1.0
    scale = LOGIT_SCALE / spread
    return (torch.from_numpy((scale * projection).astype(np.float32)),
            torch.from_numpy((-scale * rotation @ mean).astype(np.float32)))


def start_seed(random_state) -> int:
    """The seed of the modules' initialisation and of the LSA + ITQ start."""
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def default_model(vectors, bits: int, *, epochs: int = 50, random_state=0, verbose="auto"):
    """The unfitted auto-encoder aekit trains for ``bits``-bit hashes of the TF-IDF rows
    ``vectors`` (see the module's notes); fit it on :func:`training_input`."""
    from aekit import AutoEncoder

    seed = start_seed(random_state)
    with seeded_init(seed):
        encoder, decoder = hash_modules(vectors.shape[1], bits, HIDDEN)
    encoder.start_from(*lsa_start(vectors, bits, seed))
    return AutoEncoder(code_size=bits, bottleneck="binary", scaling="none", objective="mse",
                       noise="masking", noise_level=0.2, weight_decay=1e-4, epochs=epochs,
                       batch_size=64, learning_rate=1e-3, validation_fraction=0.1, patience=10,
                       random_state=random_state, verbose=verbose, encoder=encoder, decoder=decoder)

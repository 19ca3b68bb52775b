"""Text retrieval by semantic hashing (issue 5) on the 20 Newsgroups sample, and the speed
of Hamming search over a million hashes.

Retrieval: each of the 2,000 posts of ``mini_newsgroups`` is a query against the other
1,999; relevant = same newsgroup. Mail headers are stripped (Subject kept) because the
"Newsgroups:" and "Path:" lines name the answer. Every method uses the same TF-IDF
vectorizer (aekit's defaults). The posts are shuffled once (seed 0) so that ties, which
every ranking breaks by document order, are broken at random with respect to the labels.

Speed: 1,000,000 synthetic items as 64-dim unit float32 vectors and as 64-bit hashes
(their signs); top-10 of single queries by exact cosine (numpy matmul + argpartition,
faiss IndexFlatIP) and by Hamming distance (aekit's hamming_search on the index
SemanticHashIndex keeps: faiss's IndexBinaryFlat scan of one shard of the hashes per
thread, at once; and one scan of all of them, as before).

Run: ``python -m benchmarks.text_retrieval`` (data from ``shared_data_dir()``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from benchmarks.common import print_table, shared_data_dir

K = 10
REFINE = 10 * K


def load_posts(groups: str = "all"):
    """The posts (shuffled once, seed 0), their names and groups; ``groups="even"``: only
    the 10 groups at even places in sorted order (0, 2, ..., 18), the half the defaults
    of issue 18 were chosen on."""
    from aekit.data.text import read_text_folder

    docs = read_text_folder(shared_data_dir() / "newsgroups" / "mini_newsgroups",
                            strip_headers=True, progress=False)
    order = np.random.default_rng(0).permutation(len(docs))
    labels = np.array([docs.names[i].split("/")[0] for i in order])
    if groups == "even":
        keep = np.isin(labels, sorted(set(labels))[::2])
        order, labels = order[keep], labels[keep]
    return [docs.texts[i] for i in order], [docs.names[i] for i in order], labels


def ranking_scores(scores: np.ndarray, labels: np.ndarray) -> dict:
    """P@10 and MAP of leave-one-out rankings by ``scores`` (higher = nearer); ties keep
    document order (stable sort)."""
    scores = scores.astype(np.float64, copy=True)
    np.fill_diagonal(scores, -np.inf)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :-1]  # the query itself sorts last
    relevant = labels[order] == labels[:, None]
    precision = np.cumsum(relevant, axis=1) / np.arange(1, relevant.shape[1] + 1)
    average_precision = (precision * relevant).sum(axis=1) / relevant.sum(axis=1)
    return {"P@10": float(relevant[:, :K].mean()), "MAP": float(average_precision.mean())}


def timed(func, repeat: int = 1):
    func()  # warm-up
    start = time.perf_counter()
    for _ in range(repeat):
        result = func()
    return result, (time.perf_counter() - start) / repeat


def cosine_top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k by inner product of unit vectors: matmul + argpartition + sort of k."""
    sims = queries @ vectors.T
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    return np.take_along_axis(top, np.argsort(-np.take_along_axis(sims, top, 1), axis=1), 1)


def retrieval(epochs: int, groups: str) -> None:
    from aekit.search import hamming_distances, hamming_search, pack_bits
    from aekit.text import SemanticHashIndex
    from aekit.text.hashing import default_model, lsa_start, model_input, net_input, training_input
    from aekit.text.vectorizer import fit_vectorizer

    texts, names, labels = load_posts(groups)
    n = len(texts)
    vectorizer = fit_vectorizer(texts)
    tfidf = vectorizer.transform(texts)
    dense = tfidf.toarray()
    print(f"\n{n:,} posts, {len(set(labels))} groups ({groups}), {tfidf.shape[1]:,} words "
          f"(same vectorizer for every method)\n")
    rows = []

    def row(method, scores, fit_s, search_s, size):
        rows.append({"method": method, **ranking_scores(scores, labels), "fit s": fit_s,
                     "top-10 ms/query": 1e3 * search_s / n, "bytes/doc": size})

    def hash_row(label, hashes, fit_s):
        distances = hamming_distances(hashes, hashes).astype(np.float64)
        _, search_s = timed(lambda: hamming_search(hashes, hashes, K + 1))
        row(f"{label}, Hamming", -distances, fit_s, search_s, hashes.shape[1])
        return distances

    cos = dense @ dense.T
    _, search_s = timed(lambda: cosine_top_k(dense, dense, K + 1))
    row("TF-IDF cosine (full)", cos, 0.0, search_s, f"{tfidf.nnz * 8 // n} (sparse)")
    for dims in (32, 64):
        start = time.perf_counter()
        svd = TruncatedSVD(dims, random_state=0).fit(tfidf)
        lsa = normalize(svd.transform(tfidf)).astype(np.float32)
        fit_s = time.perf_counter() - start
        _, search_s = timed(lambda: cosine_top_k(lsa, lsa, K + 1))
        row(f"LSA {dims} dims, cosine", lsa @ lsa.T, fit_s, search_s, 4 * dims)
    # where the default net starts: LSA-64 rotated by ITQ, signs taken (no training)
    start = time.perf_counter()
    weight, bias = lsa_start(tfidf, 64, 0)
    itq = pack_bits(net_input(tfidf) @ weight.numpy().T + bias.numpy() > 0)
    hash_row("ITQ of LSA-64 (the net's start), 64-bit", itq, time.perf_counter() - start)
    for bits in (32, 64):
        start = time.perf_counter()
        index = SemanticHashIndex.build(texts, bits, names=names, epochs=epochs, verbose=False)
        fit_s = time.perf_counter() - start
        assert index.vectorizer.vocabulary_ == vectorizer.vocabulary_  # the same vectorizer
        history = index.model.history_[-1]
        label = f"aekit {bits}-bit hash (defaults)"
        print(f"{label}: {index.model.n_epochs_} epochs, bit entropy "
              f"{history.get('train_bit_entropy', float('nan')):.3f}, "
              f"{len(np.unique(index.hashes, axis=0)):,} distinct hashes")
        distances = hash_row(label, index.hashes, fit_s)
        if bits == 64:
            candidates, _ = hamming_search(index.hashes, index.hashes, REFINE + 1)
            _, refine_s = timed(lambda: _refine(index, candidates, tfidf))
            scores = -distances
            in_top = np.zeros_like(scores, dtype=bool)
            np.put_along_axis(in_top, candidates, True, axis=1)
            scores[in_top] = 1000.0 + cos[in_top]  # the candidates, by cosine, ahead of the rest
            row(f"aekit {bits}-bit + cosine refine of top {REFINE}", scores, fit_s,
                rows[-1]["top-10 ms/query"] * n / 1e3 + refine_s, f"{bits // 8} + sparse")
    # the same net, LSA start, rebuilding only the document (its neighbourhood = itself)
    start = time.perf_counter()
    model = default_model(tfidf, 64, epochs=epochs, verbose=False).fit(training_input(tfidf, 0))
    hashes = pack_bits(model.transform(model_input(model, tfidf)) > 0.5)
    hash_row("aekit 64-bit, no neighbourhood", hashes, time.perf_counter() - start)
    print()
    print_table(rows)


def _refine(index, candidates, tfidf):
    """Cosine of each query with its candidates, as a search with refine computes it."""
    sims = np.empty(candidates.shape, dtype=np.float32)
    for q, cand in enumerate(candidates):  # one sparse product per query, as in search()
        sims[q] = (index.vectors[cand] @ tfidf[q].T).toarray().ravel()
    return np.argsort(-sims, axis=1, kind="stable")[:, :K]


def speed(n_items: int, n_queries: int = 50) -> None:
    import faiss

    from aekit.search import hamming_distances, hamming_search, pack_bits
    from aekit.search.hamming import binary_index

    rng = np.random.default_rng(0)
    vectors = normalize(rng.standard_normal((n_items, 64), dtype=np.float32)).astype(np.float32)
    hashes = pack_bits(vectors > 0)  # 64-bit hashes of the same items: the signs (SimHash)
    picks = rng.choice(n_items, n_queries, replace=False)
    print(f"\n{n_items:,} items; top-{K} of {n_queries} single queries (one at a time); "
          f"faiss with {faiss.omp_get_max_threads()} threads\n")
    flat = faiss.IndexFlatIP(64)
    flat.add(vectors)
    start = time.perf_counter()
    index = binary_index(hashes)  # what SemanticHashIndex keeps: flat scan + a shard per thread
    build_s = time.perf_counter() - start
    scan = binary_index(hashes, shards=False)

    def per_query(search):
        _, seconds = timed(lambda: [search(i) for i in picks])
        return 1e3 * seconds / n_queries

    results = {
        "exact cosine, numpy matmul + argpartition (64 float32)":
            per_query(lambda i: cosine_top_k(vectors, vectors[i:i + 1], K)),
        "exact cosine, faiss IndexFlatIP (64 float32)":
            per_query(lambda i: flat.search(vectors[i:i + 1], K)),
        f"Hamming, aekit hamming_search ({index.threads} shards scanned at once)":
            per_query(lambda i: hamming_search(hashes, hashes[i:i + 1], K, index=index)),
        "Hamming, one faiss IndexBinaryFlat scan (shards=False)":
            per_query(lambda i: hamming_search(hashes, hashes[i:i + 1], K, index=scan)),
    }
    base = results["exact cosine, numpy matmul + argpartition (64 float32)"]
    memory = {"cosine": vectors.nbytes, "Flat": hashes.nbytes, "shards": 2 * hashes.nbytes}
    print_table([{"search": name, "ms/query": ms, "speed-up vs numpy cosine": f"{base / ms:.1f}x",
                  "memory MB": next(v for key, v in memory.items() if key in name) / 1e6}
                 for name, ms in results.items()])
    print(f"\nindex built in {build_s:.3f} s (the shards are a second copy of the hashes)")
    _, batch_cos = timed(lambda: cosine_top_k(vectors, vectors[picks], K))
    _, batch_ham = timed(lambda: hamming_search(hashes, hashes[picks], K, index=index))
    print(f"batched ({n_queries} queries at once): numpy cosine {1e3 * batch_cos / n_queries:.2f} ms/query, "
          f"aekit Hamming {1e3 * batch_ham / n_queries:.2f} ms/query "
          f"({batch_cos / batch_ham:.1f}x)")
    found = hamming_search(hashes, hashes[picks], K, index=index)[1]
    brute = np.sort(hamming_distances(hashes[picks], hashes), axis=1)[:, :K]
    print(f"top-{K} distances of all {n_queries} queries equal a brute-force numpy count: "
          f"{bool(np.array_equal(found, brute))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["retrieval", "speed"], choices=["retrieval", "speed"])
    parser.add_argument("--epochs", type=int, default=50, help="auto-encoder epochs (aekit's default)")
    parser.add_argument("--items", type=int, default=1_000_000, help="items in the speed test")
    parser.add_argument("--groups", default="all", choices=["all", "even"],
                        help="retrieval on all 20 groups, or the 10 the defaults were chosen on")
    args = parser.parse_args()
    if "retrieval" in args.parts:
        retrieval(args.epochs, args.groups)
    if "speed" in args.parts:
        speed(args.items)


if __name__ == "__main__":
    main()

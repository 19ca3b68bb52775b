"""The main demo runs end to end on the embedded digits and says what it measured."""

import re

import pytest

from click.testing import CliRunner

from aekit.cli.main import cli


def _number(lines, label):
    for line in lines:
        if line.strip().startswith(label):
            return float(re.findall(r"\d+\.\d+", line.split(label, 1)[1])[0])
    raise AssertionError(f"no line starting with {label!r} in {lines}")


@pytest.mark.slow
def test_demo_compares_with_pca_and_draws(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--epochs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    ae, pca, ratio = (_number(lines, label) for label in ("auto-encoder", "PCA", "ratio"))
    assert abs(ratio - ae / pca) < 0.01
    verdict = "the auto-encoder beats PCA" if ae < pca else "does not beat PCA yet"
    assert verdict in result.output
    for name in ("reconstructions.png", "clusters.png", "vae_samples.png", "denoising.png",
                 "compression.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "model" / "config.json").exists()
    # the clustering step's accuracies are real fractions of the 5,000 digits; k-means
    # also runs on the codes of the reconstruction step's model (one model folder)
    for label in ("DeepClustering", "k-means on pixels", "k-means on auto-encoder codes"):
        assert 0.1 <= _number(lines, label) <= 1.0
    # the shipped de-noisers make both photos cleaner than their noisy copies
    denoised = [line for line in lines if "aekit (blind)" in line]
    assert len(denoised) == 2, lines
    for line in denoised:
        noisy, cleaned = (float(v) for v in re.findall(r"(\d+\.\d+) dB", line))
        assert cleaned > noisy + 5, line

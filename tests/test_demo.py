"""The main demo runs end to end on the embedded digits and reports against PCA."""

from click.testing import CliRunner

from aekit.cli.main import cli


def test_demo_compares_with_pca_and_draws(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--epochs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "PCA" in result.output and "x PCA's error" in result.output
    assert (tmp_path / "reconstructions.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "model" / "config.json").exists()


def test_demo_clustering_step_scores_against_kmeans(tmp_path):
    from aekit.apps.clusters import clustering_step

    result = clustering_step(tmp_path, epochs=1, verbose=False)
    assert any(line.strip().startswith("one-hot auto-encoder 0.") for line in result.lines)
    assert any(line.strip().startswith("k-means on pixels    0.") for line in result.lines)
    assert (tmp_path / "clusters.png").read_bytes()[:4] == b"\x89PNG"

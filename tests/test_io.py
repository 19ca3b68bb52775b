"""Save/load: identical outputs, never pickle, and clear errors for every damaged folder."""

import json

import numpy as np
import pytest
import torch

import aekit
from aekit.errors import ConfigError, ModelFileError
from tests.conftest import small_model


@pytest.fixture(scope="module")
def fitted(digits_X):
    return small_model().fit(digits_X)


@pytest.fixture
def saved(tmp_path, fitted):
    path = tmp_path / "model"
    fitted.save(path)
    return path


def test_save_then_load_gives_identical_outputs(saved, fitted, digits_X):
    loaded = aekit.load(saved)
    np.testing.assert_allclose(loaded.transform(digits_X), fitted.transform(digits_X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.reconstruct(digits_X), fitted.reconstruct(digits_X), rtol=1e-5, atol=1e-6)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.history_ == fitted.history_


def test_folder_holds_json_and_safetensors_only(saved):
    assert sorted(p.name for p in saved.iterdir()) == ["config.json", "model.safetensors"]
    config = json.loads((saved / "config.json").read_text())
    assert config["type"] == "autoencoder" and config["format_version"] == 1
    assert config["fitted"]["input_shape"] == [64]


def test_conv_model_round_trips(tmp_path, digit_images):
    model = small_model(architecture="conv", hidden=(4, 8)).fit(digit_images)
    model.save(tmp_path / "conv")
    np.testing.assert_allclose(aekit.load(tmp_path / "conv").reconstruct(digit_images[:5]),
                                  model.reconstruct(digit_images[:5]), rtol=1e-5, atol=1e-6)


def test_missing_folder_and_files_are_named(tmp_path, saved):
    with pytest.raises(ModelFileError, match="no model folder"):
        aekit.load(tmp_path / "nowhere")
    (saved / "model.safetensors").unlink()
    with pytest.raises(ModelFileError, match="model.safetensors is missing"):
        aekit.load(saved)
    (saved / "config.json").unlink()
    with pytest.raises(ModelFileError, match="config.json is missing"):
        aekit.load(saved)


def test_truncated_weights_are_caught(saved):
    weights = saved / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="model.safetensors does not match the checksum"):
        aekit.load(saved)


def test_tampered_weights_are_caught(saved):
    weights = saved / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        aekit.load(saved)


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(format_version=99), "format version 99"),
    (lambda c: c.update(type="gan"), "unknown model type 'gan'"),
    (lambda c: c.pop("fitted"), "lacks fitted"),
])
def test_wrong_version_or_type_is_named(saved, change, message):
    config = json.loads((saved / "config.json").read_text())
    change(config)
    (saved / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=message):
        aekit.load(saved)


def test_corrupt_json_is_named(saved):
    (saved / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="config.json is not readable JSON"):
        aekit.load(saved)


def test_weights_that_do_not_fit_the_config_are_named(saved):
    config = json.loads((saved / "config.json").read_text())
    config["params"]["hidden"] = [16]
    (saved / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="does not fit the model"):
        aekit.load(saved)


def test_loading_never_unpickles(saved, monkeypatch):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    aekit.load(saved)


def test_a_failed_save_leaves_the_previous_model_intact(saved, fitted, digits_X, monkeypatch):
    import errno
    import os
    from pathlib import Path

    from aekit.errors import OutputError

    before = {p.name: p.read_bytes() for p in saved.iterdir()}

    def crash(*args, **kwargs):  # the disk fills while the weights are written
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", crash)
    with pytest.raises(OutputError, match="model.safetensors': No space left on device"):
        fitted.save(saved)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in saved.iterdir()} == before
    aekit.load(saved)


def test_saving_onto_a_file_is_refused(tmp_path, fitted):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    with pytest.raises(ModelFileError, match="not a folder"):
        fitted.save(target)
    assert target.read_text() == "keep me"


def test_custom_modules_must_be_passed_back(tmp_path, digits_X):
    encoder = torch.nn.Linear(64, 3)
    decoder = torch.nn.Linear(3, 64)
    model = small_model(encoder=encoder, decoder=decoder).fit(digits_X)
    model.save(tmp_path / "custom")
    with pytest.raises(ConfigError, match="custom modules"):
        aekit.load(tmp_path / "custom")
    loaded = aekit.load(tmp_path / "custom", encoder=torch.nn.Linear(64, 3),
                        decoder=torch.nn.Linear(3, 64))
    np.testing.assert_allclose(loaded.transform(digits_X[:3]), model.transform(digits_X[:3]), rtol=1e-5, atol=1e-6)


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    from aekit._atomic import write_json

    write_json(tmp_path / "a.json", {"x": 1})
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o666 & ~mask

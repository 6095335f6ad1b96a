"""Loading what a person labels: image folders, arrays and CSV rows."""

import numpy as np
import pytest

from skactive.label import load_samples


def test_a_folder_of_images_becomes_one_input_shape(stripes):
    folder, truth = stripes
    (folder / "cat").mkdir()
    (folder / "img_00.png").rename(folder / "cat" / "first.png")
    (folder / "broken.png").write_bytes(b"not an image")
    samples = load_samples(folder, image_size=8)
    assert samples.kind == "image"
    assert samples.X.shape == (41, 1, 8, 8) and samples.X.dtype == np.float32
    assert 0.0 <= samples.X.min() and samples.X.max() <= 1.0
    # a file in a sub-folder is labeled by it; a file that is not an image is reported
    assert samples.labels == {"cat/first.png": "cat"}
    broken = samples.ids.index("broken.png")
    assert set(samples.errors) == {broken} and "broken.png" in samples.errors[broken]
    png = samples.image_png(samples.ids.index("img_01.png"))
    assert png.startswith(b"\x89PNG")


def test_rgb_keeps_three_channels(stripes):
    assert load_samples(stripes[0], image_size=6, rgb=True).X.shape == (40, 3, 6, 6)


def test_arrays_are_sequences_or_images(tmp_path):
    np.save(tmp_path / "seq.npy", np.arange(20.0).reshape(4, 5))
    sequences = load_samples(tmp_path / "seq.npy")
    assert sequences.kind == "sequence" and sequences.X.shape == (4, 1, 5)
    assert sequences.view(1)["values"] == [[5.0, 6.0, 7.0, 8.0, 9.0]]
    np.savez(tmp_path / "img.npz", X=np.arange(4 * 36).reshape(4, 6, 6))
    images = load_samples(tmp_path / "img.npz")
    assert images.kind == "image" and images.X.shape == (4, 1, 6, 6)
    assert images.image_png(0).startswith(b"\x89PNG")


def test_csv_rows_and_their_labels(tmp_path):
    (tmp_path / "rows.csv").write_text("a,label,b\n1,x,2\n3,,4\n")
    samples = load_samples(tmp_path / "rows.csv")
    assert samples.X.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert samples.labels == {"0": "x"}
    assert samples.view(1) == {
        "kind": "row",
        "index": 1,
        "id": "1",
        "values": [3.0, 4.0],
        "columns": ["a", "b"],
    }


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("notes.txt", "hello", "expected a folder"),
        ("rows.csv", "a,b\n1,x\n", "must be a number"),
        ("missing", None, "neither a folder nor a file"),
    ],
)
def test_bad_data_is_a_clear_error(tmp_path, name, content, match):
    if content is not None:
        (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=match):
        load_samples(tmp_path / name)


def test_image_size_is_checked(stripes):
    with pytest.raises(ValueError, match="image_size"):
        load_samples(stripes[0], image_size=2)

"""The torch networks of the search space (tests of skactive/networks.py)."""

import pytest
import torch

from skactive import Architecture
from skactive.networks import HomogeneousNet


def test_resnet18_has_eight_basic_blocks_and_doubling_widths():
    net = HomogeneousNet(Architecture("resnet", 2, 4), (3, 32, 32), n_classes=10, base_width=64)
    convs = [m for m in net.body.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(net.body) == 8
    assert sorted({c.out_channels for c in convs}) == [64, 128, 256, 512]
    x = torch.zeros(2, 3, 32, 32)
    assert net.stem(x).shape[-1] == 32
    assert net.body(net.stem(x)).shape == (2, 512, 4, 4)
    assert net(x).shape == (2, 10)
    plain = HomogeneousNet(Architecture("resnet", 2, 4), (3, 32, 32), 10, 64, pooling="global")
    assert plain.n_features_out == 512 and plain.head[1].in_features == 512


@pytest.mark.parametrize(
    "block,shape,n_features",
    [("resnet", (1, 8, 8), 16 * 5), ("resnet1d", (1, 40), 16 * 3), ("mlp", (13,), 16)],
)
def test_every_block_exposes_features_and_a_dropout_head(block, shape, n_features):
    net = HomogeneousNet(Architecture(block, 2, 3), shape, n_classes=3, base_width=4, dropout=0.5)
    x = torch.randn(5, *shape)
    net.eval()
    features = net.features(x)
    assert features.shape == (5, net.n_features_out) == (5, n_features)
    assert isinstance(net.head[0], torch.nn.Dropout) and net.head[0].p == 0.5
    torch.testing.assert_close(net(x), net.head(features))


@pytest.mark.parametrize("block,shape", [("resnet", (1, 9, 9)), ("resnet1d", (1, 9))])
def test_projection_shortcuts_are_strided_1x1_convolutions_without_a_strided_kernel(block, shape):
    # oneDNN's strided 1x1 weight gradient corrupts the heap on channels_last inputs with few
    # channels, so no network may hold one; the subsampled shortcut computes the same function.
    net = HomogeneousNet(Architecture(block, 1, 3), shape, n_classes=2, base_width=4).eval()
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Conv1d)]
    assert all(c.stride == (1,) * len(c.stride) for c in convs if c.kernel_size[0] == 1)
    block_module = net.body[1]
    projection, norm = block_module.shortcut
    x = torch.randn(3, 4, *shape[1:])
    conv = torch.nn.functional.conv2d if block == "resnet" else torch.nn.functional.conv1d
    strided = norm(conv(x, projection.weight, stride=2))
    out = torch.relu(
        block_module.bn2(block_module.conv2(torch.relu(block_module.bn1(block_module.conv1(x)))))
        + strided
    )
    torch.testing.assert_close(block_module(x), out)
    assert out.shape[-1] == 5


def test_resolution_never_drops_below_two():
    net = HomogeneousNet(Architecture("resnet", 1, 5), (1, 8, 8), n_classes=2, base_width=2)
    out = net.body(net.stem(torch.zeros(1, 1, 8, 8)))
    assert out.shape[-2:] == (2, 2)


def test_wrong_input_rank_is_a_clear_error():
    with pytest.raises(ValueError, match="input_shape"):
        HomogeneousNet(Architecture("resnet", 1, 1), (64,), n_classes=2)


@pytest.mark.parametrize(
    "block,shape,pooling,per_channel",
    [
        ("resnet", (1, 8, 8), "pyramid", 5),
        ("resnet", (1, 8, 8), "global", 1),
        ("resnet1d", (1, 40), "pyramid", 3),
        ("resnet1d", (1, 40), "global", 1),
        ("mlp", (12,), "pyramid", 1),
    ],
)
def test_pooling_sets_the_features_per_channel(block, shape, pooling, per_channel):
    net = HomogeneousNet(Architecture(block, 1, 2), shape, 3, base_width=4, pooling=pooling)
    features = net.features(torch.zeros(2, *shape))
    assert features.shape == (2, 8 * per_channel) and net.n_features_out == 8 * per_channel
    assert net(torch.zeros(2, *shape)).shape == (2, 3)


def test_pyramid_pooling_keeps_where_a_feature_lies_and_global_does_not():
    left, right = torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 8, 8)
    left[..., :, :4], right[..., :, 4:] = 1.0, 1.0
    for pooling, differ in (("pyramid", True), ("global", False)):
        net = HomogeneousNet(Architecture("resnet", 1, 1), (1, 8, 8), 2, pooling=pooling)
        net.body = torch.nn.Identity()
        net.stem = torch.nn.Identity()
        assert (not torch.equal(net.features(left), net.features(right))) is differ


def test_an_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling must be one of"):
        HomogeneousNet(Architecture("resnet", 1, 1), (1, 8, 8), 2, pooling="max")


def test_head_samples_are_masked_heads_and_training_masks_follow_the_generator():
    net = HomogeneousNet(Architecture("mlp", 1, 1), (6,), n_classes=3, base_width=4, dropout=0.5)
    net.eval()
    features = net.features(torch.randn(5, 6))
    samples = net.head_samples(features, 4, torch.Generator().manual_seed(0))
    assert samples.shape == (4, 5, 3)
    assert not torch.allclose(samples[0], samples[1]), "every pass draws its own mask"
    again = net.head_samples(features, 4, torch.Generator().manual_seed(0))
    torch.testing.assert_close(samples, again)
    # In training, the masks come from the generator set for the block, and from no other.
    net.train()
    x = torch.randn(8, 6)
    with net.dropout_generator(torch.Generator().manual_seed(1)):
        first = net.head(net.features(x).detach())
    with net.dropout_generator(torch.Generator().manual_seed(1)):
        second = net.head(net.features(x).detach())
    torch.testing.assert_close(first, second)
    assert net.head[0].generator is None  # released: a trained network must pickle


@pytest.mark.parametrize("shape", [(3, 5, 7, 7), (3, 5, 4, 4), (2, 4, 5), (2, 4, 10)])
def test_pyramid_pooling_is_adaptive_pooling_without_its_nondeterministic_backward(
    shape, monkeypatch
):
    dims = len(shape) - 2
    x = torch.randn(*shape)
    pool = torch.nn.AdaptiveAvgPool2d if dims == 2 else torch.nn.AdaptiveAvgPool1d
    expected = torch.cat([pool(side)(x).flatten(1) for side in (1, 2)], dim=1)

    def refuse(*args, **kwargs):
        raise AssertionError("adaptive pooling has no deterministic CUDA backward")

    # Spies: the network must pool without them, so deterministic algorithms can be enforced.
    for name in ("adaptive_avg_pool1d", "adaptive_avg_pool2d"):
        monkeypatch.setattr(torch.nn.functional, name, refuse)
    monkeypatch.setattr(torch, "adaptive_avg_pool1d", refuse)
    net = HomogeneousNet(
        Architecture("resnet1d" if dims == 1 else "resnet", 1, 1),
        shape[1:],
        n_classes=3,
        base_width=4,
    )
    torch.testing.assert_close(net.pool(x), expected)

"""The search space: architectures, their layouts and neighbours (tests of search_space.py)."""

import json

import pytest

from skactive import Architecture
from skactive.search_space import BLOCKS, neighbours, parse_layout, resolve_block


def test_neighbours_follow_the_paper_rule():
    a = Architecture("resnet", 2, 4)
    assert neighbours(a) == (a, Architecture("resnet", 2, 5), Architecture("resnet", 3, 4))
    # floor(i*j/(j+1)) + 1 with i=3, j=2: floor(6/3) + 1 = 3
    assert neighbours(Architecture("mlp", 3, 2))[1] == Architecture("mlp", 3, 3)
    # A(1,1) -> A(floor(1/2)+1, 2) = A(1, 2)
    assert neighbours(Architecture("mlp", 1, 1))[1] == Architecture("mlp", 1, 2)


@pytest.mark.parametrize("i,j", [(1, 1), (2, 3), (5, 4), (12, 5), (11, 5), (12, 4)])
def test_neighbours_stay_in_bounds_and_never_shrink(i, j):
    a = Architecture("resnet", i, j)
    for candidate in neighbours(a, max_blocks=12, max_stacks=5):
        assert candidate.n_blocks <= 12 and candidate.n_stacks <= 5
        assert candidate.depth >= a.depth
        assert candidate.block == a.block


def test_corner_of_the_space_has_only_itself():
    top = Architecture("resnet", 12, 5)
    assert neighbours(top) == (top,)
    assert neighbours(Architecture("resnet", 3, 3), max_blocks=3, max_stacks=3) == (
        Architecture("resnet", 3, 3),
    )


def test_architecture_is_an_ordered_hashable_value():
    a, b = Architecture("resnet", 1, 2), Architecture("resnet", 2, 4)
    assert a < b and sorted([b, a]) == [a, b]
    assert {a: 1}[Architecture("resnet", 1, 2)] == 1
    assert str(b) == "A(resnet, 2, 4)"
    assert b.to_dict() == {"block": "resnet", "n_blocks": 2, "n_stacks": 4}
    with pytest.raises(AttributeError):
        a.n_blocks = 3


@pytest.mark.parametrize(
    "args", [("vgg", 1, 1), ("resnet", 0, 1), ("resnet", 1, 0), ("mlp", 1.5, 1), ("mlp", True, 1)]
)
def test_architecture_rejects_bad_values(args):
    with pytest.raises(ValueError):
        Architecture(*args)


def test_resolve_block_from_sample_shape():
    assert resolve_block("auto", (3, 32, 32)) == "resnet"
    assert resolve_block("auto", (1, 40)) == "resnet1d"
    assert resolve_block("auto", (64,)) == "mlp"
    assert resolve_block("mlp", (3, 32, 32)) == "mlp"


@pytest.mark.parametrize("block", BLOCKS)
def test_architecture_dict_round_trip(block):
    a = Architecture(block, 3, 2)
    assert Architecture.from_dict(a.to_dict()) == a
    assert Architecture.from_dict(json.loads(json.dumps(a.to_dict()))) == a


@pytest.mark.parametrize(
    "d,error,message",
    [
        (["resnet", 1, 1], TypeError, "must be a dict"),
        ({"block": "resnet", "n_blocks": 1}, ValueError, r"lacks \['n_stacks'\]"),
        ({"block": "mlp", "n_blocks": 1, "n_stacks": 1, "width": 8}, ValueError, "'width'"),
        ({"block": "vgg", "n_blocks": 1, "n_stacks": 1}, ValueError, "block must be one of"),
        ({"block": "mlp", "n_blocks": 0, "n_stacks": 1}, ValueError, "n_blocks must be"),
        ({"block": "mlp", "n_blocks": 1, "n_stacks": "2"}, ValueError, "n_stacks must be"),
        ({"block": "mlp", "n_blocks": True, "n_stacks": 1}, ValueError, "n_blocks must be"),
    ],
)
def test_architecture_from_dict_rejects_bad_input(d, error, message):
    with pytest.raises(error, match=message):
        Architecture.from_dict(d)


@pytest.mark.parametrize(
    "spec",
    [
        "2x4",
        "2X4",
        (2, 4),
        Architecture("resnet1d", 2, 4),
        {"block": "mlp", "n_blocks": 2, "n_stacks": 4},
    ],
)
def test_parse_layout_reads_every_form_of_a_layout(spec):
    assert parse_layout(spec) == (2, 4)


@pytest.mark.parametrize(
    "spec, error",
    [
        ("2by4", ValueError),
        ("0x4", ValueError),
        ((2, 0), ValueError),
        ([2, 4], TypeError),
        ((2.0, 4), TypeError),
        ((True, 4), TypeError),
        ({"n_blocks": 2}, ValueError),
    ],
)
def test_parse_layout_refuses_malformed_layouts(spec, error):
    with pytest.raises(error):
        parse_layout(spec)

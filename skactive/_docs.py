"""The parameter entries that ActiveINASClassifier and ActiveINASRegressor share, written once."""

from __future__ import annotations

import inspect

_FACE_DEFAULTS = ("min_steps",)
"""Parameters whose default in a shared entry, written ``{name}``, is each face's own."""

_SHARED_DOCS = {
    "search_parameters": """\
    block : {"auto", "resnet", "resnet1d", "mlp"}, default="auto"
        Block type B. ``"auto"`` picks ``"resnet"`` for images (4-D input or a 3-D
        ``input_shape``), ``"resnet1d"`` for sequences (3-D input or a 2-D ``input_shape``) and
        ``"mlp"`` for flat features.
    initial_architecture : tuple of (int, int) or Architecture, default=(1, 1)
        Where the first search starts, as (n_blocks, n_stacks) or an Architecture.
    max_blocks : int, default=12
        Largest number of blocks per stack in the search space.
    max_stacks : int, default=5
        Largest number of stacks in the search space.
    inas_iterations : int, default=1
        T_iNAS, the largest number of search steps per fit or teach. 0 freezes the
        architecture at ``initial_architecture``: a fixed-network baseline.
    validation_fraction : float, default=0.2
        Fraction of the labeled set held out to compare candidates.
    min_validation_size : int, default=100
        Labeled samples the search validates on where the labeled set allows: while the
        held-out fraction is smaller, candidates are compared on several disjoint folds, at
        most ``1 / validation_fraction`` (:func:`skactive.inas.validation_splits`). With the
        defaults, 200 labels use 3 folds, 400 use 2, 500 or more one split; 0 is the paper's
        single split.
    candidate_budget : float, default=0.25
        Fraction of the final network's training budget (its epochs, at least one) that each
        candidate of a search step trains for, on its own cosine schedule. 1.0 trains
        candidates as long as the final network, as the paper does.
    reuse_winner : bool, default=True
        When True, the winner of the search goes on training on all labels from where its
        candidate stopped, for the rest of the final budget and at least a quarter of it (a
        warm restart of the schedule), instead of training anew. A classifier's winner
        goes on only when compared on one split: after folds (``min_validation_size``) its
        candidate's network never saw one fold's labels, and the winner trains anew (a
        regressor's goes on, which measured better).
        :data:`~skactive.PAPER_SEARCH` (False, ``candidate_budget=1.0``,
        ``min_validation_size=0``) is the paper's search, about 3.4 trainings per round where
        a fixed network needs one; the defaults cost about 1.35 (see the engine page of the
        documentation).
""",
    "network_parameters": """\
    input_shape : tuple of int or None, default=None
        Shape of one sample as the network sees it, e.g. ``(1, 8, 8)`` to read flat rows of
        64 pixels as images. ``None`` uses the shape of the input.
    base_width : int, default=16
        Channels (or units) of the first stack; each new stack doubles it, up to 8 times.
    dropout : float, default=0.25
        Dropout before the linear head; MC-dropout samples it.
    pooling : {"pyramid", "global"}, default="pyramid"
        How ``resnet`` and ``resnet1d`` networks pool their last stack before the head.
        ``"pyramid"`` concatenates the global average of each channel with its averages over
        a 2x2 grid (2 halves of a sequence), so a small network still knows where a feature
        lies; ``"global"`` is ResNet's global average (with ``base_width=64``,
        A(resnet, 2, 4) is then exactly ResNet-18). Ignored by ``mlp``.
    max_epochs : int or "auto", default="auto"
        Training epochs of the final network; the search's candidates train for
        ``candidate_budget`` times as many. ``"auto"`` gives enough epochs for ``min_steps``
        optimizer steps on all labels, and at least 30
        (:func:`skactive.training.training_budget`): at 1,200 steps, 100 labels train for 172
        epochs, 5,000 for 30. An integer is used as given.
    batch_size : int or "auto", default="auto"
        Training batch size. ``"auto"`` is the training set's size divided by 8, clipped to
        [16, 128]; an integer is used as given. When a network does not fit in GPU memory,
        its training is retried with half the batch size, with a warning (see
        :func:`skactive.training.train_net_with_oom_retry`).
    min_steps : int, default={min_steps}
        Optimizer steps that ``max_epochs="auto"`` guarantees each training; ignored when
        ``max_epochs`` is an integer. The regressor's default is half the classifier's
        (:data:`skactive.training.REGRESSION_MIN_STEPS`): its rows are not augmented.
    lr : float, default=1e-2
        Peak learning rate, decayed along a cosine.
    optimizer : {"adamw", "adam", "sgd"}, default="adamw"
        Optimizer of every network.
    weight_decay : float or "auto", default="auto"
        Weight decay of the optimizer. ``"auto"`` is 0.05 for AdamW, whose decay is
        decoupled (each step shrinks the weights by ``lr * weight_decay``), and 5e-4 for
        Adam and SGD, which add it to the gradient
        (:data:`skactive.training.WEIGHT_DECAYS`); the regressor's AdamW decays by 2.0, which
        keeps a network from fitting the noise of a few hundred targets
        (:data:`skactive.training.REGRESSION_WEIGHT_DECAYS`).
    device : str, default="auto"
        Torch device; ``"auto"`` trains on CUDA when it is available, else on the CPU. With
        ``"cuda"`` and several GPUs, the candidates of a search step go to the GPUs in turn.
    precision : {"auto", "bf16", "fp32"}, default="auto"
        Autocast of every forward pass, training and inference: ``"auto"`` is bfloat16 on a
        GPU that supports it and float32 on the CPU. Weights stay in float32.
    augment : bool or "crop", default="crop"
        Augmentation of each training batch, drawn on the device, for the ``"resnet"`` block
        on images only. ``"crop"``: random crops (shifts of up to an eighth of the side,
        zero-padded), which lift ResNet-18's layout A(resnet, 2, 4) by 3 to 4 points on 100
        digits; ``True``: crops and horizontal flips, for natural images (CIFAR);
        ``False``: none. Crops alone are the default because a mirrored digit or letter
        is another symbol.
""",
    "loop_parameters": """\
    compile : bool, default=False
        Compile every network with :func:`torch.compile`: faster steps after tens of seconds
        of compilation per architecture, worth it for long trainings only.
    warm_start : bool, default=False
        When True and already fitted, ``fit`` starts the search at ``architecture_`` instead of
        ``initial_architecture``, so a loop that refits on the whole labeled set (modAL's
        ``ActiveLearner``) still gets a search whose depth never decreases.
    n_jobs : int or None, default=None
        Candidates of a search step trained at once, in threads (on the CPU each with its
        share of torch's threads; on CUDA each on its own stream). None trains them all at
        once on CUDA and one after the other on the CPU. A ``joblib.parallel_config`` of
        the user's (processes, dask) takes precedence.
""",
    "checkpoint_parameters": """\
    checkpoint_dir : str, path-like or None, default=None
        Directory of a durable checkpoint. ``fit`` and ``teach`` write the new labels there
        (temporary file, fsync, atomic rename) before any training starts, and the
        architecture, search history and weights once training has finished, so a process
        killed at any moment loses no label: :meth:`from_checkpoint` restores them. The
        labeled set in a checkpoint is only ever appended to: ``fit`` refuses a directory
        holding labels that are not the first ones of its ``(X, y)``. Nothing is pickled.
        Each ``fit`` and ``teach`` locks the directory until its model is saved, so another
        estimator or process writing there meanwhile gets a
        :class:`~skactive.checkpoint.CheckpointLockedError` (see :mod:`skactive.checkpoint`).
""",
    "seed_parameters": """\
    random_state : int, RandomState instance or None, default=None
        Seeds the splits, the networks' training and the randomised queries; an int gives
        the same architectures, predictions and queries on every run on the CPU.
    verbose : int, default=0
        Print one line per search when positive.
""",
}


def fill_shared_docs(cls):
    """Write the parameters the twins share into ``cls``'s docstring, once for both.

    A line ``%(name)s`` of the docstring (indented as a parameter) is replaced by the entries
    of that name: ``search_parameters``, ``network_parameters``, ``loop_parameters``,
    ``checkpoint_parameters`` and ``seed_parameters``. A default written ``{min_steps}`` in
    them becomes that of ``cls.__init__``.

    Parameters
    ----------
    cls : type
        An estimator class.

    Returns
    -------
    type
        ``cls``, its docstring filled in.
    """
    doc = cls.__doc__
    for name, text in _SHARED_DOCS.items():
        doc = doc.replace(f"    %({name})s\n", text)
    # A default that differs between the twins is read from the signature, so the entry
    # written once states each face's own.
    parameters = inspect.signature(cls.__init__).parameters
    for name in _FACE_DEFAULTS:
        doc = doc.replace(f"{{{name}}}", repr(parameters[name].default))
    cls.__doc__ = doc
    return cls

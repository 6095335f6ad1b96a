"""BADGE: k-means++ seeding on gradient embeddings of the last layer (Ash et al., 2020).

The gradient of the cross-entropy loss at the predicted label ``yhat`` with respect to the
weights of the last linear layer is the outer product ``(p - onehot(yhat)) ⊗ h`` of the
prediction residual and the penultimate features. Its squared distances factor as
``<a_i ⊗ h_i, a_j ⊗ h_j> = <a_i, a_j> <h_i, h_j>``, so the seeding works on the two factors and
never builds the ``n_classes * n_features`` columns of the embedding: on 50,000 samples with
512 features and 100 classes that is 50,000 x 612 numbers instead of 50,000 x 51,200.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, validate_params

from ._base import (
    check_n_instances,
    network_estimator,
    pool_result,
    proba_and_features,
    torch_generator,
)
from ._docs import fill_doc


@validate_params({"proba": ["array-like"]}, prefer_skip_nested_validation=True)
@fill_doc
def prediction_residual(proba: np.ndarray) -> np.ndarray:
    """``p - onehot(argmax p)``: the gradient of the cross-entropy at the predicted label.

    Parameters
    ----------
    %(proba)s

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        The gradient of ``-log p_yhat`` with respect to the logits, ``yhat = argmax p``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import prediction_residual
    >>> prediction_residual(np.array([[0.7, 0.2, 0.1]]))
    array([[-0.3,  0.2,  0.1]])
    """
    residual = np.array(proba, copy=True)
    residual[np.arange(len(residual)), residual.argmax(axis=1)] -= 1.0
    return residual


@validate_params(
    {"proba": ["array-like"], "features": ["array-like"]}, prefer_skip_nested_validation=True
)
def gradient_embedding(proba: np.ndarray, features: np.ndarray) -> np.ndarray:
    """BADGE's gradient embedding: the last-layer weight gradient at the predicted label.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Predicted class probabilities, ``softmax(W h + b)``.
    features : ndarray of shape (n_samples, n_features)
        Penultimate features ``h``, the input of the last linear layer.

    Returns
    -------
    ndarray of shape (n_samples, n_classes * n_features)
        Row ``i`` is ``d/dW CrossEntropy(W h_i + b, yhat_i)`` flattened in the layout of
        ``W`` (class-major), that is ``prediction_residual(p)_i ⊗ h_i``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import gradient_embedding
    >>> gradient_embedding(np.array([[0.75, 0.25]]), np.array([[2.0, 4.0]]))
    array([[-0.5, -1. ,  0.5,  1. ]])
    """
    residual = prediction_residual(proba)
    features = np.asarray(features)
    return (residual[:, :, None] * features[:, None, :]).reshape(len(features), -1)


@validate_params(
    {
        "features": ["array-like"],
        "n_instances": [Interval(Integral, 1, None, closed="left")],
        "outer": ["array-like", None],
        "device": "no_validation",
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
@fill_doc
def kmeanspp_seeding(
    features, n_instances: int, *, outer=None, device=None, random_state=None
) -> np.ndarray:
    """k-means++ seeding (D² sampling) of ``n_instances`` points, as BADGE selects its batch.

    The first point is the one of largest norm, as in the authors' code; each further point is
    drawn with probability proportional to its squared distance to the nearest point already
    picked (Arthur & Vassilvitskii, 2007). Each step costs one matrix-vector product on
    ``device``.

    Parameters
    ----------
    features : ndarray or torch.Tensor of shape (n_samples, n_features)
        The points, or with ``outer`` the second factor of each point.
    n_instances : int
        Number of points to pick.
    outer : ndarray or torch.Tensor of shape (n_samples, n_outer) or None, default=None
        When given, point ``i`` is the flattened outer product ``outer_i ⊗ features_i``,
        which is never built (BADGE passes :func:`prediction_residual` here).
    %(device)s
    random_state : int, RandomState instance or None, default=None
        Seeds the draws, through a torch generator of their own.

    Returns
    -------
    ndarray of shape (n_instances,)
        Indices of the picked points, in the order picked, without repeats.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import kmeanspp_seeding
    >>> points = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [10.1, 0.0], [0.0, 20.0]])
    >>> sorted(kmeanspp_seeding(points, 3, random_state=0).tolist()) in ([0, 2, 4], [1, 2, 4],
    ...                                                                 [0, 3, 4], [1, 3, 4])
    True
    """
    h = torch.as_tensor(features, device=device)
    n_instances = check_n_instances(n_instances, len(h))
    a = None if outer is None else torch.as_tensor(outer, device=h.device).to(h.dtype)
    if a is not None and len(a) != len(h):
        raise ValueError(f"outer has {len(a)} rows, but features has {len(h)}.")
    sq_norms = (h * h).sum(dim=1)
    if a is not None:
        sq_norms = sq_norms * (a * a).sum(dim=1)
    generator = torch_generator(random_state, h.device)
    nearest = torch.full_like(sq_norms, torch.inf)
    unpicked = torch.ones_like(sq_norms)
    selected = torch.empty(n_instances, dtype=torch.long, device=h.device)
    index = torch.argmax(sq_norms).view(1)
    for step in range(n_instances):
        # Indices stay on the device: no host synchronisation inside the loop.
        selected[step] = index[0]
        dot = (h @ h.index_select(0, index).T)[:, 0]
        if a is not None:
            dot = dot * (a @ a.index_select(0, index).T)[:, 0]
        distance = (sq_norms + sq_norms.index_select(0, index) - 2.0 * dot).clamp_min_(0.0)
        nearest = torch.minimum(nearest, distance)
        nearest.index_fill_(0, index, 0.0)
        unpicked.index_fill_(0, index, 0.0)
        if step + 1 < n_instances:
            # When every unpicked point coincides with a picked one, draw among them uniformly.
            weights = torch.where(nearest.sum() > 0, nearest, unpicked)
            index = torch.multinomial(weights, 1, generator=generator)
    return selected.cpu().numpy()


@fill_doc
def badge(
    classifier, X_pool, n_instances: int = 1, random_state=None, return_utilities: bool = False
):
    """Query a batch that is both uncertain and diverse: BADGE (Ash et al., 2020).

    Each pool sample is represented by its :func:`gradient_embedding`, the gradient of the
    loss at the predicted label with respect to the last layer (large when the network is
    unsure, pointing in different directions for different samples), and the batch is picked
    by :func:`kmeanspp_seeding` in that space. The network runs batch by batch in eval mode on
    its device; the seeding runs there too, on the two factors of the embedding.

    The seeding needs a global view, but only of the two factors: memory holds
    ``n_classes + n_features`` float32 values per pool sample (612 for 100 classes and 512
    features: 2.4 GB for a pool of 1,000,000), never the pool itself nor the
    ``n_classes * n_features`` columns of the embedding. A memmap or dask array pool is run
    through the network chunk by chunk (:func:`skactive.pool.map_pool`, on the dask workers for
    a dask array), and the factors are gathered where ``badge`` runs.

    Parameters
    ----------
    %(classifier_network)s
    %(X_pool_network)s
    %(n_instances)s
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means++ draws.
    return_utilities : bool, default=False
        Also return every pool sample's utility: the norm of its gradient embedding, the
        criterion of the first pick.

    Returns
    -------
    %(indices_picked)s
    %(samples)s
    %(utilities)s

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveINASClassifier
    >>> from skactive.strategies import badge
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ActiveINASClassifier(input_shape=(1, 8, 8), base_width=4, max_epochs=1,
    ...                            inas_iterations=0, random_state=0).fit(X[:50] / 16, y[:50])
    >>> indices, samples = badge(clf, X[50:150] / 16, n_instances=3, random_state=0)
    >>> len(set(indices.tolist()))
    3
    """
    n_instances = check_n_instances(n_instances, len(X_pool))
    estimator = network_estimator(classifier, "badge")
    proba, features = proba_and_features(estimator, X_pool)
    residual = prediction_residual(proba)
    indices = kmeanspp_seeding(
        features,
        n_instances,
        outer=residual,
        device=estimator.net_.device,
        random_state=random_state,
    )
    utilities = None
    if return_utilities:
        # |a ⊗ h| = |a| |h|: the embedding's norm without building it.
        utilities = np.linalg.norm(residual, axis=1) * np.linalg.norm(features, axis=1)
    return pool_result(X_pool, indices, utilities)

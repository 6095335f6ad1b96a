"""The skorch networks: skorch's loop with a device-resident data path, precision and layout.

:class:`DeviceNeuralNet` holds the rungs that differ from skorch's; the classifier and the
regressor are skorch's twins with them, as ``NeuralNetClassifier`` and ``NeuralNetRegressor``
are over ``NeuralNet``.
"""

from __future__ import annotations

import torch
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import is_dataset, to_tensor

from ..loss_prediction import LOSS_WEIGHT, STOP_GRADIENT_FRACTION, ranking_loss
from .config import resolve_precision
from .data import DeviceDataset


class DeviceNeuralNet(NeuralNet):
    """skorch's net with the data path, precision and layout of a fast GPU loop.

    The training loop is skorch's own; only the rungs below differ. On the CPU with
    ``precision="fp32"`` it computes what a plain skorch net with a shuffled batch iterator
    computes. :class:`DeviceNeuralNetClassifier` and :class:`DeviceNeuralNetRegressor` are
    the ones to build.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        As for :class:`skorch.NeuralNet`.
    *args
        Passed to skorch.
    precision : {"auto", "bf16", "fp32"}, default="auto"
        Autocast of the forward pass, resolved against the device at each use, so a network
        trained on a GPU and unpickled on a CPU-only machine predicts in float32.
    stop_loss_gradient : float, default=0.6
        Only for a module with a loss-prediction head (``HomogeneousNet(loss_prediction=
        True)``), which then trains jointly with the network on the mean cross-entropy plus
        :func:`~skactive.loss_prediction.ranking_loss` of its predictions against the
        per-sample cross-entropies (λ = 1): the share of each training's epochs after which
        the ranking loss trains the head alone, its inputs detached from the network (the
        paper's epoch 120 of 200). A training that goes on from an earlier one
        (:func:`continue_training`) counts its own epochs.
    **kwargs
        Passed to skorch; set ``iterator_train`` and ``iterator_valid`` to
        :class:`DeviceBatchIterator`.
    """

    def __init__(
        self,
        module,
        *args,
        precision="auto",
        stop_loss_gradient=STOP_GRADIENT_FRACTION,
        **kwargs,
    ):
        super().__init__(module, *args, **kwargs)
        self.precision = precision
        self.stop_loss_gradient = stop_loss_gradient

    def autocast(self):
        """Autocast context of the forward pass: bf16 when ``precision`` resolves to it.

        Returns
        -------
        torch.autocast
            A context manager, disabled for fp32.
        """
        device_type = torch.device(self.device).type
        enabled = resolve_precision(self.precision, self.device) == "bf16"
        return torch.autocast(device_type, dtype=torch.bfloat16, enabled=enabled)

    def to_memory_layout(self, x):
        """Put a batch of images in channels_last layout, which convolutions prefer.

        Faster on every device: on tensor cores, and also on the CPU (0.69 to 0.86 times the
        time of a training step of A(resnet, 1, 2) and A(resnet, 2, 4) on 28x28 images, one
        thread).

        Parameters
        ----------
        x : torch.Tensor or other batch
            A batch on the net's device.

        Returns
        -------
        torch.Tensor or other batch
            The same values; only the memory layout of 4-D tensors changes.
        """
        if isinstance(x, torch.Tensor) and x.ndim == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x

    def initialize_module(self):
        """Build the module as skorch does, in channels_last layout (see :meth:`to_memory_layout`).

        Returns
        -------
        self : DeviceNeuralNet
        """
        super().initialize_module()
        self.module_ = self.module_.to(memory_format=torch.channels_last)
        return self

    def torch_compile(self, module, name):
        """Compile ``module_`` in place when ``compile=True``.

        ``nn.Module.compile`` keeps the module's class, its ``features`` and ``head`` and its
        parameter names, unlike skorch's default wrapper.

        Parameters
        ----------
        module : torch.nn.Module
            The module or criterion.
        name : str
            Its name in the net; only ``"module"`` is compiled.

        Returns
        -------
        torch.nn.Module
            The same module.
        """
        if self.compile and name == "module":
            module.compile(**self.get_params_for("compile"))
        return module

    def _set_training(self, training=True):
        # skorch sets the mode before every batch, and nn.Module.train walks every submodule
        # through nn.Module.__setattr__: on a GPU that host time per step is comparable to a
        # small network's whole step, so switch only when the mode changes.
        if self.module_.training != training:
            super()._set_training(training)

    def get_dataset(self, X, y=None):
        """Wrap ``(X, y)`` in a :class:`DeviceDataset` on the net's device.

        Parameters
        ----------
        X : array-like, torch.Tensor or Dataset
            Samples. A :class:`DeviceDataset` is returned unchanged; any other Dataset of
            ``(sample, label)`` pairs is read once, item by item, into one, since the batch
            iterator slices whole tensors on the device.
        y : array-like, torch.Tensor or None, default=None
            Labels; ignored for a Dataset, which carries its own.

        Returns
        -------
        DeviceDataset
            The data, moved to the device once (images in channels_last layout).
        """
        if isinstance(X, DeviceDataset):
            return X
        if is_dataset(X):
            items = [X[i] for i in range(len(X))]
            X = torch.stack([torch.as_tensor(sample) for sample, _ in items])
            y = None if items[0][1] is None else torch.as_tensor([label for _, label in items])
        dataset = DeviceDataset(X, y, device=self.device)
        # Row slices of a channels_last tensor stay channels_last: no layout change per batch.
        dataset.X = self.to_memory_layout(dataset.X)
        return dataset

    def trains_loss_head(self) -> bool:
        """Whether the module's loss-prediction head is being trained now.

        Returns
        -------
        bool
            True in training mode with gradients on, for a module with a ``loss_head``.
        """
        module = self.module_
        return (
            module.training
            and torch.is_grad_enabled()
            and getattr(module, "loss_head", None) is not None
        )

    def infer(self, x, **fit_params):
        """Forward a batch under autocast and return float32 scores.

        While a loss-prediction head trains (:meth:`trains_loss_head`), the scores come with
        the head's predicted losses, from the same pass.

        Parameters
        ----------
        x : torch.Tensor
            A batch on the net's device.
        **fit_params : dict
            Passed to the module.

        Returns
        -------
        torch.Tensor or tuple of torch.Tensor
            The module's output in float32, so the loss is computed in full precision; while
            the loss head trains, ``(logits, predicted_loss)``.
        """
        x = self.to_memory_layout(x)
        with self.autocast():
            if self.trains_loss_head():
                stopped = getattr(self, "loss_gradient_stopped_", False)
                logits, predicted = self.module_.forward_with_loss(x, detach=stopped)
                return logits.float(), predicted.float()
            return super().infer(x, **fit_params).float()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The criterion's loss, plus the ranking loss of predicted losses when given them.

        Parameters
        ----------
        y_pred : torch.Tensor or tuple of torch.Tensor
            Scores, or ``(logits, predicted_loss)`` from :meth:`infer`.
        y_true : torch.Tensor
            Class indices, or soft labels (mixup).
        X : object, default=None
            The batch, passed on to skorch.
        training : bool, default=False
            Whether the loss is for training, passed on to skorch.

        Returns
        -------
        torch.Tensor
            For a pair, ``mean(l) + λ ranking_loss(predicted_loss, l)`` with ``l`` the
            per-sample cross-entropies (Yoo & Kweon, 2019); else skorch's loss.
        """
        if not isinstance(y_pred, tuple):
            return super().get_loss(y_pred, y_true, X=X, training=training)
        logits, predicted = y_pred
        losses = torch.nn.functional.cross_entropy(
            logits, to_tensor(y_true, device=self.device), reduction="none"
        )
        return losses.mean() + LOSS_WEIGHT * ranking_loss(predicted, losses)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Note the first epoch of this training, from which :meth:`on_epoch_begin` counts.

        Parameters
        ----------
        net : DeviceNeuralNet
            This net.
        X, y : object, default=None
            The training data.
        **kwargs : dict
            skorch's other arguments.
        """
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.first_epoch_ = len(self.history)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Record the epoch, and stop the loss head's gradient to the body once it is due.

        From epoch ``ceil(stop_loss_gradient * max_epochs)`` of this training on (counted
        from 0), the ranking loss trains the loss head only.

        Parameters
        ----------
        net : DeviceNeuralNet
            This net.
        dataset_train, dataset_valid : Dataset or None, default=None
            The epoch's data.
        **kwargs : dict
            skorch's other arguments.
        """
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        epoch = len(self.history) - 1 - getattr(self, "first_epoch_", 0)
        self.loss_gradient_stopped_ = epoch >= self.stop_loss_gradient * self.max_epochs

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator`` that reads the losses back once, at its end.

        skorch's version calls ``loss.item()`` after every batch, which makes the host wait
        for the GPU; here each batch records its loss as a device tensor, and the epoch's
        losses are copied to the host in one transfer before the epoch's callbacks run.

        Parameters
        ----------
        iterator : iterable or None
            Batches; None skips the pass.
        training : bool
            Whether this is a training pass.
        prefix : str
            ``"train"`` or ``"valid"``, prefix of the history keys.
        step_fn : callable
            ``step_fn(batch, **fit_params)`` returns a dict with the batch ``"loss"``.
        **fit_params : dict
            Passed to ``step_fn``.
        """
        if iterator is None:
            return
        losses = []
        try:
            for batch in iterator:
                self.notify("on_batch_begin", batch=batch, training=training)
                step = step_fn(batch, **fit_params)
                losses.append(step["loss"].detach())
                self.history.record_batch(prefix + "_loss", losses[-1])
                self.history.record_batch(prefix + "_batch_size", len(batch[0]))
                self.notify("on_batch_end", batch=batch, training=training, **step)
        finally:
            # Even when the epoch is interrupted (skorch swallows KeyboardInterrupt), the
            # history must hold floats: a device tensor left there would keep a pickled net
            # from loading where that device is absent.
            if losses:
                records = self.history[-1]["batches"][-len(losses) :]
                for record, loss in zip(records, torch.stack(losses).tolist()):
                    record[prefix + "_loss"] = loss
        self.history.record(prefix + "_batch_count", len(losses))


class DeviceNeuralNetClassifier(DeviceNeuralNet, NeuralNetClassifier):
    """:class:`DeviceNeuralNet` as skorch's classifier: class indices, cross-entropy.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        As for :class:`skorch.NeuralNetClassifier`.
    *args
        Passed to :class:`DeviceNeuralNet` and :class:`skorch.NeuralNetClassifier`.
    **kwargs
        Passed to :class:`DeviceNeuralNet` and :class:`skorch.NeuralNetClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skactive.training import DeviceBatchIterator, DeviceNeuralNetClassifier
    >>> net = DeviceNeuralNetClassifier(
    ...     torch.nn.Linear, module__in_features=2, module__out_features=2,
    ...     criterion=torch.nn.CrossEntropyLoss, max_epochs=2, verbose=0,
    ...     iterator_train=DeviceBatchIterator, iterator_valid=DeviceBatchIterator,
    ...     train_split=None)
    >>> net = net.fit(np.zeros((8, 2), dtype=np.float32), np.array([0, 1] * 4))
    >>> len(net.history[-1, "batches"])
    1
    """


class DeviceNeuralNetRegressor(DeviceNeuralNet, NeuralNetRegressor):
    """:class:`DeviceNeuralNet` as skorch's regressor: float targets of shape (n, n_outputs).

    Parameters
    ----------
    module : torch.nn.Module class or instance
        As for :class:`skorch.NeuralNetRegressor`.
    *args
        Passed to :class:`DeviceNeuralNet` and :class:`skorch.NeuralNetRegressor`.
    **kwargs
        Passed to :class:`DeviceNeuralNet` and :class:`skorch.NeuralNetRegressor`.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skactive.training import DeviceBatchIterator, DeviceNeuralNetRegressor
    >>> net = DeviceNeuralNetRegressor(
    ...     torch.nn.Linear, module__in_features=2, module__out_features=1, max_epochs=2,
    ...     verbose=0, iterator_train=DeviceBatchIterator, iterator_valid=DeviceBatchIterator,
    ...     train_split=None)
    >>> net = net.fit(np.zeros((8, 2), dtype=np.float32), np.ones((8, 1), dtype=np.float32))
    >>> len(net.history)
    2
    """

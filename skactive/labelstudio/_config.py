"""What the backend needs from a Label Studio project: its labeling config and its answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

ANNOTATION_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_CREATED")
"""Webhook actions whose annotations the backend learns from."""


@dataclass(frozen=True)
class ChoicesConfig:
    """The image-classification part of a labeling config: a ``<Choices>`` on an ``<Image>``.

    Attributes
    ----------
    from_name : str
        The ``name`` of the ``<Choices>`` control.
    to_name : str
        The ``name`` of the ``<Image>`` it labels.
    data_key : str
        The task field holding the image: the ``<Image>``'s ``value`` without its ``$``.
    choices : tuple of str
        The ``value`` of each ``<Choice>``, in order.
    """

    from_name: str
    to_name: str
    data_key: str
    choices: tuple[str, ...]


def parse_label_config(label_config: str) -> ChoicesConfig:
    """The ``<Choices>`` control of an image-classification labeling config.

    Parameters
    ----------
    label_config : str
        A project's labeling config (XML), as Label Studio sends it to ``/setup`` and
        ``/predict``.

    Returns
    -------
    ChoicesConfig
        The first ``<Choices>`` whose ``toName`` is an ``<Image>``.

    Raises
    ------
    ValueError
        If the config is not XML or has no ``<Choices>`` on an ``<Image>``.

    Examples
    --------
    >>> from skactive.labelstudio import parse_label_config
    >>> parse_label_config('''<View><Image name="img" value="$image"/>
    ...   <Choices name="digit" toName="img"><Choice value="0"/><Choice value="1"/></Choices>
    ... </View>''')
    ChoicesConfig(from_name='digit', to_name='img', data_key='image', choices=('0', '1'))
    """
    if not isinstance(label_config, str):
        raise ValueError(f"label_config must be the XML text; got {type(label_config).__name__}.")
    try:
        root = ET.fromstring(label_config)
    except ET.ParseError as err:
        raise ValueError(f"label_config is not valid XML: {err}") from err
    images = {tag.get("name"): tag.get("value", "") for tag in root.iter() if tag.tag == "Image"}
    for tag in root.iter():
        if tag.tag == "Choices" and tag.get("toName") in images:
            value = images[tag.get("toName")]
            return ChoicesConfig(
                from_name=tag.get("name", ""),
                to_name=tag.get("toName"),
                data_key=value[1:] if value.startswith("$") else value,
                choices=tuple(c.get("value", "") for c in tag.iter() if c.tag == "Choice"),
            )
    raise ValueError(
        "label_config has no <Choices> control on an <Image>: the backend classifies images."
    )


def annotation_label(annotation: dict, from_name: str | None = None) -> str | None:
    """The class an annotation gives, or None for a skipped or empty one.

    Parameters
    ----------
    annotation : dict
        A Label Studio annotation: ``{"id", "result": [...], "was_cancelled", ...}``.
    from_name : str or None, default=None
        The ``<Choices>`` to read; None reads the first choices result.

    Returns
    -------
    str or None
        The first choice of the first ``"choices"`` result, or None.

    Raises
    ------
    ValueError
        If ``annotation`` is not an annotation.

    Examples
    --------
    >>> from skactive.labelstudio import annotation_label
    >>> annotation_label({"id": 1, "result": [
    ...     {"type": "choices", "from_name": "digit", "value": {"choices": ["7"]}}]})
    '7'
    """
    if not isinstance(annotation, dict) or not isinstance(annotation.get("result", []), list):
        raise ValueError(f"an annotation must be an object with a result list: {annotation!r}")
    if annotation.get("was_cancelled"):
        return None
    for item in annotation.get("result") or []:
        if not isinstance(item, dict) or item.get("type") != "choices":
            continue
        if from_name is not None and item.get("from_name") != from_name:
            continue
        choices = (item.get("value") or {}).get("choices") or []
        if choices and isinstance(choices[0], str):
            return choices[0]
    return None


def webhook_annotations(payload: dict) -> list[tuple[dict, dict]]:
    """The ``(annotation, task)`` pairs of an annotation event, as Label Studio sends them.

    Parameters
    ----------
    payload : dict
        A webhook's body: ``{"action", "annotation", "task", "project"}``, with lists for
        ``ANNOTATIONS_CREATED``.

    Returns
    -------
    list of (dict, dict)
        Each annotation with the task it labels; empty for other actions.

    Raises
    ------
    ValueError
        If an annotation event lacks its annotation or task.

    Examples
    --------
    >>> from skactive.labelstudio import webhook_annotations
    >>> pairs = webhook_annotations({"action": "ANNOTATION_CREATED",
    ...     "annotation": {"id": 3, "task": 9}, "task": {"id": 9, "data": {}}})
    >>> pairs[0][1]["id"]
    9
    """
    if payload.get("action") not in ANNOTATION_EVENTS:
        return []
    annotations, tasks = payload.get("annotation"), payload.get("task")
    if isinstance(annotations, dict):
        annotations, tasks = [annotations], [tasks]
    if not isinstance(annotations, list) or not isinstance(tasks, list):
        raise ValueError(f"a {payload['action']} event must hold its annotation and task.")
    by_id = {task.get("id"): task for task in tasks if isinstance(task, dict)}
    pairs = []
    for annotation in annotations:
        task = by_id.get(annotation.get("task") if isinstance(annotation, dict) else None)
        if task is None and len(tasks) == 1 and isinstance(tasks[0], dict):
            task = tasks[0]
        if task is None:
            raise ValueError(f"a {payload['action']} event names no task for {annotation!r}.")
        pairs.append((annotation, task))
    return pairs


def train_annotations(payload: dict) -> list[tuple[dict, dict]]:
    """The ``(annotation, task)`` pairs of a ``/train`` request: every annotated task.

    Parameters
    ----------
    payload : dict
        ``{"annotations": [task, ...], ...}``, each task with its ``"annotations"``, as Label
        Studio's "Start training" sends them.

    Returns
    -------
    list of (dict, dict)
        Each annotation with its task.

    Raises
    ------
    ValueError
        If the request holds no list of tasks.

    Examples
    --------
    >>> from skactive.labelstudio import train_annotations
    >>> task = {"id": 9, "data": {}, "annotations": [{"id": 3}, {"id": 4}]}
    >>> [a["id"] for a, t in train_annotations({"annotations": [task]})]
    [3, 4]
    """
    tasks = payload.get("annotations")
    if not isinstance(tasks, list):
        raise ValueError("a train request must hold the annotated tasks as 'annotations'.")
    return [
        (annotation, task)
        for task in tasks
        if isinstance(task, dict)
        for annotation in task.get("annotations") or []
    ]

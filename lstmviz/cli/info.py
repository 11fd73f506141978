"""``lstmviz info FILE``: what a sequence, weight or workspace file holds, for people (default) or programs (--json).

The description is built as one plain dict (the ``--json`` output) and the human text is printed from that same
dict, so the two never disagree.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from ..engine.network import Network
from ..io.open_any import open_any
from ..io.sequence_data import SequenceData
from ..io.weights import ActivationConflict, WeightsFile
from ..wording import plural
from .errors import CommandError
from .inputs import contradiction, read_options
from .network_info import describe_network, finite_number, format_number, network_lines, value_range


def describe_sequence(sequence: SequenceData) -> dict[str, Any]:
    """Shape, labels, per-column value range and time axis of a sequence."""
    time = sequence.time_axis if sequence.time is not None else np.arange(min(sequence.steps, 2), dtype=np.float64)
    last = float(time[-1]) if sequence.time is not None else float(sequence.steps - 1)  # 0..T-1 is not built whole
    info: dict[str, Any] = {
        "steps": sequence.steps,
        "inputs": sequence.input_size,
        "input_labels": list(sequence.input_labels),
        "ranges": {
            label: value_range(sequence.values[:, k])
            for k, label in enumerate(sequence.input_labels[: sequence.input_size])
        },
        "time_axis": {
            "label": sequence.time_label,
            "from_file": sequence.time is not None,
            "first": finite_number(float(time[0])) if time.size else None,
            "last": finite_number(last) if time.size else None,
            "step": finite_number(float(np.median(np.diff(time)))) if time.size > 1 else None,
        },
    }
    if sequence.vocabulary is not None:
        info["vocabulary"] = list(sequence.vocabulary)
    if sequence.notices:
        info["notices"] = list(sequence.notices)
    return info


def describe_file(path: str, args: argparse.Namespace) -> dict[str, Any]:
    """Describe FILE as what :func:`lstmviz.io.open_any.file_kind` says it is: workspace, weights or sequence."""
    opts = read_options(args, stdin=path == "-")
    if path != "-" and not (args.key or args.text) and _is_seq2seq(path, args):
        from .seq2seq import describe

        return describe(path, args)
    try:
        opened = open_any(path, opts)
    except ActivationConflict as conflict:
        raise CommandError(contradiction(conflict.setting, conflict.requested, path, conflict.stored)) from None
    if opened.workspace is not None:
        workspace = opened.workspace
        return {
            "file": path,
            "kind": "workspace",
            "network": describe_network(workspace.network, _stored_sources(workspace.network)),
            "sequence": describe_sequence(workspace.sequence),
            "step": int(workspace.step),
            "layer": int(workspace.layer),
            "selected_units": [int(u) for u in workspace.selected_units],
        }
    if opened.weights is not None:
        return _weights_info(path, opened.weights)
    assert opened.sequence is not None
    name = "standard input" if path == "-" else path
    return {"file": name, "kind": "sequence", "sequence": describe_sequence(opened.sequence)}


def _is_seq2seq(path: str, args: argparse.Namespace) -> bool:
    from .seq2seq import is_model_file

    return is_model_file(path, args)


def _stored_sources(network: Network) -> dict[str, str]:
    """A workspace stores every setting."""
    sources = {"nonlinearity": "file"} if network.spec.activation_choice else {}
    return sources | ({"output_activation": "file"} if network.has_output else {})


def _weights_info(path: str, loaded: WeightsFile) -> dict[str, Any]:
    info: dict[str, Any] = {
        "file": path,
        "kind": "weights",
        "network": describe_network(loaded.network, dict(loaded.sources)),
    }
    renamed = {name: old for name, old in (loaded.renamed or {}).items() if name != old}
    if renamed:
        info["names_in_file"] = renamed
    if loaded.ignored:
        info["ignored"] = list(loaded.ignored)
    if loaded.notices:
        info["notices"] = list(loaded.notices)
    return info


def format_info(info: dict[str, Any]) -> str:
    """The human-readable form of :func:`describe_file`'s dict."""
    if info["kind"] == "seq2seq":
        from .seq2seq import format_info as format_seq2seq

        return format_seq2seq(info)
    lines = [f"{info['file']}: {info['kind']}"]
    if "network" in info:
        lines += network_lines(info["network"])
    if info.get("names_in_file"):
        prefixes = sorted({old[: -len(name)] for name, old in info["names_in_file"].items() if old.endswith(name)})
        shown = ", ".join(repr(p) for p in prefixes) if prefixes else "renamed"
        lines.append(f"  file names   module prefix {shown} (read as PyTorch's parameter names)")
    if info.get("ignored"):
        lines.append(f"  ignored      {', '.join(info['ignored'])} (not part of the recurrent network)")
    if info["kind"] == "weights":
        lines += [f"  note         {notice}" for notice in info.get("notices", [])]
    if "sequence" in info:
        lines += _sequence_lines(info["sequence"])
    if info["kind"] == "workspace":
        units = ", ".join(str(u) for u in info["selected_units"]) or "none"
        lines.append(f"  view         step {info['step']}, layer {info['layer']}, selected units {units}")
    return "\n".join(lines)


def _sequence_lines(seq: dict[str, Any]) -> list[str]:
    axis = seq["time_axis"]
    origin = "from the file" if axis["from_file"] else "step numbers"
    labels = ", ".join(seq["input_labels"][:12]) + (", ..." if len(seq["input_labels"]) > 12 else "")
    lines = [
        f"  shape        {plural(seq['steps'], 'step')} x {plural(seq['inputs'], 'input')}",
        f"  inputs       {labels}",
        f"  time axis    {axis['label']} ({origin}), {format_number(axis['first'])} to {format_number(axis['last'])}"
        + (f", every {format_number(axis['step'])}" if axis["step"] is not None else ""),
    ]
    if "vocabulary" in seq:
        lines.append(f"  vocabulary   {len(seq['vocabulary'])} characters: {''.join(seq['vocabulary'])!r}")
    ranges = list(seq["ranges"].items())
    lines.append("  values       min to max (mean) per input")
    for label, r in ranges[:12]:
        lines.append(
            f"    {label:<22} {format_number(r['min'])} to {format_number(r['max'])} (mean {format_number(r['mean'])})"
        )
    if len(ranges) > 12:
        lines.append(f"    ... and {len(ranges) - 12} more columns (see --json)")
    for notice in seq.get("notices", []):
        lines.append(f"  note         {notice}")
    return lines


def run_info(args: argparse.Namespace, warn: Any = None) -> int:
    """``lstmviz info``: print the description of each FILE (JSON: one object, or a list for several files)."""
    infos = [describe_file(path, args) for path in args.files]
    if args.json:
        print(json.dumps(infos[0] if len(infos) == 1 else infos, indent=2, ensure_ascii=False))
    else:
        print("\n".join(format_info(info) for info in infos))
    return 0

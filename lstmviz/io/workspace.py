"""Workspaces (``.lstmviz``): a whole session in one file that reopens exactly.

A workspace is a zip of two members, neither of which can carry code:

- ``manifest.json``: format version, app version, the cell configuration, the sequence's metadata (source, time
  label, input labels, vocabulary, text, notices), the selected step, layer and units, and the view settings
  (any JSON object the GUI wants back);
- ``arrays.npz``: the parameters (``param/<PyTorch name>``), the sequence values (``sequence/values``) and its
  time axis (``sequence/time``, when the file had one).

Loading trusts nothing: sizes and compression ratios are checked from the zip directory, members are read with
bounded decompression, the JSON's depth and every field's type are checked, the arrays go through the same
checks as a weight file (:func:`lstmviz.io.weights.network_from_state_dict`), and the selection must fit the
network and sequence. Any problem is one :class:`~lstmviz.io.errors.WorkspaceError` sentence naming the file.
"""

from __future__ import annotations

import io
import json
import lzma
import os
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, overload

import numpy as np

from ..engine.network import Network
from ..wording import plural
from .atomic import atomic_path
from .errors import FileFormatError, WorkspaceError
from .json_keys import DuplicateKey, unique_keys
from .limits import describe_bytes, max_file_bytes
from .quoting import first_sentence, quote, replace_surrogates, surrogate_notice
from .safe_arrays import read_npz_stream
from .sequence_data import SequenceData
from .special_files import open_regular
from .weights import app_version, network_from_state_dict

__all__ = ["Workspace", "save_workspace", "load_workspace", "inspect_workspace", "WORKSPACE_SUFFIX"]

WORKSPACE_SUFFIX = ".lstmviz"
FORMAT = "lstmviz-workspace"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARRAYS = "arrays.npz"
MAX_MANIFEST_BYTES = 64 << 20
MAX_JSON_DEPTH = 64
MAX_RATIO = 200
"""Our own members compress little (arrays.npz is stored, its arrays already compressed; the manifest is short text)."""
_PARAM, _VALUES, _TIME = "param/", "sequence/values", "sequence/time"


@dataclass(frozen=True, eq=False)
class Workspace:
    """Everything needed to reopen a session: network, sequence, what was selected and how the views were set."""

    network: Network
    sequence: SequenceData
    step: int = 0
    layer: int = 0
    selected_units: tuple[int, ...] = (0,)
    view_settings: dict[str, Any] = field(default_factory=dict)
    """Plain JSON data (str keys; str, int, float, bool, None, lists, dicts): lists come back as lists."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "selected_units", tuple(self.selected_units))


def _fail(name: str, problem: str) -> WorkspaceError:
    return WorkspaceError(f"{name}: {problem}")


# --- validation helpers -----------------------------------------------------------------------------------------------
def _json_depth_ok(value: Any, depth: int = 0) -> bool:
    if depth > MAX_JSON_DEPTH:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_depth_ok(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_depth_ok(v, depth + 1) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _get(name: str, obj: Mapping[str, Any], key: str, kind: type, where: str, optional: bool = False) -> Any:
    if key not in obj:
        if optional:
            return None
        raise _fail(name, f"the manifest has no {where}{key}")
    value = obj[key]
    if optional and value is None:
        return None
    ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is int)
    if not ok:
        label = {int: "a whole number", str: "text", dict: "an object", list: "a list", bool: "true or false"}
        raise _fail(name, f"the manifest's {where}{key} must be {label.get(kind, str(kind))}")
    return value


@overload
def _str_list(
    name: str, obj: Mapping[str, Any], key: str, where: str, optional: Literal[False] = False
) -> tuple[str, ...]: ...
@overload
def _str_list(name: str, obj: Mapping[str, Any], key: str, where: str, optional: bool) -> tuple[str, ...] | None: ...
def _str_list(
    name: str, obj: Mapping[str, Any], key: str, where: str, optional: bool = False
) -> tuple[str, ...] | None:
    value = _get(name, obj, key, list, where, optional)
    if value is None:
        return None
    if not all(isinstance(v, str) for v in value):
        raise _fail(name, f"the manifest's {where}{key} must be a list of text")
    return tuple(value)


def _check_selection(name: str, ws: Workspace) -> None:
    steps, layers, hidden = ws.sequence.steps, ws.network.num_layers, ws.network.hidden_size
    if ws.sequence.input_size != ws.network.input_size:
        raise _fail(
            name,
            f"the sequence has {plural(ws.sequence.input_size, 'input')} but the network expects "
            f"{ws.network.input_size}",
        )
    if not 0 <= ws.step < steps:
        raise _fail(name, f"the selected step {ws.step} is outside the sequence's {steps} steps")
    if not 0 <= ws.layer < layers:
        raise _fail(name, f"the selected layer {ws.layer} is outside the network's {layers} layer(s)")
    bad = [u for u in ws.selected_units if not 0 <= u < hidden]
    if bad:
        raise _fail(name, f"the selected unit {bad[0]} is outside the network's {hidden} units")


# --- saving -----------------------------------------------------------------------------------------------------------
def _manifest(ws: Workspace) -> dict[str, Any]:
    net, seq = ws.network, ws.sequence
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "network": {
            "cell": net.cell,
            "input_size": net.input_size,
            "hidden_size": net.hidden_size,
            "num_layers": net.num_layers,
            "nonlinearity": net.nonlinearity,
            "bias": net.bias,
            "output_activation": net.output_activation,
            "output_size": net.output_size,
            "dtype": str(net.dtype),
        },
        "sequence": {
            "source": seq.source,
            "time_label": seq.time_label,
            "input_labels": list(seq.input_labels),
            "vocabulary": None if seq.vocabulary is None else list(seq.vocabulary),
            "text": seq.text,
            "notices": list(seq.notices),
            "steps": seq.steps,
            "has_time": seq.time is not None,
        },
        "selection": {"step": int(ws.step), "layer": int(ws.layer), "units": [int(u) for u in ws.selected_units]},
        "view_settings": ws.view_settings,
    }


def save_workspace(workspace: Workspace, path: str | os.PathLike[str]) -> None:
    """Write the session to a ``.lstmviz`` file, atomically (the old file stays whole if anything fails)."""
    name = os.fspath(path)
    _check_selection(name, workspace)
    if not isinstance(workspace.view_settings, dict) or not _json_depth_ok(workspace.view_settings):
        raise _fail(name, "the view settings must be plain JSON data (text keys, at most 64 levels deep)")
    try:
        manifest = json.dumps(_manifest(workspace), ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise _fail(name, f"the view settings cannot be saved as JSON ({exc})") from None
    arrays: dict[str, np.ndarray] = {_PARAM + k: np.asarray(v) for k, v in workspace.network.params.items()}
    arrays[_VALUES] = np.asarray(workspace.sequence.values)
    if workspace.sequence.time is not None:
        arrays[_TIME] = np.asarray(workspace.sequence.time)
    packed = io.BytesIO()
    np.savez_compressed(packed, **cast("dict[str, Any]", arrays))
    try:
        with atomic_path(path) as temp, zipfile.ZipFile(temp, "w") as archive:
            archive.writestr(MANIFEST, manifest, compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr(ARRAYS, packed.getvalue(), compress_type=zipfile.ZIP_STORED)
    except OSError as exc:
        raise _fail(name, f"cannot be written ({exc.strerror or exc})") from None


# --- loading ----------------------------------------------------------------------------------------------------------
def _member_info(name: str, archive: zipfile.ZipFile, member: str, cap: int) -> zipfile.ZipInfo:
    """Refuse from the zip directory alone a member that is missing, too big or too compressed."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise _fail(name, f"is not an lstmviz workspace (it has no {member})") from None
    if info.flag_bits & 0x1:
        raise _fail(name, f"{member} is encrypted; lstmviz reads only plain workspaces")
    if info.file_size > cap:
        raise _fail(name, f"{member} unpacks to {describe_bytes(info.file_size)}, over the {describe_bytes(cap)} limit")
    if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise _fail(
            name,
            f"{member} claims to unpack {info.file_size // max(info.compress_size, 1):,} times larger "
            "than it is stored, which looks like a zip bomb",
        )
    return info


def _read_member(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, reading no more than its declared size (the stream must end there)."""
    member = info.filename
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size)
            if stream.read(1):
                raise _fail(name, f"{member} holds more data than its size says")
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
        zlib.error,
        lzma.LZMAError,
    ) as exc:  # RuntimeError: encrypted; NotImplementedError: unknown method or version
        if isinstance(exc, WorkspaceError):
            raise
        raise _fail(name, f"{member} is corrupt ({first_sentence(exc)})") from None
    if len(data) != info.file_size:
        raise _fail(name, f"{member} is cut short")
    return data


def _parse_manifest(name: str, raw: bytes) -> dict[str, Any]:
    def refuse_constant(token: str) -> None:
        raise ValueError(f"{token} is not allowed")

    try:
        manifest = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant, object_pairs_hook=unique_keys)
    except DuplicateKey as exc:
        raise _fail(name, f"manifest.json names {quote(exc.key)} twice, so it is unclear which to read") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _fail(name, "manifest.json is not valid JSON") from None
    if not isinstance(manifest, dict) or not _json_depth_ok(manifest, -2):
        raise _fail(name, "manifest.json is not a JSON object of plain values (or is nested too deeply)")
    cleaned, replaced = _printable(manifest)
    manifest = cast("dict[str, Any]", cleaned)
    if replaced and isinstance(manifest.get("sequence"), dict):  # said with the sequence, where the labels are
        notices = manifest["sequence"].get("notices")
        manifest["sequence"]["notices"] = [*notices, SURROGATE_NOTICE] if isinstance(notices, list) else notices
    if manifest.get("format") != FORMAT:
        raise _fail(name, "is not an lstmviz workspace (its manifest names another format)")
    version = _get(name, manifest, "format_version", int, "")
    if version > FORMAT_VERSION:
        raise _fail(
            name,
            f"was saved by a newer lstmviz (workspace format {version}); this version reads format "
            f"{FORMAT_VERSION} - please update lstmviz",
        )
    if version < 1:
        raise _fail(name, f"has an unknown workspace format version {version}")
    return manifest


SURROGATE_NOTICE = surrogate_notice("the workspace's text")


def _printable(value: Any) -> tuple[Any, bool]:
    """The manifest with lone surrogates (legal JSON escapes, but not text: printing one fails) replaced by U+FFFD
    in every string, and whether any were; the manifest is already known to be shallow."""
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, list):
        items = [_printable(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if isinstance(value, dict):
        pairs = [(_printable(key), _printable(item)) for key, item in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, any(a or b for (_, a), (_, b) in pairs)
    return value, False


def _sequence(name: str, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> SequenceData:
    where = "sequence."
    values = arrays.get(_VALUES)
    if values is None or values.ndim != 2 or values.shape[0] < 1 or values.dtype != np.float64:
        raise _fail(name, "the sequence values are missing or not a (T, D) array of float64")
    if not np.all(np.isfinite(values)):
        raise _fail(name, "the sequence values contain NaN or infinite values")
    if _get(name, meta, "steps", int, where) != values.shape[0]:
        raise _fail(name, "the sequence values do not match the manifest's step count")
    time = arrays.get(_TIME)
    if _get(name, meta, "has_time", bool, where) != (time is not None):
        raise _fail(name, "the sequence's time axis does not match the manifest")
    if time is not None and (
        time.shape != (values.shape[0],) or time.dtype != np.float64 or not np.all(np.isfinite(time))
    ):
        raise _fail(name, "the time axis must be T finite float64 values, one per step")
    labels = _str_list(name, meta, "input_labels", where)
    if len(labels) != values.shape[1]:
        raise _fail(name, f"the manifest names {plural(len(labels), 'input')} but the sequence has {values.shape[1]}")
    return SequenceData(
        values=values,
        time=time,
        time_label=_get(name, meta, "time_label", str, where),
        input_labels=labels,
        source=_get(name, meta, "source", str, where),
        vocabulary=_str_list(name, meta, "vocabulary", where, True),
        text=_get(name, meta, "text", str, where, True),
        notices=_str_list(name, meta, "notices", where),
    )


def _network(name: str, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Network:
    where = "network."
    config = {key: _get(name, meta, key, str, where) for key in ("cell", "nonlinearity", "output_activation")}
    params = {key[len(_PARAM) :]: value for key, value in arrays.items() if key.startswith(_PARAM)}
    try:
        network = network_from_state_dict(params, config, name).network
    except FileFormatError as exc:
        raise WorkspaceError(str(exc)) from None
    stated = {key: _get(name, meta, key, int, where) for key in ("input_size", "hidden_size", "num_layers")}
    actual = {"input_size": network.input_size, "hidden_size": network.hidden_size, "num_layers": network.num_layers}
    if stated != actual or _get(name, meta, "bias", bool, where) != network.bias:
        raise _fail(name, "the stored parameters do not match the manifest's network configuration")
    if set(params) != set(network.params) or any(params[k].dtype != network.params[k].dtype for k in params):
        raise _fail(name, "the stored parameters do not match the manifest's network configuration")
    return network


def _read_archive(name: str, archive: zipfile.ZipFile, limit: int) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The parsed manifest and the arrays, each member checked from the directory first.

    The arrays member is stored uncompressed (see :func:`save_workspace`), so its inner ``.npz`` is read in place
    through the outer zip: no copy of the packed bytes is held beside the arrays it inflates to.
    """
    label = f"{name}: {ARRAYS}"
    with archive:
        manifest_info = _member_info(name, archive, MANIFEST, min(limit, MAX_MANIFEST_BYTES))
        arrays_info = _member_info(name, archive, ARRAYS, limit)
        manifest = _parse_manifest(name, _read_member(name, archive, manifest_info))
        try:
            if arrays_info.compress_type == zipfile.ZIP_STORED and not arrays_info.flag_bits & 0x1:
                try:
                    with archive.open(arrays_info) as inner:
                        return manifest, read_npz_stream(inner, label, limit)
                except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
                    if isinstance(exc, FileFormatError):
                        raise
                    raise _fail(name, f"{ARRAYS} is corrupt ({first_sentence(exc)})") from None
            packed = _read_member(name, archive, arrays_info)
            return manifest, read_npz_stream(io.BytesIO(packed), label, limit)
        except FileFormatError as exc:
            raise exc if isinstance(exc, WorkspaceError) else WorkspaceError(str(exc)) from None


@np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")  # results are checked, not warned
def load_workspace(path: str | os.PathLike[str]) -> Workspace:
    """Open a ``.lstmviz`` workspace exactly as it was saved; raises :class:`WorkspaceError`."""
    name = os.fspath(path)
    limit = max_file_bytes()
    try:
        stream, size = open_regular(path, lambda problem: _fail(name, problem))
    except FileNotFoundError:
        raise _fail(name, "no such file") from None
    except OSError as exc:
        raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None
    with stream:
        if size > limit:
            raise _fail(name, f"the file is {describe_bytes(size)}, over the {describe_bytes(limit)} limit")
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, OverflowError):
            raise _fail(name, "is not an lstmviz workspace (not a valid zip file)") from None
        except OSError as exc:
            raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None
        manifest, arrays = _read_archive(name, archive, limit)
    selection = _get(name, manifest, "selection", dict, "")
    units = _get(name, selection, "units", list, "selection.")
    if not all(type(u) is int for u in units):
        raise _fail(name, "the manifest's selection.units must be a list of whole numbers")
    view_settings = _get(name, manifest, "view_settings", dict, "")
    workspace = Workspace(
        network=_network(name, _get(name, manifest, "network", dict, ""), arrays),
        sequence=_sequence(name, _get(name, manifest, "sequence", dict, ""), arrays),
        step=_get(name, selection, "step", int, "selection."),
        layer=_get(name, selection, "layer", int, "selection."),
        selected_units=tuple(units),
        view_settings=view_settings,
    )
    _check_selection(name, workspace)
    return workspace


def inspect_workspace(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A summary for ``lstmviz info``: network and sequence sizes, source, time axis, selection."""
    ws = load_workspace(path)
    seq, net = ws.sequence, ws.network
    time = seq.time_axis
    return {
        "cell": net.cell,
        "input_size": net.input_size,
        "hidden_size": net.hidden_size,
        "num_layers": net.num_layers,
        "output_size": net.output_size,
        "network": net.describe(),
        "steps": seq.steps,
        "source": seq.source,
        "time_label": seq.time_label,
        "time_range": (float(time[0]), float(time[-1])),
        "input_labels": list(seq.input_labels),
        "value_range": (float(seq.values.min()), float(seq.values.max())),
        "step": ws.step,
        "layer": ws.layer,
        "selected_units": list(ws.selected_units),
    }

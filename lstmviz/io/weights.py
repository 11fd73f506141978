"""Weight files: PyTorch state_dicts in ``.npz``, ``.safetensors`` and ``.pt``/``.pth``, to and from a Network.

The file is described as a flat ``{name: tensor}`` state_dict (never unpickling anything but tensors; each
tensor's shape and type from its header, its values read only if the network keeps it: see
:mod:`lstmviz.io.stored_tensor`), then the network is worked out from the names and shapes alone, the way
``torch.nn.RNNBase`` lays them out:

- recurrent parameters are ``[prefix]weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
  with any module prefix (``lstm.``, ``model.encoder.rnn.``); an ``nn.LSTMCell``'s unsuffixed names count as one layer;
- ``weight_hh_l0`` is (G*H x H): its columns give H and its rows G; the cell is the kind whose spec has G row
  blocks (4 LSTM, 3 GRU, 1 RNN, or a registered kind), every tensor of every layer must then have that kind's
  shapes, and when two kinds share G the file's metadata must name the cell (else the file is ambiguous);
- one Linear beside the recurrent module (``fc.weight``/``fc.bias``, or any 2-D weight with H columns and its bias)
  becomes the output layer ``fc.weight``/``fc.bias``;
- what shapes cannot tell (a vanilla RNN's activation, the output activation) comes from optional metadata that
  :func:`save_weights` writes: safetensors ``__metadata__``, or the npz key ``__lstmviz__`` (JSON in a 0-d
  unicode array, never an object array). A file without it (any ``torch.save`` of a state_dict) takes the value
  the caller gives where the file is opened (``overrides``); failing that, tanh and identity are assumed and
  :attr:`WeightsFile.sources` says so. An override that contradicts the file's own metadata is an
  :class:`ActivationConflict`.

Every problem is one :class:`~lstmviz.io.errors.WeightsError` sentence naming the file; the Network is built only
once everything has been checked, so nothing is ever half loaded.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..engine.errors import EngineError
from ..engine.network import OUTPUT_BIAS, OUTPUT_WEIGHT, Network, parameter_name
from ..engine.spec import OUTPUT_ACTIVATIONS, RNN_ACTIVATIONS, SPECS, cell_kinds, spec_for
from .atomic import atomic_open
from .errors import FileFormatError, WeightsError
from .limits import describe_bytes, max_file_bytes
from .quoting import quote, shorten
from .safe_arrays import describe_dtype, stored_npz
from .safetensors_format import stored_safetensors, write_safetensors
from .special_files import check_regular
from .stored_tensor import StoredTensor, materialise
from .torch_files import read_torch_state_dict

__all__ = [
    "ACTIVATION_SETTINGS",
    "WEIGHT_SUFFIXES",
    "ActivationConflict",
    "WeightsFile",
    "inspect_weights",
    "load_weights",
    "read_state_dict",
    "read_weights",
    "save_weights",
    "stored_state_dict",
]

WEIGHT_SUFFIXES: tuple[str, ...] = (".npz", ".safetensors", ".pt", ".pth")
SAVE_SUFFIXES: tuple[str, ...] = (".npz", ".safetensors")
NPZ_METADATA_KEY = "__lstmviz__"
METADATA_FORMAT = "lstmviz-weights"

_RECURRENT = re.compile(
    r"^(?P<prefix>(?:.*\.)?)(?P<kind>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)(?:_l(?P<layer>\d+))?"
    r"(?P<reverse>_reverse)?$"
)

ACTIVATION_SETTINGS: dict[str, tuple[tuple[str, ...], str]] = {
    "nonlinearity": (RNN_ACTIVATIONS, "tanh"),
    "output_activation": (OUTPUT_ACTIVATIONS, "identity"),
}
"""What shapes cannot tell: setting -> (allowed values, the value assumed when neither file nor caller says)."""


@dataclass(frozen=True)
class WeightsFile:
    """A loaded weight file: the network, plus what the loader set aside (for notices in the app)."""

    network: Network
    source: str
    ignored: tuple[str, ...] = ()
    """Tensors in the file that are neither the recurrent module nor its output layer."""
    renamed: Mapping[str, str] | None = None
    """Network parameter name -> the name it had in the file."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """For each activation setting that matters to this network (``nonlinearity`` of an RNN, ``output_activation``
    of an output layer): ``file`` (read from its metadata), ``given`` (the caller's override) or ``assumed``."""
    converted: Mapping[str, str] = field(default_factory=dict)
    """Name in the file -> what it stored, for each parameter the loader converted to other numbers
    (``{"lstm.weight_ih_l0": "float8_e4m3fn, widened to float32"}``): the file's own type is not kept."""

    @property
    def notices(self) -> tuple[str, ...]:
        """One sentence per converted parameter, for the user (``lstm.weight_ih_l0 was float8_e4m3fn, widened to
        float32``)."""
        return tuple(f"{shorten(key)} was {how}" for key, how in self.converted.items())

    @property
    def assumed(self) -> dict[str, str]:
        """Settings neither the file nor the caller stated, with the value assumed (``{"nonlinearity": "tanh"}``)."""
        return {key: getattr(self.network, key) for key, how in self.sources.items() if how == "assumed"}


class ActivationConflict(WeightsError):
    """An activation given where the file is opened differs from the one the file's metadata states."""

    def __init__(self, name: str, setting: str, stored: str, requested: str) -> None:
        what = "the RNN activation" if setting == "nonlinearity" else "the output activation"
        super().__init__(f"{name}: the file stores {what} {stored!r}; {requested!r} contradicts it")
        self.setting, self.stored, self.requested = setting, stored, requested


Tensor = np.ndarray | StoredTensor
"""A tensor as a loader hands it over: its values, or (safetensors) its header, read only if the network uses it."""


def _fail(name: str, problem: str) -> WeightsError:
    return WeightsError(f"{name}: {problem}")


# --- reading the raw state_dict ---------------------------------------------------------------------------------------
def _weights_error(read: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    """A member's reader whose refusals are the weight loader's own error class."""

    def checked() -> np.ndarray:
        try:
            return read()
        except WeightsError:
            raise
        except FileFormatError as exc:
            raise WeightsError(str(exc)) from None

    return checked


def _read_npz(path: Path, name: str) -> tuple[dict[str, StoredTensor], dict[str, str]]:
    """The members by their headers (each inflated only if the network keeps it) and the lstmviz metadata."""
    try:
        stored = stored_npz(path)
    except WeightsError:
        raise
    except FileFormatError as exc:
        raise WeightsError(str(exc)) from None
    arrays = {key: StoredTensor(t.shape, t.dtype, _weights_error(t.read)) for key, t in stored.items()}
    metadata: dict[str, str] = {}
    entry = arrays.pop(NPZ_METADATA_KEY, None)
    if entry is not None:
        if entry.dtype.kind != "U" or entry.ndim != 0:
            raise _fail(name, f"the {NPZ_METADATA_KEY} entry must be a JSON string")
        raw = entry.read()
        try:
            decoded = json.loads(str(raw[()]))
        except (ValueError, RecursionError):  # ValueError: JSON syntax, or a number with thousands of digits
            raise _fail(name, f"the {NPZ_METADATA_KEY} entry is not valid JSON") from None
        if not isinstance(decoded, dict):
            raise _fail(name, f"the {NPZ_METADATA_KEY} entry must be a JSON object")
        metadata = {str(k): v for k, v in decoded.items() if isinstance(v, str)}
    return arrays, metadata


@np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")  # results are checked, not warned
def read_state_dict(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The file's tensors by their own names, and its lstmviz metadata (cell, nonlinearity, output_activation)."""
    tensors, metadata = stored_state_dict(path)
    name = os.fspath(path)
    return {key: materialise(name, key, tensor) for key, tensor in tensors.items()}, metadata


@np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")
def stored_state_dict(path: str | os.PathLike[str]) -> tuple[dict[str, Tensor], dict[str, str]]:
    """:func:`read_state_dict`, but a ``.safetensors`` tensor is only described: its values are read when used."""
    path = Path(path)
    name = os.fspath(path)
    suffix = path.suffix.lower()
    if suffix not in WEIGHT_SUFFIXES:
        raise _fail(name, f"unknown weight file type {suffix or '(none)'!r}; use {', '.join(WEIGHT_SUFFIXES)}")
    try:
        size = check_regular(path, lambda problem: _fail(name, problem))
    except FileNotFoundError:
        raise _fail(name, "no such file") from None
    except OSError as exc:
        raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None
    limit = max_file_bytes()
    if size > limit:
        raise _fail(
            name, f"the file is {describe_bytes(size)}, over the {describe_bytes(limit)} limit (LSTMVIZ_MAX_FILE_MB)"
        )
    if size == 0:
        raise _fail(name, "the file is empty")
    if suffix == ".npz":
        npz, metadata = _read_npz(path, name)
        return dict[str, Tensor](npz), metadata
    if suffix == ".safetensors":
        stored, metadata = stored_safetensors(path, limit)
        return dict[str, Tensor](stored), metadata
    return dict[str, Tensor](read_torch_state_dict(path, name)), {}


# --- working out the network ------------------------------------------------------------------------------------------
def _recurrent_groups(name: str, tensors: Mapping[str, Tensor]) -> tuple[str, dict[tuple[str, int], str]]:
    """The one module prefix with recurrent parameters, and (kind, layer) -> key within it."""
    found: dict[str, dict[tuple[str, int], str]] = {}
    for key in tensors:
        match = _RECURRENT.match(key)
        if not match:
            continue
        if match["reverse"]:
            raise _fail(name, f"holds a bidirectional layer ({shorten(key)}); lstmviz shows one direction only")
        if match["kind"] == "weight_hr":
            raise _fail(
                name, f"holds an LSTM with a projection ({shorten(key)}, proj_size > 0), which lstmviz does not support"
            )
        if match["layer"] is not None and len(match["layer"]) > 6:
            raise _fail(
                name, f"names layer {shorten(match['layer'])} ({shorten(key)}); no network has that many layers"
            )
        layer = int(match["layer"]) if match["layer"] is not None else 0
        found.setdefault(match["prefix"], {})[(match["kind"], layer)] = key
    if not found:
        listed = ", ".join(shorten(key) for key in list(tensors)[:4]) or "nothing"
        raise _fail(
            name,
            "is not a recurrent-network weight file: it has no weight_ih_l0/weight_hh_l0 parameters "
            f"(it holds {listed})",
        )
    if len(found) > 1:
        modules = ", ".join(repr(p.rstrip(".") or "(top level)") for p in sorted(found))
        raise _fail(
            name,
            f"holds more than one recurrent module ({modules}): an encoder-decoder opens with File > Open "
            "Encoder-Decoder (or as lstmviz trace/plot --weights); a single network is one module per file",
        )
    return next(iter(found.items()))


def _expect_shape(name: str, key: str, array: Tensor, shape: tuple[int, ...], why: str) -> None:
    if array.shape != shape:
        raise _fail(name, f"parameter {shorten(key)} has shape {array.shape}, expected {shape} ({why})")


@np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")  # results are checked, not warned
def _check_values(name: str, key: str, tensor: Tensor) -> np.ndarray:
    """The parameter's values (read now, if the file only described them), as finite floats."""
    if tensor.dtype.kind not in "fiub":
        what = describe_dtype(tensor.dtype) + ("" if tensor.dtype.names else " values")
        raise _fail(name, f"parameter {shorten(key)} holds {what}, not numbers")
    array = materialise(name, key, tensor)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise _fail(name, f"parameter {shorten(key)} contains NaN or infinite values")
    return array


def _output_layer(
    name: str, tensors: Mapping[str, Tensor], used: set[str], hidden: int
) -> tuple[str, str | None] | None:
    """(weight key, bias key or None) of the Linear that reads h, if the file has one."""
    candidates = [
        key
        for key, array in tensors.items()
        if key not in used and key.endswith("weight") and array.ndim == 2 and array.shape[1] == hidden
    ]
    if len(candidates) > 1:  # an Embedding(V, H) also has H columns, but no bias
        with_bias = [key for key in candidates if key[: -len("weight")] + "bias" in tensors]
        candidates = with_bias if len(with_bias) == 1 else candidates
    if len(candidates) > 1:
        named_fc = [key for key in candidates if key == OUTPUT_WEIGHT or key.endswith("." + OUTPUT_WEIGHT)]
        if len(named_fc) != 1:
            raise _fail(
                name,
                f"has several layers that could read the hidden state ({', '.join(candidates)}); "
                "keep one output Linear, named fc",
            )
        candidates = named_fc
    if not candidates:
        return None
    weight_key = candidates[0]
    bias_key = weight_key[: -len("weight")] + "bias"
    if bias_key in tensors:
        out = tensors[weight_key].shape[0]
        _expect_shape(name, bias_key, tensors[bias_key], (out,), "one bias per output")
        return weight_key, bias_key
    return weight_key, None


def _metadata_choice(name: str, metadata: Mapping[str, str], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = metadata.get(key, default)
    if value not in allowed:
        raise _fail(name, f"its metadata says {key} {quote(value)}; choose one of {', '.join(allowed)}")
    return value


def _activations(
    name: str, metadata: Mapping[str, str], overrides: Mapping[str, str | None], applies: Mapping[str, bool]
) -> tuple[dict[str, str], dict[str, str]]:
    """The value of each activation setting and where it came from (file, given, assumed).

    A setting that does not apply (the activation of an LSTM, of an absent output layer) takes the file's value or
    the default, and an override of it is neither applied nor a conflict (the caller may say it was ignored).
    """
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for key, (allowed, default) in ACTIVATION_SETTINGS.items():
        stored = _metadata_choice(name, metadata, key, allowed, default) if key in metadata else None
        requested = overrides.get(key)
        if requested is not None and requested not in allowed:
            raise _fail(name, f"unknown {key.replace('_', ' ')} {requested!r}; choose one of {', '.join(allowed)}")
        if not applies[key]:
            values[key] = stored or default
            continue
        if stored is not None and requested is not None and requested != stored:
            raise ActivationConflict(name, key, stored, requested)
        values[key] = stored or requested or default
        sources[key] = "file" if stored is not None else "given" if requested is not None else "assumed"
    return values, sources


def _cell_kind(name: str, hh_key: str, hh: Tensor, stated: str | None) -> tuple[str, int]:
    """(cell kind, H) from ``weight_hh_l0`` (G*H x H) and the cell the metadata states, if any.

    The kinds whose spec has G row blocks are the candidates; the metadata picks among them, and must when there
    are several (two kinds with the same G have tensors of the same names and shapes).
    """
    blocks_of = {kind: spec.row_blocks for kind, spec in SPECS.items()}
    usable = len(hh.shape) == 2 and hh.shape[1] > 0 and not hh.shape[0] % hh.shape[1]
    blocks = hh.shape[0] // hh.shape[1] if usable else 0
    candidates = [kind for kind, g in blocks_of.items() if g == blocks]
    if not candidates:
        listed = ", ".join(f"{g} ({spec_for(kind).title})" for kind, g in blocks_of.items())
        raise _fail(
            name, f"parameter {hh_key} has shape {hh.shape}; a recurrent weight must be (G*H x H) with G = {listed}"
        )
    hidden = hh.shape[1]
    if stated is not None and stated not in candidates:
        if stated not in cell_kinds():
            raise _fail(name, f"its metadata names an unknown cell type {quote(stated)}")
        shapes = " or ".join(spec_for(kind).title for kind in candidates)
        raise _fail(name, f"its metadata says {spec_for(stated).title} but the shapes are those of a {shapes}")
    if stated is not None:
        return stated, hidden
    if len(candidates) > 1:
        kinds = " and ".join(spec_for(kind).title for kind in candidates)
        raise _fail(
            name,
            f"its tensors fit both {kinds} ({blocks} row blocks each) and it does not say which; "
            "save it again with lstmviz, which records the cell",
        )
    return candidates[0], hidden


def network_from_state_dict(
    tensors: Mapping[str, Tensor],
    metadata: Mapping[str, str],
    name: str,
    overrides: Mapping[str, str | None] | None = None,
) -> WeightsFile:
    """Work out cell, sizes and layers from names and shapes, check every tensor, then build the Network.

    ``overrides`` (``nonlinearity``, ``output_activation``) fill in what the metadata does not state.
    """
    prefix, keys = _recurrent_groups(name, tensors)
    layers = sorted({layer for _, layer in keys})
    if layers != list(range(len(layers))):
        missing_layer = next(k for k in range(len(layers) + 1) if k not in layers)
        raise _fail(name, f"missing key {prefix}{parameter_name('weight_ih', missing_layer)}")
    has_bias = any(kind.startswith("bias") for kind, _ in keys)
    needed = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if has_bias else ())
    for layer in layers:
        for kind in needed:
            if (kind, layer) not in keys:
                raise _fail(name, f"missing key {prefix}{parameter_name(kind, layer)}")
    hh_key = keys[("weight_hh", 0)]
    cell, hidden = _cell_kind(name, hh_key, tensors[hh_key], metadata.get("cell"))
    blocks = spec_for(cell).row_blocks
    ih0 = tensors[keys[("weight_ih", 0)]]
    if ih0.ndim != 2 or ih0.shape[0] != blocks * hidden or ih0.shape[1] < 1:
        raise _fail(name, f"parameter {keys[('weight_ih', 0)]} has shape {ih0.shape}, expected ({blocks * hidden}, D)")
    input_size = ih0.shape[1]
    params: dict[str, np.ndarray] = {}
    renamed: dict[str, str] = {}
    for layer in layers:
        fan_in = input_size if layer == 0 else hidden
        shapes: dict[str, tuple[int, ...]] = {
            "weight_ih": (blocks * hidden, fan_in),
            "weight_hh": (blocks * hidden, hidden),
        }
        shapes.update({"bias_ih": (blocks * hidden,), "bias_hh": (blocks * hidden,)} if has_bias else {})
        for kind, shape in shapes.items():
            key = keys[(kind, layer)]
            _expect_shape(name, key, tensors[key], shape, f"{spec_for(cell).title} with H={hidden}, layer {layer}")
            params[parameter_name(kind, layer)] = _check_values(name, key, tensors[key])
            renamed[parameter_name(kind, layer)] = key
    used = set(keys.values())
    output = _output_layer(name, tensors, used, hidden)
    if output is not None:
        weight_key, bias_key = output
        weight = _check_values(name, weight_key, tensors[weight_key])
        params[OUTPUT_WEIGHT] = weight
        renamed[OUTPUT_WEIGHT] = weight_key
        if bias_key is None:
            params[OUTPUT_BIAS] = np.zeros(weight.shape[0], dtype=weight.dtype)
        else:
            params[OUTPUT_BIAS] = _check_values(name, bias_key, tensors[bias_key])
            renamed[OUTPUT_BIAS] = bias_key
            used.add(bias_key)
        used.add(weight_key)
    applies = {"nonlinearity": spec_for(cell).activation_choice, "output_activation": output is not None}
    chosen, sources = _activations(name, metadata, overrides or {}, applies)
    try:
        network = Network(
            cell, input_size, hidden, len(layers), chosen["nonlinearity"], has_bias, chosen["output_activation"], params
        )
    except EngineError as exc:
        raise _fail(name, str(exc)) from None
    ignored = tuple(key for key in tensors if key not in used)
    converted = {
        key: how
        for key in renamed.values()
        if isinstance(tensor := tensors[key], StoredTensor) and (how := tensor.converted_from) is not None
    }
    return WeightsFile(
        network=network, source=name, ignored=ignored, renamed=renamed, sources=sources, converted=converted
    )


# --- public API -------------------------------------------------------------------------------------------------------
def read_weights(path: str | os.PathLike[str], overrides: Mapping[str, str | None] | None = None) -> WeightsFile:
    """Load a weight file with what was set aside and where its activations came from; raises :class:`WeightsError`.

    ``overrides`` maps ``nonlinearity`` / ``output_activation`` to the value to use when the file does not store
    one (None: no override); one that contradicts the file's metadata raises :class:`ActivationConflict`.
    """
    name = os.fspath(path)
    tensors, metadata = stored_state_dict(path)  # only the tensors the network keeps are read
    return network_from_state_dict(tensors, metadata, name, overrides)


def load_weights(path: str | os.PathLike[str], overrides: Mapping[str, str | None] | None = None) -> Network:
    """Read a ``.npz``, ``.safetensors`` or ``.pt``/``.pth`` state_dict into a Network; raises :class:`WeightsError`.

    Cell type, sizes and layer count come from the shapes; see the module docstring for the rules.
    """
    return read_weights(path, overrides).network


def app_version() -> str:
    """The installed lstmviz version, recorded in files we write (read from package metadata, not the package)."""
    try:
        return importlib.metadata.version("lstmviz")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def weights_metadata(network: Network) -> dict[str, str]:
    """What shapes alone cannot say, written beside the tensors so the file reopens as the same network."""
    return {
        "format": METADATA_FORMAT,
        "cell": network.cell,
        "nonlinearity": network.nonlinearity,
        "output_activation": network.output_activation,
        "lstmviz_version": app_version(),
    }


def save_weights(network: Network, path: str | os.PathLike[str], recurrent_prefix: str = "") -> None:
    """Write the parameters under PyTorch's names to ``.npz`` or ``.safetensors``, atomically.

    ``recurrent_prefix`` (e.g. ``"rnn."``) goes in front of the recurrent parameters' names, so the file loads with
    ``load_state_dict`` into a module holding ``self.rnn = nn.LSTM(...)`` and ``self.fc = nn.Linear(...)``; the
    loader accepts any such prefix.
    """
    name = os.fspath(path)
    suffix = Path(path).suffix.lower()
    if suffix not in SAVE_SUFFIXES:
        raise _fail(name, f"cannot save weights as {suffix or '(no suffix)'!r}; use .npz or .safetensors")
    tensors = {
        (key if key.startswith("fc.") else recurrent_prefix + key): np.asarray(value)
        for key, value in network.params.items()
    }
    metadata = weights_metadata(network)
    try:
        if suffix == ".safetensors":
            write_safetensors(path, tensors, metadata)
        else:
            tensors[NPZ_METADATA_KEY] = np.array(json.dumps(metadata))
            with atomic_open(path, "wb") as stream:
                np.savez(stream, **cast("dict[str, Any]", tensors))
    except OSError as exc:
        raise _fail(name, f"cannot be written ({exc.strerror or exc})") from None


def inspect_weights(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A summary for ``lstmviz info``: cell, sizes, every parameter's shape and value range."""
    loaded = read_weights(path)
    network = loaded.network
    return {
        "cell": network.cell,
        "input_size": network.input_size,
        "hidden_size": network.hidden_size,
        "num_layers": network.num_layers,
        "output_size": network.output_size,
        "nonlinearity": network.nonlinearity,
        "output_activation": network.output_activation,
        "bias": network.bias,
        "dtype": str(network.dtype),
        "parameters": {key: tuple(value.shape) for key, value in network.params.items()},
        "ranges": {
            key: (float(value.min()), float(value.max())) if value.size else (0.0, 0.0)
            for key, value in network.params.items()
        },
        "file_names": dict(loaded.renamed or {}),
        "ignored": list(loaded.ignored),
    }

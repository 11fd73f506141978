"""Encoder-decoder weight files: one state_dict under PyTorch's names, in ``.safetensors``, ``.npz`` or ``.pt``.

The layout is what ``torch.save(model.state_dict(), path)`` writes for the module in ``docs/seq2seq.md``:

- ``encoder.weight_ih_l{k}``, ``encoder.weight_hh_l{k}``, ``encoder.bias_ih_l{k}``, ``encoder.bias_hh_l{k}`` (an
  ``nn.LSTM``/``nn.GRU``/``nn.RNN``), the same under ``decoder.``;
- ``fc.weight`` (O x H) and ``fc.bias`` (O), the decoder's output layer;
- ``embed.weight`` (V x E), an ``nn.Embedding`` shared by both sides (token models; absent for one-hot tokens and
  for numbers).

Other prefixes are found too: the two recurrent modules are told apart by names containing ``enc`` and ``dec``
(``model.encoder.rnn.``, ``enc_lstm.``), or chosen by the caller; the output layer is the one Linear reading H
(``fc``, ``out``, ``decoder.fc_out``...), the embedding a 2-D ``*embed*.weight`` without bias. Each side is read by the
single-network loader (:func:`lstmviz.io.weights.network_from_state_dict`), so the shape checks and messages are
the same. What shapes cannot tell (token or numeric inputs, a vanilla RNN's activation, the output activation) comes
from the metadata :func:`save_seq2seq` writes; without it a file with an embedding is a token model and one without
is numeric unless ``inputs="tokens"`` is chosen.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..engine.errors import EngineError
from ..engine.seq2seq import EMBED_WEIGHT, INPUT_KINDS, NUMBERS, TOKENS, Seq2Seq
from .atomic import atomic_open
from .errors import WeightsError
from .safetensors_format import write_safetensors
from .special_files import open_regular
from .weights import NPZ_METADATA_KEY, app_version, network_from_state_dict, read_state_dict

__all__ = [
    "CHOOSE_PREFIXES",
    "SEQ2SEQ_FORMAT",
    "SEQ2SEQ_SAVE_SUFFIXES",
    "Seq2SeqFile",
    "is_seq2seq_state",
    "file_recurrent_prefixes",
    "is_seq2seq_file",
    "pairs_recurrent_modules",
    "load_seq2seq",
    "read_seq2seq",
    "save_seq2seq",
    "seq2seq_from_state_dict",
]

SEQ2SEQ_FORMAT = "lstmviz-seq2seq"
SEQ2SEQ_SAVE_SUFFIXES: tuple[str, ...] = (".safetensors", ".npz", ".pt")
_RECURRENT_KEY = re.compile(r"^(?P<prefix>(?:.*\.)?)(?:weight_ih|weight_hh|bias_ih|bias_hh)_l\d+(?:_reverse)?$")
CHOOSE_PREFIXES = "choose them (--encoder-prefix/--decoder-prefix, encoder_prefix=/decoder_prefix= in Python)"
"""The remedy a refusal names when the modules' names do not say which side is which (the app asks instead)."""
_OUTPUT_NAMES = ("fc", "out", "output", "linear", "proj", "head")


@dataclass(frozen=True)
class Seq2SeqFile:
    """A loaded encoder-decoder, where its parts were found, and what was set aside."""

    model: Seq2Seq
    source: str
    prefixes: tuple[str, str]
    """(encoder prefix, decoder prefix) as they appear in the file, e.g. ``("encoder.", "decoder.")``."""
    names: Mapping[str, str] = field(default_factory=dict)
    """Name in :meth:`Seq2Seq.state_dict` -> the name it had in the file."""
    ignored: tuple[str, ...] = ()
    sources: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per side (``encoder``, ``decoder``): where each activation setting came from, as in
    :attr:`lstmviz.io.weights.WeightsFile.sources` (``file``, ``given`` or ``assumed``)."""
    inputs_source: str = "file"
    """Where the input kind came from: ``file`` (its metadata), ``given``, ``embedding`` (a file with an embedding
    reads tokens) or ``assumed`` (numbers: nothing says, and one-hot tokens have the same shapes)."""


def _recurrent_listing(keys: list[str]) -> str:
    """Every recurrent key, short enough for a one-line message: a module of whole layers as
    ``first.{weight_ih,weight_hh,bias_ih,bias_hh}_l{0,1}``, anything else key by key."""
    modules: dict[str, list[str]] = {}
    for key in keys:
        match = _RECURRENT_KEY.match(key)
        if match:
            modules.setdefault(match["prefix"], []).append(key[len(match["prefix"]) :])
    parts = []
    for prefix, names in modules.items():
        split = [name.rsplit("_l", 1) for name in names]
        params = list(dict.fromkeys(param for param, _ in split))
        layers = list(dict.fromkeys(layer for _, layer in split))
        if len(names) == len(params) * len(layers) and len(names) > 1:
            braces = [f"{{{','.join(v)}}}" if len(v) > 1 else v[0] for v in (params, layers)]
            parts.append(f"{prefix}{braces[0]}_l{braces[1]}")
        else:
            parts += [prefix + name for name in names]
    return ", ".join(parts) or "none"


def _fail(name: str, problem: str) -> WeightsError:
    return WeightsError(f"{name}: {problem}")


def _listing(keys: list[str], limit: int = 12) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f", ... ({len(keys)} keys)" if len(keys) > limit else "") if keys else "nothing"


def recurrent_prefixes(tensors: Mapping[str, Any]) -> list[str]:
    """Every module prefix holding recurrent parameters (``weight_ih_l0`` ...), in file order."""
    found: list[str] = []
    for key in tensors:
        match = _RECURRENT_KEY.match(key)
        if match and match["prefix"] not in found:
            found.append(match["prefix"])
    return found


def is_seq2seq_state(tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bool:
    """Whether a state_dict is an encoder-decoder: our own metadata says so, or it has exactly two recurrent
    modules whose names say encoder and decoder."""
    if metadata.get("format") == SEQ2SEQ_FORMAT:
        return True
    try:
        _pick_prefixes(recurrent_prefixes(tensors), None, None, "", tensors)
    except WeightsError:
        return False
    return True


def tensor_names(path: str | os.PathLike[str]) -> list[str] | None:
    """The tensor names of a ``.npz`` (zip member names) or ``.safetensors`` (its JSON header) without reading any
    tensor; None for other files and for files whose names cannot be read that way."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix not in (".npz", ".safetensors"):
            return None
        stream, _ = open_regular(path, OSError)  # never block on a FIFO: the loader says what it is
        if suffix == ".npz":
            with stream, zipfile.ZipFile(stream) as archive:
                return [name[: -len(".npy")] if name.endswith(".npy") else name for name in archive.namelist()]
        if suffix == ".safetensors":
            with stream:
                (length,) = struct.unpack("<Q", stream.read(8))
                if length > 100 << 20:
                    return None
                header = json.loads(stream.read(length).decode("utf-8"))
            return [str(key) for key in header if key != "__metadata__"] if isinstance(header, dict) else None
    except (
        OSError,
        zipfile.BadZipFile,
        struct.error,
        ValueError,
        UnicodeDecodeError,
        RecursionError,
        NotImplementedError,
        EOFError,
        OverflowError,
    ):
        return None
    return None


def file_recurrent_prefixes(path: str | os.PathLike[str]) -> list[str]:
    """The recurrent modules' prefixes in a weight file, in file order (read from the names alone when the format
    allows); empty for unreadable files."""
    names = tensor_names(path)
    if names is None:
        try:
            tensors, _ = read_state_dict(path)
        except WeightsError:
            return []
        names = list(tensors)
    return recurrent_prefixes(dict.fromkeys(names))


def pairs_recurrent_modules(path: str | os.PathLike[str]) -> bool:
    """Whether a weight file holds two or more recurrent modules: an encoder-decoder, or one whose sides are to be
    chosen (the seq2seq loader then names them, or says which keys it found); False for unreadable files."""
    return len(file_recurrent_prefixes(path)) >= 2


def is_seq2seq_file(path: str | os.PathLike[str]) -> bool:
    """Whether a weight file holds an encoder-decoder (False for single networks and for unreadable files).

    A ``.npz`` or ``.safetensors`` file whose names show fewer than two recurrent modules is answered from its
    names alone, so a large single-network file is not read twice."""
    names = tensor_names(path)
    if names is not None and len(recurrent_prefixes(dict.fromkeys(names))) < 2:
        return False
    try:
        tensors, metadata = read_state_dict(path)
    except WeightsError:
        return False
    return is_seq2seq_state(tensors, metadata)


def _normalise(prefix: str | None) -> str | None:
    if prefix is None:
        return None
    return prefix if prefix == "" or prefix.endswith(".") else prefix + "."


def _pick_prefixes(
    found: list[str], encoder: str | None, decoder: str | None, name: str, tensors: Mapping[str, np.ndarray]
) -> tuple[str, str]:
    """(encoder prefix, decoder prefix): the chosen ones, or the two recurrent modules named enc... and dec..."""
    recurrent = [key for key in tensors if _RECURRENT_KEY.match(key)]
    how = CHOOSE_PREFIXES
    if encoder is not None or decoder is not None:
        chosen = []
        for side, prefix in (("encoder", encoder), ("decoder", decoder)):
            if prefix is None:
                others = [p for p in found if p != (decoder if side == "encoder" else encoder)]
                if len(others) != 1:
                    raise _fail(
                        name,
                        f"cannot tell which recurrent module is the {side}; {how} (recurrent keys: "
                        f"{_recurrent_listing(recurrent)})",
                    )
                prefix = others[0]
            if prefix not in found:
                raise _fail(
                    name,
                    f"has no recurrent parameters under {prefix!r} (its recurrent keys: "
                    f"{_recurrent_listing(recurrent)})",
                )
            chosen.append(prefix)
        if chosen[0] == chosen[1]:
            raise _fail(name, f"the encoder and the decoder cannot both be {chosen[0]!r}")
        return chosen[0], chosen[1]
    if len(found) != 2:
        raise _fail(
            name,
            f"an encoder-decoder file needs two recurrent modules, an encoder and a decoder, but it has {len(found)}"
            + (f"; {how}" if len(found) > 2 else "")
            + f" (recurrent keys: {_recurrent_listing(recurrent)}; other keys: "
            f"{_listing([key for key in tensors if key not in recurrent], 6)})",
        )
    enc = [p for p in found if "enc" in p.lower()]
    dec = [p for p in found if "dec" in p.lower()]
    if len(enc) != 1 or len(dec) != 1 or enc == dec:
        raise _fail(
            name,
            f"cannot tell the encoder from the decoder among {found[0]!r} and {found[1]!r}; {how} (recurrent keys: "
            f"{_recurrent_listing(recurrent)})",
        )
    return enc[0], dec[0]


def _side(tensors: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The recurrent parameters under ``prefix``, with the prefix removed (nothing else of that module)."""
    out = {}
    for key, value in tensors.items():
        match = _RECURRENT_KEY.match(key)
        if match and match["prefix"] == prefix:
            out[key[len(prefix) :]] = value
    return out


def _output_layer(name: str, tensors: Mapping[str, np.ndarray], free: list[str], hidden: int) -> tuple[str, str]:
    """(weight key, bias key) of the decoder's output Linear: a 2-D weight with H columns and a bias."""
    candidates = [
        key
        for key in free
        if key.endswith("weight")
        and tensors[key].ndim == 2
        and tensors[key].shape[1] == hidden
        and key[: -len("weight")] + "bias" in tensors
    ]
    if len(candidates) > 1:
        named = [key for key in candidates if key.split(".")[-2].lower().startswith(_OUTPUT_NAMES)]
        candidates = named if len(named) == 1 else candidates
    if len(candidates) != 1:
        problem = (
            "has no output layer for the decoder"
            if not candidates
            else (f"has several layers that could be the decoder's output ({', '.join(candidates)})")
        )
        raise _fail(name, f"{problem}: expected fc.weight (O x {hidden}) and fc.bias (O); other keys: {_listing(free)}")
    weight = candidates[0]
    return weight, weight[: -len("weight")] + "bias"


def _embedding(name: str, tensors: Mapping[str, np.ndarray], free: list[str], width: int) -> list[str]:
    """The keys of the shared embedding (V x E, E = the encoder's input size): none, one, or the same array saved
    under each side's name (the first is used)."""
    candidates = [
        key
        for key in free
        if key.endswith("weight")
        and "embed" in key.lower()
        and tensors[key].ndim == 2
        and tensors[key].shape[1] == width
    ]
    if len(candidates) > 1:
        first = tensors[candidates[0]]
        if all(tensors[k].shape == first.shape and np.array_equal(tensors[k], first) for k in candidates[1:]):
            return candidates
        raise _fail(
            name,
            f"has {len(candidates)} different embeddings ({', '.join(candidates)}); lstmviz shares one embedding "
            "between the encoder and the decoder (save it once as embed.weight)",
        )
    return candidates


def _side_metadata(metadata: Mapping[str, str], side: str) -> dict[str, str]:
    out = {key: metadata[f"{side}_{key}"] for key in ("cell", "nonlinearity") if f"{side}_{key}" in metadata}
    if side == "decoder" and "output_activation" in metadata:
        out["output_activation"] = metadata["output_activation"]
    return out


def seq2seq_from_state_dict(
    tensors: Mapping[str, np.ndarray],
    metadata: Mapping[str, str],
    name: str,
    *,
    encoder_prefix: str | None = None,
    decoder_prefix: str | None = None,
    inputs: str | None = None,
    overrides: Mapping[str, str | None] | None = None,
) -> Seq2SeqFile:
    """Find the encoder, the decoder, the output layer and the embedding; check them; build the model.

    ``overrides`` (``nonlinearity`` of the vanilla RNN side(s), ``output_activation`` of the decoder's output layer)
    fill in what the metadata does not state, as for a single network (a plain state_dict stores neither)."""
    overrides = dict(overrides or {})
    encoder_overrides = {key: value for key, value in overrides.items() if key == "nonlinearity"}
    encoder_prefix, decoder_prefix = _normalise(encoder_prefix), _normalise(decoder_prefix)
    enc_prefix, dec_prefix = _pick_prefixes(recurrent_prefixes(tensors), encoder_prefix, decoder_prefix, name, tensors)
    encoder_part = network_from_state_dict(
        _side(tensors, enc_prefix),
        _side_metadata(metadata, "encoder"),
        f"{name} (encoder {enc_prefix!r})",
        encoder_overrides,
    )
    hidden = encoder_part.network.hidden_size
    used = {enc_prefix + key for key in _side(tensors, enc_prefix)} | {
        dec_prefix + k for k in _side(tensors, dec_prefix)
    }
    free = [key for key in tensors if key not in used and not _RECURRENT_KEY.match(key)]
    fc_weight, fc_bias = _output_layer(name, tensors, free, hidden)
    decoder_tensors = {**_side(tensors, dec_prefix), "fc.weight": tensors[fc_weight], "fc.bias": tensors[fc_bias]}
    decoder_part = network_from_state_dict(
        decoder_tensors, _side_metadata(metadata, "decoder"), f"{name} (decoder {dec_prefix!r})", overrides
    )
    free = [key for key in free if key not in (fc_weight, fc_bias)]
    embed_keys = _embedding(name, tensors, free, encoder_part.network.input_size)
    embed_key = embed_keys[0] if embed_keys else None
    kind = inputs or metadata.get("inputs") or (TOKENS if embed_key is not None else NUMBERS)
    inputs_source = "given" if inputs else "file" if metadata.get("inputs") else "embedding" if embed_key else "assumed"
    if kind not in INPUT_KINDS:
        raise _fail(name, f"unknown input kind {kind!r}; choose tokens or numbers")
    if embed_key is not None and kind == NUMBERS:
        raise _fail(name, f"holds an embedding ({embed_key}), so it reads tokens, not numbers")
    embedding = None
    if embed_key is not None:
        raw = tensors[embed_key]
        if raw.dtype.kind not in "fiub" or not np.all(np.isfinite(raw)):
            raise _fail(name, f"parameter {embed_key} must hold finite numbers")
        embedding = raw
    try:
        model = Seq2Seq(encoder_part.network, decoder_part.network, kind, embedding)
    except EngineError as exc:
        raise _fail(name, str(exc)) from None
    names = {f"encoder.{k}": enc_prefix + k for k in encoder_part.network.params}
    names.update({f"decoder.{k}": dec_prefix + k for k in decoder_part.network.params if not k.startswith("fc.")})
    names.update({"fc.weight": fc_weight, "fc.bias": fc_bias})
    if embed_key is not None:
        names[EMBED_WEIGHT] = embed_key
    taken = set(names.values()) | set(embed_keys)
    ignored = tuple(key for key in tensors if key not in taken)
    sources = {"encoder": dict(encoder_part.sources), "decoder": dict(decoder_part.sources)}
    return Seq2SeqFile(model, name, (enc_prefix, dec_prefix), names, ignored, sources, inputs_source)


def read_seq2seq(
    path: str | os.PathLike[str],
    *,
    encoder_prefix: str | None = None,
    decoder_prefix: str | None = None,
    inputs: str | None = None,
    overrides: Mapping[str, str | None] | None = None,
) -> Seq2SeqFile:
    """Load an encoder-decoder weight file with where its parts were found; raises :class:`WeightsError`."""
    tensors, metadata = read_state_dict(path)
    return seq2seq_from_state_dict(
        tensors,
        metadata,
        os.fspath(path),
        encoder_prefix=encoder_prefix,
        decoder_prefix=decoder_prefix,
        inputs=inputs,
        overrides=overrides,
    )


def load_seq2seq(path: str | os.PathLike[str], **choices: Any) -> Seq2Seq:
    """Read a ``.safetensors``, ``.npz`` or ``.pt`` encoder-decoder; see the module docstring for the layout."""
    return read_seq2seq(path, **choices).model


def seq2seq_metadata(model: Seq2Seq) -> dict[str, str]:
    """What shapes alone cannot say, written beside the tensors (all strings, as safetensors requires)."""
    return {
        "format": SEQ2SEQ_FORMAT,
        "inputs": model.inputs,
        "encoder_cell": model.encoder.cell,
        "decoder_cell": model.decoder.cell,
        "encoder_nonlinearity": model.encoder.nonlinearity,
        "decoder_nonlinearity": model.decoder.nonlinearity,
        "output_activation": model.decoder.output_activation,
        "lstmviz_version": app_version(),
    }


def save_seq2seq(model: Seq2Seq, path: str | os.PathLike[str]) -> None:
    """Write the model under the layout's names, atomically.

    ``.safetensors`` and ``.npz`` carry the metadata; ``.pt`` is a plain state_dict (needs torch) that
    ``model.load_state_dict(torch.load(path))`` reads as it is, so it carries none: reopened, it is a token model
    if it has an embedding, its RNN activation tanh and its output activation identity (logits).
    """
    name = os.fspath(path)
    suffix = Path(path).suffix.lower()
    if suffix not in SEQ2SEQ_SAVE_SUFFIXES:
        raise _fail(
            name,
            f"cannot save an encoder-decoder as {suffix or '(no suffix)'!r}; use {', '.join(SEQ2SEQ_SAVE_SUFFIXES)}",
        )
    tensors = {key: np.ascontiguousarray(value) for key, value in model.state_dict().items()}
    metadata = seq2seq_metadata(model)
    try:
        if suffix == ".safetensors":
            write_safetensors(path, tensors, metadata)
        elif suffix == ".npz":
            with atomic_open(path, "wb") as stream:
                np.savez(
                    stream, **cast("dict[str, Any]", {**tensors, NPZ_METADATA_KEY: np.array(json.dumps(metadata))})
                )
        else:
            _save_torch(tensors, path, name)
    except OSError as exc:
        raise _fail(name, f"cannot be written ({exc.strerror or exc})") from None


def _save_torch(tensors: Mapping[str, np.ndarray], path: str | os.PathLike[str], name: str) -> None:
    try:
        import torch
    except ImportError:
        raise _fail(name, "saving .pt files needs PyTorch; install it or save as .safetensors") from None
    state = {key: torch.from_numpy(np.array(value)) for key, value in tensors.items()}
    with atomic_open(path, "wb") as stream:
        torch.save(state, stream)

"""Encoder-decoder models on the command line: ``trace``, ``plot`` and ``info`` with a seq2seq weight file.

A ``--weights`` file holding ``encoder.*``, ``decoder.*`` and ``fc.*`` (see docs/seq2seq.md) turns ``trace`` and
``plot`` into their encoder-decoder forms: SEQUENCE is the source (token ids, one per row, or numeric values), the
decoder runs free for ``--decode-steps N`` steps (default: as many as the source has) or with teacher forcing on
``--target FILE``. The subcommands call :func:`applies` first and hand over to this module when it says yes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.errors import EngineError
from ..engine.seq2seq import INPUT_KINDS, Seq2Seq
from ..engine.seq2seq_trace import Seq2SeqTrace
from ..engine.spec import spec_for
from ..wording import plural
from .errors import CommandError
from .network_info import describe_network, network_lines
from .options import positive_int, show_parts
from .output_check import check_output

if TYPE_CHECKING:
    from ..io.seq2seq_weights import Seq2SeqFile

Warn = Any


def add_options(parser: argparse.ArgumentParser, *, target: bool = True) -> None:
    """The options of the encoder-decoder forms (``target=False`` where the command already has ``--target``)."""
    group = parser.add_argument_group(
        "encoder-decoder models", "when --weights holds an encoder and a decoder (encoder.*, decoder.*, fc.*)"
    )
    group.add_argument(
        "--decode-steps",
        type=positive_int,
        metavar="N",
        help="free-running: decode N steps, each output fed back (default: the source's length)",
    )
    if target:
        group.add_argument(
            "--target",
            metavar="FILE",
            help="teacher forcing: the true output sequence (token ids or values), fed to the decoder",
        )
    add_file_options(group)


def add_file_options(group: Any) -> None:
    """What a seq2seq file's names and shapes may not tell: which modules are the two sides, and the input kind."""
    group.add_argument("--encoder-prefix", metavar="PREFIX", help="the encoder's module prefix in the file")
    group.add_argument("--decoder-prefix", metavar="PREFIX", help="the decoder's module prefix in the file")
    group.add_argument(
        "--inputs",
        choices=INPUT_KINDS,
        default=None,
        help="token ids or numeric values (default: from the file; tokens when it has an embedding)",
    )


MODEL_SUFFIXES = (".npz", ".safetensors", ".pt", ".pth")


def applies(args: argparse.Namespace) -> bool:
    """Whether this command runs an encoder-decoder: ``--weights`` or one of the files is a seq2seq model.

    A file with two or more recurrent modules is one even when their names do not say which side is which (the
    seq2seq loader then lists them and asks for ``--encoder-prefix``/``--decoder-prefix``), and so is the
    ``--weights`` file when a prefix is given. When it applies, ``args.weights`` names the model and
    ``args.sequence`` the one source sequence beside it.
    """
    files = list(getattr(args, "files", None) or [])
    weights = getattr(args, "weights", None)
    candidates = ([weights] if weights else []) + files
    for path in candidates:
        if path == "-" or not is_model_file(path, args, chosen=path == weights):
            continue
        sources = [f for f in files if f != path]
        if len(sources) != 1:
            raise CommandError(f"{path} is an encoder-decoder: give it one source sequence file (got {len(sources)})")
        args.weights, args.sequence = path, sources[0]
        return True
    return False


def prefixes_chosen(args: argparse.Namespace) -> bool:
    """Whether ``--encoder-prefix`` or ``--decoder-prefix`` was given (the file is then an encoder-decoder)."""
    return bool(getattr(args, "encoder_prefix", None) or getattr(args, "decoder_prefix", None))


def is_model_file(path: str, args: argparse.Namespace, *, chosen: bool = True) -> bool:
    """Whether ``path`` is to be read as an encoder-decoder: a weight file with two recurrent modules, or any
    weight file when the prefixes are chosen (and ``chosen`` says this is the file they are for)."""
    from ..io.seq2seq_weights import pairs_recurrent_modules  # loaders only when a command needs them

    if Path(path).suffix.lower() not in MODEL_SUFFIXES:
        return False
    return (chosen and prefixes_chosen(args)) or pairs_recurrent_modules(path)


def load_model(args: argparse.Namespace, path: str | None = None) -> Seq2SeqFile:
    """The encoder-decoder in ``path`` (``--weights``), with the prefixes, input kind and activations given
    (``--activation`` / ``--output-activation`` say what a plain state_dict does not store)."""
    from ..io.seq2seq_weights import read_seq2seq
    from .inputs import activation_overrides

    return read_seq2seq(
        args.weights if path is None else path,
        encoder_prefix=getattr(args, "encoder_prefix", None),
        decoder_prefix=getattr(args, "decoder_prefix", None),
        inputs=getattr(args, "inputs", None),
        overrides=activation_overrides(args),
    )


def read_steps(path: str, args: argparse.Namespace, model: Seq2Seq, what: str) -> np.ndarray:
    """A source or target file as token ids (one column of whole numbers) or values (T, D)."""
    from ..io.open_any import file_kind
    from .inputs import read_sequence

    if path != "-" and file_kind(path) == "workspace":
        raise CommandError(f"{path}: a workspace holds a single network; give the {what} as a sequence file")
    values = read_sequence(path, args).values
    name = "standard input" if path == "-" else path
    if model.tokens:
        if values.shape[1] != 1:
            raise CommandError(f"{name}: a token {what} is one column of token ids, not {values.shape[1]} columns")
        try:
            return model.check_tokens(values[:, 0], f"the {what}")
        except EngineError as error:
            raise EngineError(f"{name}: {error}") from None
    if values.shape[1] != model.encoder.input_size:
        raise CommandError(
            f"{name}: the {what} has {plural(values.shape[1], 'column')} but the model reads "
            f"{model.encoder.input_size} value(s) per step"
        )
    return values


def run_model(args: argparse.Namespace, warn: Warn) -> tuple[Seq2SeqFile, Seq2SeqTrace]:
    """Load the model, the source and (teacher forcing) the target; encode and decode."""
    loaded = load_model(args)
    model = loaded.model
    ignored = [name for name in ("cell", "hidden", "layers", "seed") if getattr(args, name, None)]
    if ignored and warn is not None:
        warn(f"{', '.join('--' + n for n in ignored)} ignored: the model comes from {args.weights}")
    source = read_steps(args.sequence, args, model, "source")
    target_file = getattr(args, "target", None)
    steps = getattr(args, "decode_steps", None)
    if target_file and steps is not None:
        raise CommandError("give --target FILE (teacher forcing) or --decode-steps N (free-running), not both")
    target = read_steps(target_file, args, model, "target") if target_file else None
    files = args.sequence + (f" with target {target_file}" if target_file else "")
    try:
        trace = model.run(source, target, steps=steps)
    except EngineError as error:
        raise EngineError(f"{files}: {error}") from None
    return loaded, trace


def run_trace(args: argparse.Namespace, warn: Warn) -> int:
    """``lstmviz trace`` for an encoder-decoder: every gate and state of both sides and the context, to .npz."""
    from ..io.seq2seq_export import check_seq2seq_trace_path, export_seq2seq_trace

    check_seq2seq_trace_path(args.out)
    check_output(args.out, (".npz",), "a trace", stdout_ok=False)
    _, trace = run_model(args, warn)
    export_seq2seq_trace(trace, args.out)
    return 0


def run_plot(args: argparse.Namespace, warn: Warn) -> int:
    """``lstmviz plot`` for an encoder-decoder: encoder heatmaps, the context strip, decoder heatmaps."""
    from ..io.figures import FIGURE_FORMATS
    from ..io.seq2seq_figures import render_seq2seq_figure

    check_output(args.out, tuple(f".{fmt}" for fmt in FIGURE_FORMATS), "a figure", stdout_ok=False)
    parts = show_parts(args.show)
    if "grad" in parts:
        raise CommandError(
            "--show grad is for single networks; an encoder-decoder plot shows gates, cell, hidden, "
            "output or quantity keys"
        )
    loaded, trace = run_model(args, warn)
    render_seq2seq_figure(
        trace,
        loaded.model,
        args.out,
        show=parts if len(parts) > 1 else (parts[0] if parts else "gates"),
        layer=args.layer or 0,
        units=args.units,
        dpi=args.dpi,
        size=args.size,
    )
    return 0


# --- lstmviz info ---------------------------------------------------------------------------------------------------
def describe(path: str, args: argparse.Namespace | None = None) -> dict[str, Any]:
    """The ``info`` dict of a seq2seq weight file (``kind: seq2seq``); ``args`` may choose the prefixes and inputs."""
    from ..io.seq2seq_weights import read_seq2seq

    loaded = load_model(args, path) if args is not None else read_seq2seq(path)
    model = loaded.model
    info: dict[str, Any] = {
        "file": path,
        "kind": "seq2seq",
        "summary": model.describe(),
        "inputs": model.inputs,
        "context_size": model.context_size,
        "prefixes": {"encoder": loaded.prefixes[0], "decoder": loaded.prefixes[1]},
        "encoder": describe_network(model.encoder, dict(loaded.sources.get("encoder", {}))),
        "decoder": describe_network(model.decoder, dict(loaded.sources.get("decoder", {}))),
    }
    if model.tokens:
        info["vocab_size"] = model.vocab_size
        info["embedding"] = list(model.embedding.shape) if model.embedding is not None else None
    renamed = {name: old for name, old in loaded.names.items() if name != old}
    if renamed:
        info["names_in_file"] = renamed
    if loaded.ignored:
        info["ignored"] = list(loaded.ignored)
    return info


def format_info(info: dict[str, Any]) -> str:
    """The human-readable form of :func:`describe`'s dict."""
    lines = [f"{info['file']}: encoder-decoder (seq2seq)", f"  model        {info['summary']}"]
    if info["inputs"] == "tokens":
        embedding = info["embedding"]
        shown = f"embedding {embedding[0]} x {embedding[1]} (embed.weight)" if embedding else "one-hot"
        lines.append(f"  inputs       {info['vocab_size']} tokens, {shown}; start token 0")
    else:
        lines.append("  inputs       numeric values; the decoder starts from the last source step")
    lines.append(
        f"  context      {info['context_size']} numbers handed from encoder to decoder "
        f"(final h{' and C' if spec_for(info['encoder']['cell']).has_cell_state else ''} of each layer)"
    )
    prefixes = info["prefixes"]
    lines.append(f"  file names   encoder {prefixes['encoder']!r}, decoder {prefixes['decoder']!r}")
    for side in ("encoder", "decoder"):
        lines.append(f"  {side}")
        lines += ["  " + line for line in network_lines(info[side])]
    if info.get("ignored"):
        lines.append(f"  ignored      {', '.join(info['ignored'])} (not part of the model)")
    return "\n".join(lines)

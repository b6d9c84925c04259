"""``llm-stack``: synthesize the stack from a values file, validate manifests, run it locally."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .config import load_values
from .errors import ManifestError, ManifestInputError, OutputError, ValuesError
from .output_dir import check_output_dir

EXIT_INVALID = 2
EXIT_CHANGED = 1
"""``diff``: a synth would change the output directory."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-stack",
        description="Synthesize a KServe + vLLM + KEDA + Envoy AI Gateway stack into Kubernetes manifests.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    synth = sub.add_parser("synth", help="synthesize manifests from values files")
    _values_options(synth)
    synth.add_argument(
        "--out",
        "-o",
        default=Path("dist"),
        type=Path,
        metavar="DIR",
        help="output directory (default: dist/), or - to write the YAML stream to standard output",
    )
    _layout_options(synth)
    _format_options(synth)
    diff = sub.add_parser(
        "diff",
        help="show what a synth would change in an existing output directory (exit 1 if anything, 0 if nothing)",
    )
    _values_options(diff)
    diff.add_argument("--out", "-o", default=Path("dist"), type=Path, help="output directory (default: dist/)")
    _layout_options(diff)
    validate = sub.add_parser("validate", help="validate a directory of synthesized manifests")
    validate.add_argument(
        "directory",
        type=Path,
        help="directory of manifests (*.yaml, *.yml, *.json, as kubectl apply -f reads them), e.g. dist/",
    )
    _only_stack_option(validate)
    _add_values_command(sub)
    schema = sub.add_parser(
        "schema", help="print the JSON Schema of a values file (for editors' completion and Helm's values.schema.json)"
    )
    schema.add_argument(
        "--path", action="store_true", help="print the path of the copy shipped in the package instead of the schema"
    )
    _add_argocd_health(sub)
    for name, (summary, _) in HARNESS_COMMANDS.items():
        sub.add_parser(name, help=summary)
    return parser


STDOUT = "-"
"""``--out -``: synth writes the YAML stream to standard output."""


def _layout_options(command: argparse.ArgumentParser) -> None:
    from .output_layout import DEFAULT_LAYOUT, KUSTOMIZATION_FILE, LAYOUTS

    command.add_argument(
        "--layout",
        choices=LAYOUTS,
        default=DEFAULT_LAYOUT,
        help=f"{DEFAULT_LAYOUT}: every object in llm-stack.k8s.yaml (the default); file-per-object: one file per "
        "object, named NN-<phase>-<kind>-<namespace>-<name>.yaml so that kubectl apply -f DIR applies them in "
        "dependency order",
    )
    command.add_argument(
        "--kustomization",
        action="store_true",
        help=f"also write {KUSTOMIZATION_FILE}, a kustomization listing the files in apply order (kubectl apply -k)",
    )


def _add_values_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    values = sub.add_parser(
        "values",
        help="print the merged values with every default filled in, as a values file that synth reads back (what "
        "may be a credential left out, each given value's file and line or --set flag in a comment)",
    )
    _values_options(values)


def _to_stdout(args: argparse.Namespace) -> bool:
    return str(args.out) == STDOUT


def _stdout_refusal(args: argparse.Namespace) -> str | None:
    """Why ``args`` (with ``--out -``) cannot be done, or None."""
    if args.command == "diff":
        return (
            "diff --out -: diff compares with an output directory and never writes one; give the directory "
            "(--out DIR), or compare the stream yourself: llm-stack synth --out - ... | kubectl diff -f -"
        )
    if args.layout != "single-file":
        return f"--out - writes one YAML stream: --layout {args.layout} needs a directory (--out DIR)"
    if args.kustomization:
        return "--out - writes one YAML stream: --kustomization needs a directory (--out DIR)"
    return None


def _synth_to_stdout(args: argparse.Namespace) -> int:
    """``synth --out -``: the bytes synth would write to its one file, on standard output and nothing else there."""
    refusal = _stdout_refusal(args)
    if refusal is not None:
        print(f"llm-stack: {refusal}", file=sys.stderr)
        return EXIT_INVALID
    config = load_values(args.values, sets=args.sets)

    from .synth import synthesize_stream

    data = synthesize_stream(config, on_note=_note, on_warning=_warning)
    stream = getattr(sys.stdout, "buffer", None)
    try:
        sys.stdout.flush()
        if stream is not None:
            stream.write(data)
            stream.flush()
        else:  # a text stream (tests capture stdout as text)
            sys.stdout.write(data.decode("utf-8"))
    except BrokenPipeError:  # the reader left (`| head`): say so once, and exit as a killed writer would
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - open until exit; Python flushes stdout at exit
        print("llm-stack: standard output was closed before the manifests were written", file=sys.stderr)
        return 128 + signal.SIGPIPE
    print(f"llm-stack: wrote the manifests ({len(data)} bytes) to standard output", file=sys.stderr)
    return 0


def _print_values(args: argparse.Namespace) -> int:
    """``values``: the merged values as a values file."""
    from .effective_values import effective_values

    printed = effective_values(args.values, sets=args.sets)
    sys.stdout.write(printed.text)
    for path in printed.hidden:
        _note(f"{path}: hidden (it may be a credential): give it again with -f or --set for the same stack")
    return 0


def _add_argocd_health(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .gitops.argocd import FORMATS

    command = sub.add_parser(
        "argocd-health",
        help="print the argocd-cm patch that adds Argo CD health checks for the stack's kinds Argo CD does not "
        "assess itself (Envoy Gateway, Envoy AI Gateway, InferencePool)",
    )
    command.add_argument("--namespace", default="argocd", help="Argo CD's namespace (default: argocd)")
    command.add_argument(
        "--format",
        choices=FORMATS,
        default="configmap",
        help="configmap: the argocd-cm ConfigMap with only the health keys, for kubectl patch or kustomize "
        "(default); helm-values: the same keys under configs.cm, for Argo CD's Helm chart",
    )


def _argocd_health(args: argparse.Namespace) -> int:
    from .gitops.argocd import render

    try:
        text = render(args.format, namespace=args.namespace)  # checked before anything is printed
    except ValuesError as error:
        print(f"llm-stack: argocd-health: --{error}", file=sys.stderr)
        return EXIT_INVALID
    sys.stdout.write(text)
    return 0


HARNESS_DISTRIBUTION = "llm-inference-stack-harness"
"""The distribution of the harnesses (``harness/`` in this repository): ``verify`` and ``local-run``."""
COMMANDS_GROUP = "llm_inference_stack.commands"
"""The entry-point group a harness registers its commands in; the library never imports a harness."""
HARNESS_COMMANDS = {
    "local-run": (
        "run a values file's stack on this machine through its gateway (see local-run --help; needs the harness)",
        "runs the stack on this machine",
    ),
    "verify": (
        "apply manifests to a local kube-apiserver with the real KServe, KEDA and Envoy (AI) Gateway "
        "controllers and report what they did (see verify --help; needs the harness and Go)",
        "runs the real controllers",
    ),
}
"""Commands another distribution provides: name -> (help line, what it does, for the message when it is absent)."""


def _harness_command(name: str) -> Callable[[list[str]], int] | None:
    """The harness's ``main`` for command ``name``, from its entry point, or None when the harness is not installed."""
    from importlib.metadata import entry_points

    for entry in entry_points(group=COMMANDS_GROUP, name=name):
        command: Callable[[list[str]], int] = entry.load()
        return command
    return None


def _only_stack_option(validate: argparse.ArgumentParser) -> None:
    validate.add_argument(
        "--only-stack",
        action="store_true",
        help="validate the objects the stack wrote (label app.kubernetes.io/managed-by: llm-inference-stack) and, of "
        "the others in DIR (a platform's own, of any kind), only their references into the stack's objects",
    )


def _validate(args: argparse.Namespace) -> int:
    """``llm-stack validate DIR [--only-stack]``."""
    from .validation import validate_directory_report

    report = validate_directory_report(args.directory, only_stack=args.only_stack)
    for note in report.notes:
        _note(note)
    for warning in report.warnings:
        _warning(warning)
    print(f"{args.directory}: {report.count} objects valid", file=sys.stderr)
    return 0


def _values_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--values",
        "-f",
        required=True,
        action="append",
        type=Path,
        metavar="FILE",
        help="values file (YAML), or - to read it from standard input (at most 1 MiB); repeat to merge several in "
        "order, as Helm does (maps merge, lists and scalars replace, null deletes)",
    )
    command.add_argument(
        "--set",
        action="append",
        default=[],
        dest="sets",
        metavar="PATH=VALUE",
        help="set one value after the files, read as YAML (model.runtime.gpuCount=4, models[0].name=x); repeatable",
    )


FORMATS = ("manifests", "helm")
"""What ``synth`` writes: the manifests (``llm-stack.k8s.yaml``), or a Helm chart of them (``helm_chart``)."""


def _format_options(synth: argparse.ArgumentParser) -> None:
    synth.add_argument(
        "--format",
        choices=FORMATS,
        default="manifests",
        help="manifests: the Kubernetes YAML (default); helm: a Helm chart directory whose templates are those "
        "objects, byte for byte (values are not templated: change the values and synthesize again)",
    )
    synth.add_argument(
        "--chart-version",
        metavar="SEMVER",
        help="with --format helm: the chart's version (default: the library's version)",
    )


def _format_problem(args: argparse.Namespace) -> str | None:
    """Why synth's ``--format``, ``--chart-version`` and ``--out`` do not go together, or None."""
    if args.format != "helm":
        return "--chart-version: only with --format helm" if args.chart_version is not None else None
    if str(args.out) == "-":
        return "--format helm writes a chart directory, not one stream: give --out DIR (--out - is for manifests)"
    from .output_layout import DEFAULT_LAYOUT

    if args.layout != DEFAULT_LAYOUT or args.kustomization:
        return (
            "--format helm lays out its own templates (one per object, in synthesized order): leave out --layout and "
            "--kustomization, or use them with --format manifests"
        )
    from .helm_chart import chart_version_problem

    return chart_version_problem(args.chart_version)


def _synth_helm(args: argparse.Namespace) -> int:
    from .values_loader import load_values_with_data

    config, values = load_values_with_data(args.values, sets=args.sets)
    check_output_dir(args.out)

    from .helm_chart import synthesize_chart

    files = synthesize_chart(
        config, values, args.out, chart_version=args.chart_version, on_note=_note, on_warning=_warning
    )
    print(f"wrote a Helm chart of {len(files)} file(s) to {args.out}/", file=sys.stderr)
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llm-inference-stack")
    except PackageNotFoundError:  # a plain checkout on sys.path
        return "(not installed)"


class _Stopped(BaseException):
    """SIGINT or SIGTERM arrived: unwind (synthesis removes its staging directory) and exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


@contextmanager
def _stoppable() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``_Stopped`` (SIGTERM would otherwise end the process without any clean-up)."""
    wanted = (signal.SIGINT, signal.SIGTERM)
    try:
        previous = {s: signal.signal(s, _stop) for s in wanted}
    except ValueError:  # not the main thread: leave signals to the caller
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _quiet(_unraisable: object) -> None:
    """Report nothing: the one line about the interrupt is all the user needs."""


def _note(note: str) -> None:
    print(f"llm-stack: {note}", file=sys.stderr)


def _warning(warning: str) -> None:
    print(f"llm-stack: WARNING: {warning}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in HARNESS_COMMANDS:
        # Its options belong to the harness command's own parser.
        command = _harness_command(argv[0])
        if command is None:
            what = HARNESS_COMMANDS[argv[0]][1]
            print(
                f"llm-stack: {argv[0]} {what} and comes with the harness distribution {HARNESS_DISTRIBUTION}, which "
                "is not installed: install it from the harness/ directory of this repository "
                "(pip install ./harness)",
                file=sys.stderr,
            )
            return 2
        return command(argv[1:])
    args = _parser().parse_args(argv)
    try:
        with _stoppable():
            return _run(args)
    except (_Stopped, KeyboardInterrupt) as stop:
        signum = stop.signum if isinstance(stop, _Stopped) else signal.SIGINT
        kept = "; the output directory is as it was" if args.command in ("synth", "diff") else ""
        print(f"llm-stack: stopped by {signal.Signals(signum).name}{kept}", file=sys.stderr)
        # A terminal's Ctrl-C also stops jsii's Node.js process: its stderr relay and exit hook would add lines about
        # the broken channel. The process is about to exit: silence them.
        sys.stderr.flush()
        sys.unraisablehook = _quiet
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - open until exit
        return 128 + signum


def _schema(args: argparse.Namespace) -> int:
    """``llm-stack schema``: the values file's JSON Schema, or with ``--path`` where the package's copy is."""
    from .settings.json_schema import PACKAGE_COPY, schema_text

    if not args.path:
        sys.stdout.write(schema_text())
        return 0
    if not PACKAGE_COPY.is_file():
        print(
            f"llm-stack: this installation holds no copy of the schema ({PACKAGE_COPY}): write one with "
            "llm-stack schema > values.schema.json",
            file=sys.stderr,
        )
        return EXIT_INVALID
    print(PACKAGE_COPY)
    return 0


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "synth" and (problem := _format_problem(args)) is not None:
            print(f"llm-stack: {problem}", file=sys.stderr)
            return EXIT_INVALID
        if args.command == "synth" and args.format == "helm":
            return _synth_helm(args)
        if args.command in ("synth", "diff") and _to_stdout(args):
            return _synth_to_stdout(args)
        if args.command == "values":
            return _print_values(args)
        if args.command == "synth":
            config = load_values(args.values, sets=args.sets)  # fails fast, before the generated modules load
            check_output_dir(args.out)

            from .synth import synthesize

            files = synthesize(
                config,
                args.out,
                layout=args.layout,
                kustomization=args.kustomization,
                on_note=_note,
                on_warning=_warning,
            )
            print(f"wrote {len(files)} file(s) to {args.out}/", file=sys.stderr)
            return 0
        if args.command == "diff":
            config = load_values(args.values, sets=args.sets)
            check_output_dir(args.out)

            from .diff import diff_output

            result = diff_output(
                config,
                args.out,
                layout=args.layout,
                kustomization=args.kustomization,
                on_note=_note,
                on_warning=_warning,
            )
            for name in result.added:
                print(f"added: {name}")
            for name in result.removed:
                print(f"removed: {name}")
            for text in result.changed:
                sys.stdout.write(text)
            for name in result.rewritten_files:
                print(f"rewritten (same objects, other bytes): {name}")
            print(f"llm-stack: {args.out}/: {result.summary()}", file=sys.stderr)
            return EXIT_CHANGED if not result.empty else 0
        if args.command == "schema":
            return _schema(args)
        if args.command == "argocd-health":
            return _argocd_health(args)
        if args.command == "validate":
            return _validate(args)
    except ValuesError as error:
        print(f"llm-stack: invalid values: {error}", file=sys.stderr)
        return EXIT_INVALID
    except OutputError as error:
        print(f"llm-stack: cannot write the output: {error}", file=sys.stderr)
        return EXIT_INVALID
    except ManifestInputError as error:
        print(f"llm-stack: cannot validate: {error.problems[0]}", file=sys.stderr)
        return EXIT_INVALID
    except ManifestError as error:
        print("llm-stack: invalid manifests:\n" + "\n".join(f"  - {p}" for p in error.problems), file=sys.stderr)
        return EXIT_INVALID
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())

"""``llm-stack``: synthesize the stack from a values file, validate manifests, run it locally."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import load_values
from .errors import ManifestError, ValuesError

EXIT_INVALID = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-stack",
        description="Synthesize a KServe + vLLM + KEDA + Envoy AI Gateway stack into Kubernetes manifests.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    synth = sub.add_parser("synth", help="synthesize manifests from a values file")
    synth.add_argument("--values", "-f", required=True, type=Path, help="values file (YAML)")
    synth.add_argument("--out", "-o", default=Path("dist"), type=Path, help="output directory (default: dist/)")
    validate = sub.add_parser("validate", help="validate a directory of synthesized manifests")
    validate.add_argument("directory", type=Path, help="directory of YAML manifests, e.g. dist/")
    sub.add_parser(
        "local-run", help="run vLLM, Prometheus and Phoenix locally from a values file (see local-run --help)"
    )
    sub.add_parser(
        "verify",
        help="apply manifests to a local kube-apiserver with the real KServe, KEDA and Envoy (AI) Gateway "
        "controllers and report what they did (see verify --help; needs Go)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["local-run"]:
        # Its options belong to local_run's own parser.
        from .local_run import main as local_main

        return local_main(argv[1:])
    if argv[:1] == ["verify"]:
        from .controlplane.verify import main as verify_main

        return verify_main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "synth":
            config = load_values(args.values)  # fails fast, before the generated modules load

            from .synth import synthesize

            files = synthesize(config, args.out)
            print(f"wrote {len(files)} file(s) to {args.out}/", file=sys.stderr)
            return 0
        if args.command == "validate":
            from .validation import validate_directory_report

            report = validate_directory_report(args.directory)
            for note in report.notes:
                print(f"llm-stack: {note}", file=sys.stderr)
            print(f"{args.directory}: {report.count} objects valid", file=sys.stderr)
            return 0
    except ValuesError as error:
        print(f"llm-stack: invalid values: {error}", file=sys.stderr)
        return EXIT_INVALID
    except ManifestError as error:
        print("llm-stack: invalid manifests:\n" + "\n".join(f"  - {p}" for p in error.problems), file=sys.stderr)
        return EXIT_INVALID
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())

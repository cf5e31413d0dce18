"""Validates FHIR R4 bundles written by `taut export --format fhir` with fhir.resources 6.4.0 (FHIR 4.0.1).

Usage: python validate_fhir.py [--require Type,Type...] FILE...
Exit status 1 and every error printed when any bundle is invalid, or when `--require` names a resource type that
none of the bundles holds (so that a validation run cannot pass by not seeing a resource at all).
.ci/run installs `fhir.resources==6.4.0` and `pydantic<2` in a virtual environment and runs this on the export
of every demo patient.
"""

import json
import sys

import fhir.resources
from fhir.resources.bundle import Bundle
from pydantic import ValidationError


def main(args):
    if fhir.resources.__fhir_version__ != "4.0.1":
        print(f"fhir.resources speaks FHIR {fhir.resources.__fhir_version__}, not R4 4.0.1", file=sys.stderr)
        return 1
    required = set()
    if len(args) >= 2 and args[0] == "--require":
        required = {kind for kind in args[1].split(",") if kind}
        args = args[2:]
    paths = args
    seen = set()
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        try:
            bundle = Bundle.parse_obj(data)
        except ValidationError as error:
            failed += 1
            print(f"{path}: {error}", file=sys.stderr)
            continue
        kinds = sorted({entry.resource.resource_type for entry in bundle.entry or []})
        seen.update(kinds)
        print(f"{path}: valid R4 Bundle ({bundle.type}, {len(bundle.entry or [])} entries: {', '.join(kinds)})")
    missing = sorted(required - seen)
    if missing:
        failed += 1
        print(f"no bundle holds {', '.join(missing)}: the validation did not see them", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

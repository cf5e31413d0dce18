"""Validates FHIR R4 bundles written by `taut export --format fhir` with fhir.resources 6.4.0 (FHIR 4.0.1).

Usage: python validate_fhir.py FILE...   Exit status 1 and every error printed when any bundle is invalid.
.ci/run installs `fhir.resources==6.4.0` and `pydantic<2` in a virtual environment and runs this on the export
of every demo patient.
"""

import json
import sys

import fhir.resources
from fhir.resources.bundle import Bundle
from pydantic import ValidationError


def main(paths):
    if fhir.resources.__fhir_version__ != "4.0.1":
        print(f"fhir.resources speaks FHIR {fhir.resources.__fhir_version__}, not R4 4.0.1", file=sys.stderr)
        return 1
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
        print(f"{path}: valid R4 Bundle ({bundle.type}, {len(bundle.entry or [])} entries: {', '.join(kinds)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

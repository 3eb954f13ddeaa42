"""The guide scripts are wired in: CI runs every one, and each guide points at the script that runs it.

A script nobody runs drifts like the prose it was meant to check, so adding docs/examples/<x>.sh without
listing it in .ci/guides (or without a link from its guide) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
GUIDE_OF = {"mobile": "mobile-app"}  # script name → guide name where they differ


def _scripts() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.sh") if p.name != "lib.sh")


def _ci_guides() -> list[str]:
    text = (ROOT / ".ci" / "guides").read_text()
    match = re.search(r"^GUIDES=\$\{GUIDES:-([^}]*)\}", text, re.MULTILINE)
    assert match, ".ci/guides must set GUIDES=${GUIDES:-…}"
    return match.group(1).split()


def test_ci_runs_every_guide_script_and_only_existing_ones():
    listed = _ci_guides()
    assert sorted(listed) == _scripts()
    assert listed.index("hospital") < listed.index("mobile") < listed.index("counter") < listed.index("officer")


def test_each_guide_links_the_script_that_runs_it():
    for name in _scripts():
        guide = ROOT / "docs" / f"{GUIDE_OF.get(name, name)}.md"
        assert f"(examples/{name}.sh)" in guide.read_text(), f"{guide.name} does not link examples/{name}.sh"


def test_guide_scripts_use_the_shared_checks():
    for name in _scripts():
        text = (EXAMPLES / f"{name}.sh").read_text()
        assert 'source "$HERE/lib.sh"' in text, name
        assert re.search(r"^echo \"\w+ guide: every step answered as documented\"$", text, re.MULTILINE), name

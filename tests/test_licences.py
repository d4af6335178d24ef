"""No runtime dependency under the GPL or the AGPL: the portal is shared under a permissive
licence, and a site built on it must be able to keep its own code closed. (The LGPL, which
psycopg and pycountry use, allows that; the PDF reader is pypdf, BSD.)"""

import re
from importlib import metadata
from pathlib import Path

import pytest
from django.conf import settings

REQUIREMENTS = Path(settings.BASE_DIR) / "requirements.txt"
COPYLEFT = re.compile(r"(?<![L])\b(A?GPL)|GNU (Affero )?General Public", re.IGNORECASE)


def pinned():
    names = []
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[\[=<>~!]", line, maxsplit=1)[0])
    return names


def licence_of(name):
    meta = metadata.metadata(name)
    declared = [meta.get("License-Expression") or "", (meta.get("License") or "")[:200]]
    classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " | ".join(filter(None, [*declared, *classifiers]))


def copyleft(text):
    return bool(COPYLEFT.search(text.replace("Lesser General Public", "")))


def test_the_check_tells_copyleft_from_lesser_and_permissive():
    assert copyleft("GPL-3.0-or-later")
    assert copyleft("AGPL-3.0-only")
    assert copyleft("License :: OSI Approved :: GNU Affero General Public License v3")
    assert copyleft("License :: OSI Approved :: GNU General Public License v2 (GPLv2)")
    assert not copyleft("LGPL-3.0-only")
    assert not copyleft("License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)")
    assert not copyleft("BSD-3-Clause | Apache-2.0 OR BSD-3-Clause")


@pytest.mark.parametrize("name", pinned())
def test_no_runtime_dependency_is_gpl_or_agpl(name):
    assert not copyleft(licence_of(name)), f"{name}: {licence_of(name)}"


def test_the_pdf_reader_is_a_permissive_one():
    assert "pypdf" in pinned()
    assert "BSD" in licence_of("pypdf")

"""Every compiled catalogue says what its .po says: a .mo merged as a binary, or left behind by `compilemessages`
(which skips a .mo newer than its .po), would show new strings untranslated without any test noticing."""

import gettext
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(path for path in ROOT.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in path.parts)


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)


def test_there_are_catalogues_to_check():
    assert len(SOURCES) >= 2 and all(source.with_suffix(".mo").exists() for source in SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: str(path.relative_to(ROOT).parent.parent.parent))
def test_each_compiled_catalogue_matches_its_source(source, tmp_path):
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(source)], check=True)
    compiled, expected = _catalog(source.with_suffix(".mo")), _catalog(fresh)
    missing = sorted(str(key) for key in expected if compiled.get(key) != expected[key])
    assert not missing, f"{source.with_suffix('.mo')} is stale; run msgfmt -o … .po. Differs for: {missing[:10]}"

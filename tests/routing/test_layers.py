"""routing sits below leads: it imports profiles and the standard library, never leads or the project package."""

import ast
from pathlib import Path

import routing

FORBIDDEN = {"leads", "leadhub", "insights", "webhooks", "privacy"}


def imported_top_level_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_routing_never_imports_leads_or_the_project_package():
    offenders = {
        str(path): imported_top_level_packages(path) & FORBIDDEN for path in Path(routing.__file__).parent.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_profiles_never_imports_routing_or_leads():
    import profiles

    offenders = [
        str(path)
        for path in Path(profiles.__file__).parent.rglob("*.py")
        if imported_top_level_packages(path) & {"routing", "leads"}
    ]
    assert offenders == []

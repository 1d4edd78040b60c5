"""An import-linter contract: apps talk to each other only through their public faces.

Each app's ``services`` and ``selectors`` packages (and ``models``, for foreign keys and types)
are what other apps may import; everything else in an app is private to it. The built-in
``protected`` contract cannot say "all of this package but these three submodules", hence this
contract type, registered in ``[tool.importlinter]`` of pyproject.toml::

    [[tool.importlinter.contracts]]
    type = "public_faces"
    apps = ["academy.people", "courses", ...]
    faces = ["models", "services", "selectors"]

An import from app A of ``B`` itself or of any module of B other than ``B.<face>`` breaks the
contract; imports within an app, and imports by modules outside every listed app (the project's
urls and settings, tests), are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import grimp
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True, order=True)
class _Link:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]


def _owner(module: str, apps: list[str]) -> str | None:
    """The app (the longest listed package) that ``module`` belongs to, if any."""
    matches = [app for app in apps if module == app or module.startswith(app + ".")]
    return max(matches, key=len) if matches else None


class PublicFacesContract(Contract):
    """Modules of one app import another app's modules only through its faces."""

    type_name = "public_faces"

    apps = fields.ListField(subfield=fields.StringField())
    faces = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        apps: list[str] = list(self.apps)  # type: ignore[call-overload]
        faces = {f"{app}.{face}" for app in apps for face in self.faces}  # type: ignore[attr-defined]
        illegal: list[_Link] = []
        for importer in sorted(graph.modules):
            importer_app = _owner(importer, apps)
            if importer_app is None:
                continue
            for imported in graph.find_modules_directly_imported_by(importer):
                imported_app = _owner(imported, apps)
                if imported_app in (None, importer_app) or imported in faces:
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                illegal.append(_Link(importer, imported,
                                     tuple(detail["line_number"] for detail in details)))
        return ContractCheck(kept=not illegal, metadata={"illegal": sorted(illegal)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Imports of another app's private modules (import its services, "
                           "selectors or models instead):", bold=False)
        output.new_line()
        for link in check.metadata["illegal"]:
            lines = ", ".join(map(str, link.line_numbers))
            output.print_error(f"- {link.importer} -> {link.imported} (l.{lines})", bold=False)
        output.new_line()

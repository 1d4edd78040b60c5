"""The public-faces contract of ``make lint`` (tools/public_faces.py) on small import graphs."""

import grimp
import pytest

from tools.public_faces import PublicFacesContract


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for line, (importer, imported) in enumerate(imports, start=1):
        graph.add_import(importer=importer, imported=imported, line_number=line,
                         line_contents=f"from {imported} import x")
    return graph


def _check(graph: grimp.ImportGraph):
    contract = PublicFacesContract(
        name="faces", session_options={},
        contract_options={"apps": ["lower", "lower.sub", "upper"],
                          "faces": ["models", "services", "selectors"]})
    return contract.check(graph, verbose=False)


@pytest.mark.parametrize("imported", ["lower.models", "lower.services", "lower.selectors"])
def test_an_app_may_import_another_apps_faces(imported):
    assert _check(_graph(("upper.views", imported))).kept


@pytest.mark.parametrize("imported", ["lower.pdf", "lower", "lower.services.issuance",
                                      "lower.models.issued"])
def test_an_app_may_not_import_another_apps_private_modules(imported):
    check = _check(_graph(("upper.views", imported), ("upper.tasks", "lower.services")))
    assert not check.kept
    assert [(link.importer, link.imported) for link in check.metadata["illegal"]] == [
        ("upper.views", imported)]
    assert check.metadata["illegal"][0].line_numbers == (1,)


def test_imports_inside_one_app_and_from_outside_every_app_are_not_checked():
    graph = _graph(("upper.views", "upper.pdf"), ("project.urls", "upper.views"),
                   ("lower.sub.views", "lower.sub.forms"))
    assert _check(graph).kept


def test_a_nested_app_is_its_own_app():
    """``lower.sub`` is an app of its own inside ``lower``: ``lower`` reaches it by its face."""
    assert not _check(_graph(("lower.views", "lower.sub.pdf"))).kept
    assert _check(_graph(("lower.views", "lower.sub.services"))).kept

"""Imports run one way. The rules, checked over every module of the project:

1. No import cycles between modules, counting imports inside functions.
2. `core` (shared pieces: text, fields, markdown, the web helpers) imports no app, any
   module may import it, and nothing but the project wiring imports `config`.
3. Layers inside an app, from the top: views, urls, admin, feeds, forms, template tags,
   commands and the app config (its ``ready()`` wires them in); then tasks; then actions
   (every module not named here); then selectors and permissions; then models; pure
   modules (no ORM) beside them. A module imports only from its own layer or below,
   except that an action may enqueue its own app's tasks (rule 1 still holds: a task
   module must not import the action that enqueues it).
4. Across apps, a module may use another app's models, selectors, permissions, actions and
   pure modules, never its views, forms, admin, urls or template tags, and never a name
   that starts with an underscore (in any module other than its own).
5. `portability` (a community's archive) reads the domain apps and nothing imports it but
   the project wiring: the domain never depends on how it is exported. `api` (the public
   API, a web layer over the domain apps) likewise.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "community", "members", "purposes", "moderation", "notifications", "engagement")
APPS += ("portability", "api")
LEAVES = ("portability", "api")  # apps that only the wiring imports
WIRING = ("config", "demo")  # on top: they may import anything, and nothing imports them
PURE = {"purposes.tally", "purposes.charter_diff", "engagement.health", "engagement.plots"}
PURE |= {"portability.history"}
PURE |= {"purposes.methods"} | {
    f"purposes.methods.{name}"
    for name in ("result", "ties", "majority", "consent", "approval", "ranked", "score", "charter")
}
WEB = {"views", "urls", "admin", "feeds", "forms", "templatetags", "management", "middleware"}
WEB |= {"context_processors", "adapter", "account_forms", "founding_forms", "apps"}
RANK = {"web": 4, "tasks": 3, "actions": 2, "reads": 1, "models": 0, "pure": 0}


@dataclass(frozen=True)
class Import:
    source: str
    target: str  # a module of the project
    name: str | None  # the name imported from it, if any
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path, packages) -> dict[str, Path]:
    modules = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path, root)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    found = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [
                Import(name, alias.name, None, node.lineno)
                for alias in node.names
                if alias.name in modules
            ]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:
                    found.append(Import(name, f"{base}.{alias.name}", None, node.lineno))
                elif base in modules:
                    found.append(Import(name, base, alias.name, node.lineno))
    return found


def app_of(module: str) -> str:
    return module.split(".")[0]


def layer_of(module: str) -> str:
    if module in PURE:
        return "pure"
    parts = module.split(".")[1:]
    if not parts:
        return "actions"
    if WEB & set(parts):
        return "web"
    if "tasks" in parts:
        return "tasks"
    if parts[0] in ("selectors", "permissions"):
        return "reads"
    if parts[0] in ("models", "apps", "signals"):
        return "models"
    return "actions"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def violations(root: Path, apps=APPS, wiring=WIRING, leaves=LEAVES) -> list[str]:
    modules = project_modules(root, (*apps, *wiring))
    found = [i for name, path in modules.items() for i in imports_of(name, path, modules)]
    problems = []
    graph: dict[str, set[str]] = {}
    for i in found:
        if i.target != i.source:
            graph.setdefault(i.source, set()).add(i.target)
        where = f"{i.source} line {i.line} imports {i.target}" + (f".{i.name}" if i.name else "")
        source_app, target_app = app_of(i.source), app_of(i.target)
        if source_app in wiring:
            continue
        if target_app in wiring:
            problems.append(f"{where}: only the project wiring may import {target_app}")
            continue
        if target_app in leaves and source_app != target_app:
            problems.append(f"{where}: nothing but the project wiring imports {target_app}")
            continue
        if source_app == "core" and target_app != "core":
            problems.append(f"{where}: core imports no app")
            continue
        if target_app == "core":
            continue
        if i.name and i.name.startswith("_") and not i.name.startswith("__"):
            problems.append(f"{where}: a private name of another module")
        source_layer, target_layer = layer_of(i.source), layer_of(i.target)
        if source_layer == "pure" and target_layer != "pure":
            problems.append(f"{where}: a pure module imports only pure modules")
        elif source_app != target_app and target_app != "core" and target_layer == "web":
            problems.append(f"{where}: another app's views, forms and pages are its own")
        elif RANK[target_layer] > RANK[source_layer] and not (
            source_layer == "actions" and target_layer == "tasks" and source_app == target_app
        ):
            problems.append(f"{where}: {source_layer} may not import {target_layer}")
    problems += [f"import cycle: {' -> '.join(group)}" for group in cycles(graph)]
    return problems


def test_the_project_keeps_its_import_layers():
    assert violations(ROOT) == []


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def tree(tmp_path):
    return write(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/text.py": "def clean(s): return s\n",
            "community/__init__.py": "",
            "community/models.py": "from core.text import clean\n",
            "community/selectors.py": "from community.models import clean\n",
            "community/actions.py": "from community import selectors, tasks\n",
            "community/tasks.py": "from community import selectors\n",
            "community/views.py": "from community import actions\n",
            "members/__init__.py": "",
            "members/actions.py": "from community.actions import clean\n",
            "portability/__init__.py": "",
            "portability/archive.py": "from community import selectors\n",
            "config/__init__.py": "",
            "config/urls.py": "from community import views\n",
        },
    )


def test_violations_none_in_a_tree_that_keeps_the_layers(tree):
    apps = ("core", "community", "members", "portability")
    assert violations(tree, apps=apps, wiring=("config",)) == []


@pytest.mark.parametrize(
    ("module", "text", "complaint"),
    [
        ("community/models.py", "from community import views\n", "models may not import web"),
        ("community/selectors.py", "from community import actions\n", "reads may not import"),
        ("community/tasks.py", "from community import views\n", "tasks may not import web"),
        ("members/actions.py", "from community.views import x\n", "another app's views"),
        ("members/actions.py", "from community import tasks\n", "actions may not import tasks"),
        ("members/actions.py", "from community.actions import _helper\n", "a private name"),
        ("core/text.py", "from community import models\n", "core imports no app"),
        ("community/actions.py", "from config import urls\n", "only the project wiring"),
        ("community/tasks.py", "def f():\n    from community import actions\n", "import cycle"),
        ("community/actions.py", "from portability import archive\n", "nothing but the project"),
    ],
)
def test_violations_found_when_an_import_breaks_a_rule(tree, module, text, complaint):
    path = tree / module
    path.write_text(path.read_text() + text)
    apps = ("core", "community", "members", "portability")
    found = violations(tree, apps=apps, wiring=("config",))
    assert any(complaint in problem for problem in found), found

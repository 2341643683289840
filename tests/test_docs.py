"""The documentation: its code runs, its API reference is complete, it renders.

Every ```python block of the narrative pages is executed, page by page, in
order, in one namespace per page, with the repository root as the working
directory and `RLSSM_DOCS_FAST=1` (set it to 0 to run the pages' full settings).
`--8<-- "path"` lines (pymdownx.snippets) are replaced by the file they include,
so the code that runs is the code the site shows.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rlssm

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MKDOCS = Path(sys.executable).with_name("mkdocs")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

FENCE = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)
SNIPPET = re.compile(r'^--8<-- "([^"]+)"$', re.M)

PAGES = sorted(
    path.relative_to(DOCS).as_posix()
    for path in DOCS.rglob("*.md")
    if "```python" in path.read_text()
)


def code_blocks(page: str) -> list[tuple[int, str]]:
    """The page's python blocks with their first line number, snippets inlined."""
    text = (DOCS / page).read_text()
    blocks = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        code = SNIPPET.sub(
            lambda m: (ROOT / m.group(1)).read_text().rstrip("\n"), match.group(1)
        )
        blocks.append((line, code))
    # Indented fences (in admonitions, lists) would be silently skipped: forbid them.
    assert len(blocks) == text.count("```python"), (
        f"docs/{page}: every ```python fence must start a line, unindented"
    )
    return blocks


def test_narrative_pages_have_code():
    # index.md, tutorial.md and every how-to run; the API pages hold no code.
    assert {"index.md", "tutorial.md"} | {
        f"how-to/{path.name}" for path in (DOCS / "how-to").glob("*.md")
    } <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs(page, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("RLSSM_DOCS_FAST", os.environ.get("RLSSM_DOCS_FAST", "1"))
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    namespace = {"__name__": f"docs.{page}"}
    began = time.perf_counter()
    try:
        for line, code in code_blocks(page):
            exec(
                compile(code, f"docs/{page} (block at line {line})", "exec"), namespace
            )
    finally:
        plt.close("all")
    print(f"docs/{page}: {time.perf_counter() - began:.1f} s")


def test_custom_rule_how_to_shows_the_tested_class():
    text = (DOCS / "how-to" / "learning-rule.md").read_text()
    assert '--8<-- "examples/forgetful_rw.py"' in text
    tests = (ROOT / "tests" / "test_learning.py").read_text()
    assert "forgetful_rw.py" in tests and "class ForgetfulRW" not in tests


def test_api_reference_lists_every_public_object():
    pages = "\n".join(path.read_text() for path in (DOCS / "api").glob("*.md"))
    documented = set(re.findall(r"^\s*::: rlssm\.(\w+)$", pages, flags=re.M))
    assert sorted(set(rlssm.__all__) - documented) == []
    assert sorted(documented - set(rlssm.__all__)) == []


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built strictly (warnings are errors) into a temporary folder."""
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING -" not in result.stderr, result.stderr
    return folder


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    """Run headless Chromium with flags that keep it offline and quiet."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1280,1400",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless browser check needs Debian's `chromium` "
    "(apt-get install chromium; .ci/run installs it)",
)
@pytest.mark.parametrize(
    "page, headings",
    [
        ("index.html", ["rlssm", "What an RLSSM is", "Install", "Quickstart"]),
        ("api/model/index.html", ["Model", "rlssm.RLSSM", "rlssm.group_draws"]),
    ],
)
def test_site_renders_in_headless_browser(site, page, headings, tmp_path):
    url = (site / page).as_uri()
    dom = chromium("--dump-dom", url, profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr
    found = [
        re.sub(r"<[^>]+>|¶", "", heading).strip()
        for heading in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", dom.stdout, re.S)
    ]
    for heading in headings:
        assert heading in found, (heading, found)
    if page == "index.html":
        assert 'src="assets/rlssm.svg"' in dom.stdout
    screenshot = tmp_path / "screenshot.png"
    shot = chromium(f"--screenshot={screenshot}", url, profile=tmp_path / "profile")
    assert shot.returncode == 0, shot.stderr
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    pixels = matplotlib.image.imread(screenshot)
    assert pixels.shape[:2] == (1400, 1280)
    assert pixels.reshape(-1, pixels.shape[-1]).std(axis=0).max() > 0.05  # not blank

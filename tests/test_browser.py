"""The book as a reader and a student meet it, in headless Chromium.

Reader: the built site (book/_build/html, made by `make book`) is served on
127.0.0.1 and every page of the table of contents is loaded with every request
to any other host aborted, which proves the site renders offline.  Each page
must show rendered math (no raw TeX), load every image, render every stored
widget snapshot, log no console error, and link only to things that exist.
A full-page screenshot of each goes to test-output/browser/.  Also: every
chapter is built, has numbered figure captions, Binder/Colab/download buttons
and a static figure after each widget; MathJax and the widget manager are
served from the site; every exercises/NN_*.ipynb is linked.

Student: JupyterLab is started on 127.0.0.1 with the project's kernel on a
copy of book/; each chapter notebook whose stored outputs hold widgets is
opened, run (Run All Cells), each picture widget's main control is moved,
and its picture must change.

BPCOURSE_BOOK_HTML overrides the site folder (used to test the tests on a
scratch book).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from functools import partial
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SITE = Path(os.environ.get("BPCOURSE_BOOK_HTML", BOOK / "_build" / "html"))
SOURCES = SITE.parent.parent if "BPCOURSE_BOOK_HTML" in os.environ else BOOK
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CHAPTERS = ["01_perceptron_backprop", "02_conv_pool_backprop", "03_activations", "04_rbm_contrastive_divergence"]


def toc_pages() -> list[str]:
    toc = yaml.safe_load((SOURCES / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [c["file"] for c in part.get("chapters", [])]
    return pages


def widget_notebooks() -> list[Path]:
    """Chapter notebooks whose stored outputs contain a widget view."""
    found = []
    for name in CHAPTERS:
        path = SOURCES / f"{name}.ipynb"
        if path.exists():
            nb = json.loads(path.read_text(encoding="utf-8"))
            if any(WIDGET_VIEW in out.get("data", {}) for cell in nb["cells"] for out in cell.get("outputs", [])):
                found.append(path)
    return found


# --------------------------------------------------------------------------- reader: the built site

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def site():
    """Base URL of the built site served on 127.0.0.1 at a free port."""
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE}/index.html is missing: run `make book` first", pytrace=False)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def _playwright_timeout():
    try:
        from playwright.sync_api import TimeoutError as timeout_error
    except ImportError:  # the browser fixture reports the missing package
        return TimeoutError
    return timeout_error


PlaywrightTimeout = _playwright_timeout()


def offline_page(browser, blocked: list[str], errors: list[str]):
    """A page in a fresh context that aborts every request not to 127.0.0.1 and records errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

    def route(route):
        host = urllib.parse.urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return context, page


# Outside code, a reader should never see a dollar sign, \( \) \[ \] or a TeX command such as \delta.
RAW_TEX = re.compile(r"\$|\\[()\[\]]|\\[a-zA-Z]+")

VISIBLE_TEXT_JS = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, mjx-assistive-mml, .highlight').forEach(e => e.remove());
  return body.innerText;
}"""

WIDGETS_JS = """() => Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
  .map(s => { const area = s.previousElementSibling;
              const ok = !!area && area.classList.contains('widget-subarea') && area.children.length > 0;
              const imgs = ok ? Array.from(area.querySelectorAll('img')) : [];
              return {ok: ok, imgs: imgs.length, loaded: imgs.every(i => i.complete && i.naturalWidth > 0)}; })"""

IMAGES_JS = """() => Array.from(document.images)
  .filter(i => !(i.complete && i.naturalWidth > 0))
  .map(i => i.currentSrc || i.src || i.outerHTML.slice(0, 120))"""

LINKS_JS = """() => [
  ...Array.from(document.querySelectorAll('a[href]'), e => e.href),
  ...Array.from(document.querySelectorAll('img[src], script[src]'), e => e.src),
  ...Array.from(document.querySelectorAll('link[href]'), e => e.href)]"""


@pytest.mark.parametrize("name", toc_pages())
def test_page_renders_offline(name, browser, site, test_output_dir):
    html_file = SITE / f"{name}.html"
    assert html_file.exists(), f"{name}.html was not built: is {name} in book/ and in _toc.yml?"
    source = html_file.read_text(encoding="utf-8")
    blocked: list[str] = []
    errors: list[str] = []
    context, page = offline_page(browser, blocked, errors)
    try:
        page.goto(site + f"{name}.html", wait_until="load")
        has_math = 'class="math' in source
        if has_math:
            try:
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                       timeout=20_000)
            except PlaywrightTimeout:
                raise AssertionError(f"{name}: MathJax did not load in 20 s; blocked external requests: "
                                     f"{blocked}; errors: {errors}") from None
            page.evaluate("() => MathJax.startup.promise")
            assert page.locator("mjx-container").count() > 0, f"{name}: the page has math but MathJax rendered none"
            merrors = page.locator("mjx-merror").all_inner_texts()
            assert not merrors, f"{name}: MathJax could not typeset: {merrors}"
        n_views = source.count(f'type="{WIDGET_VIEW}"')
        if n_views:
            try:
                page.wait_for_function(
                    "() => Array.from(document.querySelectorAll("
                    "'script[type=\"application/vnd.jupyter.widget-view+json\"]')).every("
                    "s => s.previousElementSibling && s.previousElementSibling.classList.contains('widget-subarea')"
                    " && s.previousElementSibling.children.length > 0)", timeout=30_000)
            except PlaywrightTimeout:
                raise AssertionError(f"{name}: the widget snapshots did not render in 30 s; blocked external "
                                     f"requests: {blocked}; errors: {errors}") from None
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(test_output_dir / f"{name}.png"), full_page=True)

        text = page.evaluate(VISIBLE_TEXT_JS)
        raw = [text[max(0, m.start() - 30):m.end() + 30] for m in RAW_TEX.finditer(text)]
        assert not raw, f"{name}: raw TeX in the visible text (not typeset by MathJax): {raw[:5]}"
        widgets = page.evaluate(WIDGETS_JS)
        assert len(widgets) == n_views
        bad = [i for i, w in enumerate(widgets) if not (w["ok"] and w["loaded"])]
        assert not bad, f"{name}: widget snapshots {bad} (of {len(widgets)}) did not render: {widgets}"
        broken = page.evaluate(IMAGES_JS)
        assert not broken, f"{name}: images that did not load: {broken}"
        assert not blocked, f"{name}: the page asked for external resources (blocked): {sorted(set(blocked))}"
        assert not errors, f"{name}: console errors:\n" + "\n".join(errors)
        links = page.evaluate(LINKS_JS)
    finally:
        context.close()
    check_internal_links(name, site, links)


_FETCHED: dict[str, tuple[int, str]] = {}


def fetch(url: str) -> tuple[int, str]:
    if url not in _FETCHED:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - our own 127.0.0.1 server
                body = resp.read()
                text = body.decode("utf-8", "replace") if url.endswith((".html", "/")) else ""
                _FETCHED[url] = (resp.status, text)
        except urllib.error.HTTPError as err:
            _FETCHED[url] = (err.code, "")
    return _FETCHED[url]


def check_internal_links(name: str, site: str, links: list[str]) -> None:
    """Every same-site link must answer 200 and, for a #fragment into an HTML page, the id must exist."""
    broken = []
    for link in sorted(set(links)):
        if not link.startswith(site):
            continue
        parts = urllib.parse.urlsplit(link)
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        status, text = fetch(url)
        if status != 200:
            broken.append(f"{link} -> HTTP {status}")
        elif parts.fragment and text:
            anchor = urllib.parse.unquote(parts.fragment)
            if not re.search(r'\b(?:id|name)="' + re.escape(anchor) + '"', text):
                broken.append(f"{link} -> no element with id {anchor!r}")
    assert not broken, f"{name}: broken internal links:\n" + "\n".join(broken)


FIGURES_JS = """() => Array.from(document.querySelectorAll('#main-content figure'))
  .map(f => ({caption: !!f.querySelector('figcaption'), number: !!f.querySelector('.caption-number'),
              id: f.id || (f.querySelector('[id]') || {}).id || ''}))"""


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_figures_are_numbered_and_captioned(name, browser, site):
    """Each chapter has numbered figures, and every figure has a caption with its number."""
    if not (SITE / f"{name}.html").exists():
        pytest.fail(f"{name}.html was not built", pytrace=False)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(site + f"{name}.html", wait_until="load")
        figures = page.evaluate(FIGURES_JS)
    finally:
        context.close()
    assert figures, f"{name}: no figure with a caption (use a figure directive or mystnb figure metadata)"
    bad = [f for f in figures if not (f["caption"] and f["number"])]
    assert not bad, f"{name}: figures without a numbered caption: {bad}"


@pytest.mark.parametrize("notebook", widget_notebooks(), ids=lambda p: p.stem)
def test_every_widget_has_a_static_fallback(notebook):
    """The code cell after each widget cell shows a picture, so a reader without a kernel sees one."""
    cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    missing = []
    for i, cell in enumerate(cells):
        if any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", [])):
            after = cells[i + 1]["outputs"] if i + 1 < len(cells) else []
            if not any("image/png" in out.get("data", {}) or "image/svg+xml" in out.get("data", {})
                       for out in after):
                missing.append("".join(cell["source"])[:80])
    assert not missing, f"{notebook.name}: widgets without a static figure in the next code cell: {missing}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_launch_and_download_buttons(name):
    """Binder and Colab open the chapter from the repository named in _config.yml; the notebook downloads."""
    html_file = SITE / f"{name}.html"
    if not html_file.exists():
        pytest.fail(f"{name}.html was not built", pytrace=False)
    html = html_file.read_text(encoding="utf-8")
    repo = yaml.safe_load((SOURCES / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
    slug = urllib.parse.urlsplit(repo).path.strip("/")
    expected = [f"https://mybinder.org/v2/gh/{slug}/", f"https://colab.research.google.com/github/{slug}/",
                f'href="_sources/{name}.ipynb"']
    missing = [e for e in expected if e not in html]
    assert not missing, f"{name}: missing launch/download links: {missing}"
    assert (SITE / "_sources" / f"{name}.ipynb").is_file(), f"{name}: the downloadable notebook is missing"


def test_every_assignment_is_linked():
    """Each exercises/NN_*.ipynb is offered for download on the Exercises page, one per chapter."""
    html = (SITE / "exercises.html").read_text(encoding="utf-8")
    assignments = sorted(p.name for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
    unlinked = [name for name in assignments if not re.search(r'href="_downloads/[0-9a-f]+/' + re.escape(name), html)]
    assert not unlinked, f"exercises not linked from the Exercises page (book/exercises.md): {unlinked}"
    chapters_without = [c for c in CHAPTERS if not any(a.startswith(c[:3]) for a in assignments)]
    assert not chapters_without, f"chapters without an assignment in exercises/: {chapters_without}"


def test_every_chapter_is_in_the_site():
    missing = [c for c in CHAPTERS if not (SITE / f"{c}.html").exists()]
    assert not missing, f"chapters missing from the built site: {missing}"


def test_assets_are_local():
    """MathJax and the widget manager are served from the site, not a CDN."""
    for path in ("_assets/mathjax/es5/tex-mml-chtml.js", "_assets/requirejs/require.js",
                 "_assets/html-manager/embed-amd.js"):
        assert (SITE / path).is_file(), f"{path} missing from the site: was npm available to `make book`?"
    assert not (SOURCES / "_static").exists(), \
        "book/_static must not exist: jupyter-book would inject every .js/.css in it into every page"


# --------------------------------------------------------------------------- student: JupyterLab

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(settings_dir: Path) -> None:
    """Lab user settings: every cell in the DOM, no autosave, no news fetched from the web."""
    plugins = {
        "notebook-extension/tracker": {"windowingMode": "none"},
        "docmanager-extension/plugin": {"autosave": False},
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }
    for plugin, values in plugins.items():
        path = settings_dir / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on 127.0.0.1 over a copy of book/ (so nothing it does can touch the sources).

    Yields (base_url, token).  At teardown the server's process group and every
    descendant (kernels) are terminated.
    """
    import psutil

    tmp = tmp_path_factory.mktemp("lab")
    work = tmp / "work"
    shutil.copytree(SOURCES, work / "book", ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    env = dict(os.environ)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTER_DATA_DIR", "data"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "mpl")):
        (tmp / sub).mkdir()
        env[var] = str(tmp / sub)
    _settings(tmp / "settings")
    token = secrets.token_hex(16)
    port = free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
           f"--ServerApp.root_dir={work}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp / "lab.log").open("w")
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{(tmp / 'lab.log').read_text()[-3000:]}",
                            pytrace=False)
            try:
                with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=2):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not answer within 90 s:\n" + (tmp / "lab.log").read_text()[-3000:],
                                pytrace=False)
                time.sleep(0.5)
        yield base, token
    finally:
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        for child in children:
            try:
                child.terminate()
            except psutil.NoSuchProcess:
                pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        _, alive = psutil.wait_procs(children, timeout=10)
        for child in alive:
            child.kill()
        log.close()


def test_there_are_widget_notebooks():
    assert widget_notebooks(), "no chapter notebook has stored widget outputs (run `make notebooks`?)"


NB = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the notebook in the visible tab
RUN_ALL_SECONDS = 600  # each chapter runs in under a minute (all four in about 100 s with the server)

# A widget view at the top of an output area (Lab 4 puts no mime type on it); picture widgets hold an <img>.
PICTURE_WIDGETS = ".jp-OutputArea-output > .jupyter-widgets"


def _main_control(widget):
    """(kind, locator) of the first slider, dropdown or toggle-buttons control of the widget."""
    for kind, selector in (("slider", ".noUi-handle"), ("dropdown", "select"),
                           ("toggle", ".widget-toggle-buttons button")):
        loc = widget.locator(selector)
        if loc.count():
            return kind, loc
    return None, None


def _move(kind, loc) -> None:
    if kind == "slider":
        handle = loc.first
        handle.focus()
        handle.press("ArrowRight")
    elif kind == "dropdown":
        select = loc.first
        values = select.evaluate("s => Array.from(s.options).map(o => o.value)")
        current = select.input_value()
        other = next(v for v in values if v != current)
        select.select_option(other)
    else:
        buttons = loc
        for i in range(buttons.count()):
            if "mod-active" not in (buttons.nth(i).get_attribute("class") or ""):
                buttons.nth(i).click()
                return


@pytest.mark.parametrize("notebook", widget_notebooks(), ids=lambda p: p.stem)
def test_widgets_respond_in_jupyterlab(notebook, browser, lab, test_output_dir):
    base, token = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        # ?reset: a fresh workspace, so only this notebook is open (the server remembers the last one)
        page.goto(f"{base}lab/tree/book/{notebook.name}?reset&token={token}", wait_until="domcontentloaded")
        page.locator(f"{NB} .jp-Cell").first.wait_for(timeout=60_000)
        page.wait_for_function("() => document.querySelector('#jp-main-statusbar') && "
                               "document.querySelector('#jp-main-statusbar').innerText.includes('Idle')",
                               timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        n_code = page.locator(f"{NB} .jp-CodeCell").count()
        # every code cell ran: its prompt shows a number (not [ ] or [*])
        try:
            page.wait_for_function(
                "n => { const p = Array.from(document.querySelectorAll("
                f"'{NB} .jp-CodeCell .jp-InputPrompt'))"
                ".map(e => e.innerText.trim()); return p.length === n && p.every(t => /^\\[\\d+\\]:?$/.test(t)); }",
                arg=n_code, timeout=RUN_ALL_SECONDS * 1000, polling=1000)
        except PlaywrightTimeout:
            page.screenshot(path=str(test_output_dir / f"lab-{notebook.stem}-timeout.png"))
            prompts = page.locator(f"{NB} .jp-CodeCell .jp-InputPrompt").all_inner_texts()
            raise AssertionError(f"{notebook.name}: Run All Cells did not finish in {RUN_ALL_SECONDS} s; "
                                 f"{n_code} code cells, prompts: {prompts}") from None
        errors = page.locator(f"{NB} [data-mime-type='application/vnd.jupyter.stderr'] .jp-RenderedText")
        tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
        assert not tracebacks, f"{notebook.name}: a cell raised when run in JupyterLab:\n{tracebacks[0][-2000:]}"

        page.screenshot(path=str(test_output_dir / f"lab-{notebook.stem}.png"), full_page=False)
        widgets = page.locator(f"{NB} {PICTURE_WIDGETS}").filter(has=page.locator("img"))
        n = widgets.count()
        assert n > 0, f"{notebook.name}: no picture widget rendered in JupyterLab; outputs: " + str(
            page.locator(f"{NB} .jp-OutputArea-output").evaluate_all("els => els.map(e => e.outerHTML.slice(0, 300))"))
        moved = 0
        for i in range(n):
            widget = widgets.nth(i)
            widget.scroll_into_view_if_needed()
            kind, control = _main_control(widget)
            if kind is None:
                continue
            img = widget.locator("img").first
            img.wait_for(state="visible", timeout=30_000)
            before = img.get_attribute("src")
            _move(kind, control)
            try:
                page.wait_for_function("([el, old]) => el.getAttribute('src') !== old",
                                       arg=[img.element_handle(), before], timeout=30_000)
            except PlaywrightTimeout as err:
                raise AssertionError(f"{notebook.name}: widget {i} ({kind}) did not redraw its picture") from err
            moved += 1
        assert moved > 0, f"{notebook.name}: no widget had a slider, dropdown or toggle buttons"
        page.screenshot(path=str(test_output_dir / f"lab-{notebook.stem}.png"), full_page=False)
    finally:
        context.close()
        _shutdown_kernels(base, token)


def _shutdown_kernels(base: str, token: str) -> None:
    """Stop the kernels this notebook started, so the next one has the CPU to itself."""
    with urllib.request.urlopen(f"{base}api/kernels?token={token}", timeout=10) as resp:  # noqa: S310
        kernels = json.load(resp)
    for kernel in kernels:
        req = urllib.request.Request(f"{base}api/kernels/{kernel['id']}?token={token}", method="DELETE")
        with urllib.request.urlopen(req, timeout=30):  # noqa: S310
            pass

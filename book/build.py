"""Build the HTML book into book/_build/html, so that it renders with no network.

    .venv/bin/python book/build.py            # what `make book` runs
    BOOK_DRAFT=1 .venv/bin/python book/build.py   # while chapters are still being written

1. Every chapter listed in _toc.yml must exist (BOOK_DRAFT=1: missing ones are
   left out of a derived toc and warnings are not fatal).
2. MathJax 3, require.js and the Jupyter widget html-manager are installed
   from npm (exact versions below) into book/_build/npm, a cache outside the
   sources, and copied into book/_build/html/_assets/ after the build; the
   sphinx settings `mathjax_path` and `nb_ipywidgets_js` in _config.yml point
   there.  The folder is deliberately not called `_static`: jupyter-book adds
   every .js/.css under a `_static` folder to every page.
   Without npm (or if the install fails) a derived config points the same
   settings at the CDN, and a WARNING line says that the site needs a network.
3. `jupyter-book build` runs on the stored outputs (nothing is executed), with
   warnings as errors (-W), nitpicky references (-n) and --keep-going so that
   all warnings are reported at once, rebuilding every page (--all); a draft
   build is incremental and its warnings are not fatal.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

BOOK = Path(__file__).resolve().parent
BUILD = BOOK / "_build"
HTML = BUILD / "html"
NPM_CACHE = BUILD / "npm"
ASSETS = HTML / "_assets"

# Exact versions; the CDN fallback uses the same ones.
NPM_PACKAGES = {
    "mathjax": "3.2.2",
    "requirejs": "2.3.8",
    "@jupyter-widgets/html-manager": "1.0.15",  # the manager for ipywidgets 8 (controls 2.0)
}
CDN = "https://cdn.jsdelivr.net/npm/"
# (site path under _assets/, package, file inside the package)
ENTRY_POINTS = {
    "mathjax": ("mathjax/es5/tex-mml-chtml.js", "mathjax", "es5/tex-mml-chtml.js"),
    "require": ("requirejs/require.js", "requirejs", "require.js"),
    "paths": ("html-manager/paths.js", None, None),  # local only: see copy_assets
    "widgets": ("html-manager/embed-amd.js", "@jupyter-widgets/html-manager", "dist/embed-amd.js"),
}
WIDGET_PATHS_JS = """// Written by book/build.py: tell require.js where the widget manager's files are.
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  window.require.config({paths: {"@jupyter-widgets/html-manager/dist": here.replace(/\\/$/, "")}});
})();
"""


def log(msg: str) -> None:
    print(f"[book] {msg}", flush=True)


def local_uri(key: str) -> str:
    """The URI sphinx gets for a local asset: sphinx joins it to `_static/`, hence the `../`."""
    return "../_assets/" + ENTRY_POINTS[key][0]


def cdn_uri(key: str) -> str:
    _, package, inner = ENTRY_POINTS[key]
    return f"{CDN}{package}@{NPM_PACKAGES[package]}/{inner}"


def npm_complete(prefix: Path) -> bool:
    """The pinned versions are installed under prefix, with every file the pages load."""
    modules = prefix / "node_modules"
    for package, version in NPM_PACKAGES.items():
        manifest = modules / package / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text(encoding="utf-8")).get("version") != version:
            return False
    return all((modules / package / inner).is_file() for _, package, inner in ENTRY_POINTS.values() if package)


def npm_install() -> bool:
    """Install the pinned packages into NPM_CACHE; True when they are all there.

    npm installs into a fresh folder that is renamed into place only when
    complete, so an interrupted or concurrent build never leaves half a cache.
    """
    if npm_complete(NPM_CACHE):
        log(f"npm packages already in {NPM_CACHE.relative_to(BOOK.parent)}")
        return True
    npm = shutil.which("npm")
    if npm is None:
        return False
    tmp = BUILD / f"npm.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    specs = [f"{p}@{v}" for p, v in NPM_PACKAGES.items()]
    log("npm install " + " ".join(specs))
    cmd = [npm, "install", "--prefix", str(tmp), "--no-audit", "--no-fund", "--ignore-scripts",
           "--no-save", "--loglevel=error", *specs]
    try:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        except subprocess.TimeoutExpired:
            log("WARNING: npm install timed out")
            return False
        if proc.returncode != 0 or not npm_complete(tmp):
            log(f"WARNING: npm install failed (exit {proc.returncode}):\n" + proc.stderr.strip()[-2000:])
            return False
        shutil.rmtree(NPM_CACHE, ignore_errors=True)
        try:
            tmp.rename(NPM_CACHE)
        except OSError:  # another build put a cache there first
            pass
        return npm_complete(NPM_CACHE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def copy_assets() -> None:
    """Copy the files the pages load (and what those load lazily: MathJax fonts and extensions)."""
    modules = NPM_CACHE / "node_modules"
    if ASSETS.exists():
        shutil.rmtree(ASSETS)
    # MathJax: the one combined component we use, plus everything it may load on demand.
    es5 = modules / "mathjax" / "es5"
    other_bundles = {p.name for p in es5.glob("*.js") if p.name != "tex-mml-chtml.js"}
    shutil.copytree(es5, ASSETS / "mathjax" / "es5",
                    ignore=lambda d, names: [n for n in names if Path(d) == es5 and n in other_bundles])
    (ASSETS / "requirejs").mkdir(parents=True)
    shutil.copy2(modules / "requirejs" / "require.js", ASSETS / "requirejs" / "require.js")
    # html-manager: embed-amd.js and the fonts it references next to itself
    dist = modules / "@jupyter-widgets" / "html-manager" / "dist"
    shutil.copytree(dist, ASSETS / "html-manager",
                    ignore=shutil.ignore_patterns("*.map", "embed.js", "libembed-amd.js", "*.LICENSE.txt"))
    # embed-amd.js finds its fonts next to the AMD module's URL, which require.js derives
    # from the module name relative to the page; map the name to where the files are.
    (ASSETS / "html-manager" / "paths.js").write_text(WIDGET_PATHS_JS, encoding="utf-8")
    for key in ENTRY_POINTS:
        path = ASSETS / ENTRY_POINTS[key][0]
        if not path.is_file():
            raise SystemExit(f"book/build.py: expected {path} after copying the npm assets")


def chapter_files(toc: dict) -> list[str]:
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def source_exists(name: str) -> bool:
    return any((BOOK / f"{name}{ext}").exists() for ext in (".md", ".ipynb"))


def drop_missing(toc: dict) -> dict:
    toc = json.loads(json.dumps(toc))
    for part in toc.get("parts", []):
        part["chapters"] = [c for c in part.get("chapters", []) if source_exists(c["file"])]
    toc["parts"] = [p for p in toc.get("parts", []) if p["chapters"]]
    return toc


def main() -> int:
    start = time.perf_counter()
    draft = os.environ.get("BOOK_DRAFT", "") not in ("", "0")
    BUILD.mkdir(exist_ok=True)
    for stale in ("_toc.draft.yml", "_config.cdn.yml"):  # derived files of an earlier build
        (BUILD / stale).unlink(missing_ok=True)
    extra: list[str] = []

    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    missing = [f for f in chapter_files(toc) if not source_exists(f)]
    if missing and not draft:
        log("ERROR: listed in book/_toc.yml but missing: " + ", ".join(missing))
        log("(set BOOK_DRAFT=1 to build without them while the chapters are being written)")
        return 1
    if missing:
        log("WARNING: draft build without " + ", ".join(missing))
        draft_toc = BUILD / "_toc.draft.yml"
        draft_toc.write_text(yaml.safe_dump(drop_missing(toc), sort_keys=False), encoding="utf-8")
        extra += ["--toc", str(draft_toc)]

    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    sphinx_config = config.get("sphinx", {}).get("config", {})
    expected = {"mathjax_path": local_uri("mathjax"),
                "nb_ipywidgets_js": [local_uri(k) for k in ("require", "paths", "widgets")]}
    found = {"mathjax_path": sphinx_config.get("mathjax_path"),
             "nb_ipywidgets_js": list(sphinx_config.get("nb_ipywidgets_js") or {})}
    if found != expected:
        log(f"ERROR: book/_config.yml must point sphinx at the local assets: expected {expected}, found {found}")
        return 1

    local = npm_install()
    if not local:
        log("WARNING: npm is missing or failed: MathJax and the widget manager will load from "
            f"{CDN}, so the site needs a network to show formulas and widgets")
        sphinx_section = config.setdefault("sphinx", {})
        # paths in the config are relative to its folder; the derived copy lives in _build/
        sphinx_section["local_extensions"] = {name: str(BOOK / path) for name, path
                                             in (sphinx_section.get("local_extensions") or {}).items()}
        sphinx_config = sphinx_section.setdefault("config", {})
        sphinx_config["mathjax_path"] = cdn_uri("mathjax")
        sphinx_config["nb_ipywidgets_js"] = {cdn_uri("require"): {}, cdn_uri("widgets"): {}}
        derived = BUILD / "_config.cdn.yml"
        derived.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        extra += ["--config", str(derived)]

    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(jupyter_book), "build", str(BOOK), "--builder", "html", "-n", "--keep-going", *extra]
    if not draft:
        cmd += ["-W", "--all"]  # a fresh build, so no warning hides in an unchanged page
    log(" ".join(cmd))
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        log(f"ERROR: jupyter-book build failed (exit {proc.returncode}); see the warnings above")
        return proc.returncode

    if local:
        copy_assets()
    elif ASSETS.exists():
        shutil.rmtree(ASSETS)
    mode = "offline (local MathJax and widget manager)" if local else "ONLINE ONLY (CDN)"
    log(f"built in {time.perf_counter() - start:.1f} s, {mode}{', DRAFT' if draft else ''}")
    log(f"open {HTML / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

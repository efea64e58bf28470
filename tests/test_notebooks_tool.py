"""bpcourse.notebooks executes a notebook in place and stores outputs without timestamps."""

import nbformat

from bpcourse.notebooks import execute


def test_execute_stores_outputs_and_reports_times(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 6 * 7\nprint(x)"),
                nbformat.v4.new_code_cell("open('here.txt', 'w').write('1')")]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    times = execute(path, timeout=60)
    out = nbformat.read(path, as_version=4)
    assert out.cells[0].outputs[0]["text"] == "42\n"
    assert "execution" not in out.cells[0].metadata
    assert (tmp_path / "here.txt").exists()  # the notebook's own folder is its working directory
    assert len(times) == 2 and all(s >= 0 for s, _ in times)

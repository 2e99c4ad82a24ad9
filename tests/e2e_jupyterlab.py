"""End-to-end: the tutorials run in a real JupyterLab, driven in headless Chromium.

Starts JupyterLab on 127.0.0.1 with a token, opens "KE in five minutes" and "Exploring a run" in fresh workspaces,
runs all cells, and checks: no cell produced an error, the explorer's generation slider renders, and moving it
changes the pictures. The tutorials run their short version (KE_QUICK=1) unless --full is given.
Screenshots go to e2e-screenshots/ (or --shots).

Needs Debian's chromium (apt-get install chromium) and Playwright from PyPI (pip install playwright); Playwright's
own browser download is not used. Run from the repo root:  python tests/e2e_jupyterlab.py
"""
import argparse, json, os, secrets, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def start_lab(port, token, log, quick=True):
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={ROOT / "nbs"}',
           '--LabApp.expose_app_in_browser=True', '--ServerApp.disable_check_xsrf=True']
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, 'MPLBACKEND': 'module://matplotlib_inline.backend_inline',
                                 **({'KE_QUICK': '1'} if quick else {})})
    for _ in range(120):
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2); return proc
        except OSError: time.sleep(1)
    raise RuntimeError('JupyterLab did not start; see its log')

RUN_STATE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.content.model || !w.sessionContext.session) return null;
  const cells = [...w.content.model.cells].map(c => c.toJSON());
  const code = cells.filter(c => c.cell_type === 'code');
  return {status: w.sessionContext.session.kernel ? w.sessionContext.session.kernel.status : 'none',
          ran: code.filter(c => c.execution_count !== null).length, code: code.length,
          errors: code.flatMap(c => c.outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue))};
}"""

def run_notebook(page, base, token, nb, name, shots, timeout):
    page.goto(f'{base}/lab/workspaces/{name}/tree/{nb}?reset&token={token}')
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget && "
                           "window.jupyterapp.shell.currentWidget.sessionContext && "
                           "window.jupyterapp.shell.currentWidget.sessionContext.session && "
                           "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel && "
                           "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
                           timeout=120_000)
    start = time.time()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")   # resolves when all have run
    while True:
        time.sleep(2)
        state = page.evaluate(RUN_STATE)
        if state and state['errors']: break
        if state and state['ran'] == state['code'] and state['status'] == 'idle': break
        if time.time() - start > timeout: raise TimeoutError(f'{nb}: still running after {timeout} s: {state}')
    page.screenshot(path=str(shots / f'{name}.png'), full_page=True)
    print(f"{nb}: {state['ran']}/{state['code']} code cells ran in {time.time() - start:.0f} s, errors: {state['errors']}", flush=True)
    assert not state['errors'], f'{nb} raised: {state["errors"]}'
    return state

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--shots', default=str(ROOT / 'e2e-screenshots')); p.add_argument('--timeout', type=int, default=400)
    p.add_argument('--chromium', default='/usr/bin/chromium')
    p.add_argument('--full', action='store_true', help="the tutorials' full version (default: KE_QUICK=1)")
    a = p.parse_args()
    shots = Path(a.shots); shots.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    log = open(shots / 'jupyterlab.log', 'w')
    lab = start_lab(port, token, log, quick=not a.full)
    base = f'http://127.0.0.1:{port}'
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=a.chromium, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            run_notebook(page, base, token, 'tutorials/ke_in_five_minutes.ipynb', 'five-minutes', shots, a.timeout)
            run_notebook(page, base, token, 'tutorials/exploring_a_run.ipynb', 'explorer', shots, a.timeout)
            slider = page.locator('.widget-slider .noUi-handle, .widget-hslider .noUi-handle').first
            slider.wait_for(state='visible', timeout=60_000)
            slider.scroll_into_view_if_needed()
            images = page.locator('.widget-image')
            before = [images.nth(i).get_attribute('src') for i in range(images.count())]
            page.screenshot(path=str(shots / 'explorer-generation-1.png'), full_page=False)
            slider.focus()
            for _ in range(2): page.keyboard.press('ArrowRight'); time.sleep(0.3)
            page.wait_for_function("""(before) => { const imgs = [...document.querySelectorAll('.widget-image')];
                return imgs.length && imgs.some((im, i) => im.getAttribute('src') !== before[i]); }""", arg=before, timeout=120_000)
            time.sleep(2)
            value = page.locator('.widget-readout').first.inner_text()
            page.screenshot(path=str(shots / 'explorer-moved.png'), full_page=False)
            after = [images.nth(i).get_attribute('src') for i in range(images.count())]
            changed = sum(b != c for b, c in zip(before, after))
            print(f'explorer: slider at generation {value}; {changed} of {len(after)} pictures changed', flush=True)
            assert value.strip() != '1' and changed >= 2, (value, changed)
            browser.close()
    finally:
        os.killpg(lab.pid, signal.SIGTERM); lab.wait(timeout=30); log.close()
    print('e2e: OK')

if __name__ == '__main__': main()

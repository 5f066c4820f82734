#!/usr/bin/env bash
# The package as a user gets it: build the wheel and sdist, install each into a fresh
# virtualenv with no Node on PATH, import it and run one headless turn (offline model).
# Also: a clone without the built view and without Node fails with one clear line.
# Dependencies come in through uv (fast); our package itself goes through pip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
start=$(date +%s)
step() { echo "[$(( $(date +%s) - start ))s] $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Only the fresh venv's bin on PATH: no node, no npm (/bin is /usr/bin on Debian).
venv="$tmp/venv"
run_nonode() { env -u OPENAI_API_KEY -u OPENAI_BASE_URL PATH="$venv/bin" "$@"; }

(cd js && npm run --silent build >/dev/null) # the dists carry the current bundle
"$BIN/python" -m build --no-isolation --outdir "$tmp/dist" . >"$tmp/build.log" 2>&1 ||
  { cat "$tmp/build.log"; exit 1; }
wheel=$(ls "$tmp"/dist/*.whl)
sdist=$(ls "$tmp"/dist/*.tar.gz)
tar -tzf "$sdist" >"$tmp/sdist.txt"
for f in chatkit_widget/static/widget.js chatkit_widget/static/widget.css LICENSE \
  chatkit_widget_uploads/handlers.py jupyter-config/jupyter_server_config.d/chatkit_widget_uploads.json; do
  grep -q "/$f\$" "$tmp/sdist.txt" || { echo "sdist lacks $f"; exit 1; }
done
"$BIN/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for want in ("chatkit_widget/static/widget.js", "chatkit_widget/static/widget.css", "/licenses/LICENSE",
             # the upload server extension and the file that enables it
             "chatkit_widget_uploads/handlers.py",
             "data/etc/jupyter/jupyter_server_config.d/chatkit_widget_uploads.json"):
    assert any(n.endswith(want) for n in names), f"wheel lacks {want}"
PY
step "built $(basename "$wheel") ($(( $(stat -c %s "$wheel") / 1024 )) kB) and $(basename "$sdist")"

"$("$BIN/python" -c 'import sys; print(sys._base_executable)')" -m venv "$venv"
if run_nonode "$BASH" -c 'command -v node || command -v npm'; then
  echo "node is still on PATH: the check would prove nothing"; exit 1
fi
# The wheel's dependencies and the build backend (for the sdist and clone builds).
"$BIN/uv" pip install --quiet --python "$venv/bin/python" "$wheel" hatchling hatch-jupyter-builder
run_nonode python -m pip uninstall --quiet --yes chatkit-widget

smoke() {
  (cd "$tmp" && run_nonode python - <<'PY'
import asyncio, pathlib, sys
import chatkit_widget
from agents import Agent
from chatkit_widget import ChatKitWidget
from chatkit_widget.models import default_model

assert pathlib.Path(chatkit_widget.__file__).is_relative_to(sys.prefix), chatkit_widget.__file__
assert (pathlib.Path(chatkit_widget.__file__).parent / "static" / "widget.js").stat().st_size > 10_000

async def main() -> None:
    chat = ChatKitWidget.from_agent(Agent(name="Assistant", model=default_model()))
    turn = await chat.send("hello")
    assert turn.ok and turn.text.startswith("You said"), turn
    print("  headless turn:", turn)

asyncio.run(main())
PY
  )
}

step "pip install the wheel, no Node"
run_nonode python -m pip install --quiet "$wheel"
smoke
step "pip install the sdist, no Node"
run_nonode python -m pip install --quiet --no-build-isolation --no-deps --force-reinstall "$sdist"
smoke

step "pip install a clone without the built view, no Node"
mkdir "$tmp/clone"
git ls-files -z -co --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar -cf - --null -T - | tar -xf - -C "$tmp/clone"
test ! -e "$tmp/clone/chatkit_widget/static/widget.js"
if run_nonode python -m pip install --no-build-isolation --no-deps "$tmp/clone" >"$tmp/clone.log" 2>&1; then
  echo "installing a clone without Node succeeded?"; exit 1
fi
grep -q "Node >= 20.19 and npm are needed to build the view" "$tmp/clone.log" ||
  { cat "$tmp/clone.log"; echo "no clear message"; exit 1; }
echo "  fails with: $(grep -o 'chatkit-widget: Node.*' "$tmp/clone.log" | head -1)"
step "check-dist done"

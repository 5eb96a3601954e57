#!/usr/bin/env bash
# `npm run kernel`: register the tslab (TypeScript) Jupyter kernel in the project-local path .jupyter/share/jupyter,
# so nothing outside the checkout changes. Use it with: export JUPYTER_PATH="$PWD/.jupyter/share/jupyter"
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
prefix="$root/.jupyter"
export JUPYTER_PATH="$prefix/share/jupyter"

die() { echo "npm run kernel: $*" >&2; exit 1; }

command -v jupyter >/dev/null 2>&1 || die "no 'jupyter' on PATH. Debian: apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient python3-ipython; elsewhere: conda env create -f environment.yml && conda activate bridge-workbench"
[ -x "$root/node_modules/.bin/tslab" ] || die "node_modules/.bin/tslab is missing: run npm ci first"

# tslab's installer must run under the Python that owns `jupyter`; a plain `python3` (pyenv, venv) prints
# "jupyter is not installed in this Python" and still exits 0. BRIDGE_PYTHON overrides; else read jupyter's shebang.
python="${BRIDGE_PYTHON:-}"
if [ -z "$python" ]; then
  shebang="$(head -n1 "$(command -v jupyter)")"
  python="${shebang#\#!}"
  python="${python%% *}"
  case "$python" in */env) python="python3" ;; esac
fi
"$python" -c 'import jupyter_client' 2>/dev/null || die "$python cannot import jupyter_client; set BRIDGE_PYTHON to the Python that runs jupyter"

rm -rf "$prefix/share/jupyter/kernels/tslab" "$prefix/share/jupyter/kernels/jslab"
"$root/node_modules/.bin/tslab" install --python="$python" --binary="$root/node_modules/.bin/tslab" --prefix="$prefix"

# tslab's installer can exit 0 without installing anything: trust only what jupyter itself now lists.
listed="$(jupyter kernelspec list --json)" || die "'jupyter kernelspec list' failed"
dir="$(printf '%s' "$listed" | "$python" -c 'import json,sys; k=json.load(sys.stdin)["kernelspecs"].get("tslab"); print(k["resource_dir"] if k else "")')"
case "$dir" in
  "$prefix"/*) echo "tslab kernel registered: $dir" ;;
  "") die "tslab is not in 'jupyter kernelspec list' after installing into $prefix" ;;
  *) die "jupyter resolves tslab to $dir, not to the project's $prefix (another tslab kernel shadows it; remove it or unset conflicting JUPYTER_PATH entries)" ;;
esac
echo "notebooks need: export JUPYTER_PATH=\"$JUPYTER_PATH\""

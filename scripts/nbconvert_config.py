# nbconvert configuration for `npm run notebooks` (scripts/notebooks.ts), passed with --config.
# tslab fails a cell with an empty error (ename/evalue blank; its diagnostics go to the cell's stderr stream), so
# nbclient's message names nothing useful: print one JSON line naming the cell and its output before nbclient raises.
import json
import sys

c = get_config()  # noqa: F821 (injected by traitlets when it loads this file)


def _on_cell_error(cell, cell_index, execute_reply, **_kwargs):
    outputs = cell.get("outputs", [])
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    errors = [
        "{}: {}".format(o.get("ename", ""), o.get("evalue", "")).strip(": ")
        for o in outputs
        if o.get("output_type") == "error"
    ]
    content = (execute_reply or {}).get("content", {})
    reply_error = "{}: {}".format(content.get("ename", "") or "", content.get("evalue", "") or "").strip(": ")
    record = {
        "cell_index": cell_index,
        "source": cell.get("source", ""),
        "stream": text,
        "errors": errors + ([reply_error] if reply_error else []),
    }
    sys.stderr.write("BRIDGE_CELL_ERROR " + json.dumps(record) + "\n")
    sys.stderr.flush()


c.ExecutePreprocessor.on_cell_error = _on_cell_error

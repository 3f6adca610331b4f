#!/usr/bin/env python3
"""Turns tools/model-check.sh's JSON lines into the markdown table of docs/models.md.

    python3 tools/model-check/summarize.py RESULTS.jsonl [MORE.jsonl...] > table.md

Several result files may be given (runs of different model lists, or a rerun): a later line for the same model and
export replaces an earlier one. Rows are in alphabetical order.

A cell is ✓ when the export loads, its logits match PyTorch's (relative error below 1e-4 at 224×224 and, for dynamic
exports, at 451×300), its layers are listed, the size probe finishes, and two dream steps change the image. Otherwise the
cell gives the reason. The last columns give the largest relative logits error over all exports and the size probe's
largest peak memory.
"""
import json
import sys

COLUMNS = [('pth', None, None, '`.pth`'),
           ('onnx', '1.13', 11, 'PyTorch 1.13, opset 11, fixed H×W'),
           ('onnx', '1.13', 13, 'PyTorch 1.13, opset 13, dynamic H×W'),
           ('onnx', '2.6', 17, 'PyTorch 2.6, opset 17, dynamic H×W'),
           ('onnx', '2.6', 18, 'PyTorch 2.6, opset 18, fixed H×W')]


def cell(r):
    if r is None:
        return '–'
    if r.get('ok'):
        return '✓'
    error = r.get('error') or ''
    if error.startswith('n/a'):
        return 'n/a'
    if error.startswith('not in this torchvision'):
        return 'not in torchvision 0.14'
    if error.startswith('export failed'):
        return 'export fails'
    errors = r.get('rel_error') or {}
    bad = [f'{k}: {v:.1e}' for k, v in errors.items() if v >= 1e-4]
    if bad:
        return '✗ logits ' + ', '.join(bad)
    return '✗ ' + error.split(':')[0][:60]


def main(paths):
    rows = {}
    for line in (line for path in paths for line in open(path, encoding='utf-8')):
        r = json.loads(line)
        name = r['model']
        rows.setdefault(name, {})
        key = (r['kind'], r['torch'][:4].rstrip('.') if r['kind'] == 'onnx' else None, r.get('opset'))
        rows[name][key] = r
    print('| Architecture | ' + ' | '.join(c[3] for c in COLUMNS) + ' | Largest logits error | Probe peak |')
    print('|---|' + '---|' * len(COLUMNS) + '---|---|')
    for name in sorted(rows):
        cells = []
        for kind, torch, opset, _ in COLUMNS:
            key = (kind, torch, opset) if kind == 'onnx' else ('pth', None, None)
            cells.append(cell(rows[name].get(key)))
        errors = [v for r in rows[name].values() for v in (r.get('rel_error') or {}).values()]
        peaks = [r['probe_peak_mb'] for r in rows[name].values() if isinstance(r.get('probe_peak_mb'), int)]
        largest = f'{max(errors):.1e}' if errors else '–'
        peak = f'{max(peaks)} MB' if peaks else '–'
        print(f'| {name} | ' + ' | '.join(cells) + f' | {largest} | {peak} |')


if __name__ == '__main__':
    main(sys.argv[1:])

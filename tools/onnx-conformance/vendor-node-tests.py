#!/usr/bin/env python3
"""Re-vendors ONNX's backend test cases for the operators DeepDream.Net supports.

Usage (needs the `onnx` Python package and Debian's libonnx-testdata 1.12, e.g. unpacked with
`apt-get download libonnx-testdata && dpkg -x libonnx-testdata_*.deb x`):

    python3 tools/onnx-conformance/vendor-node-tests.py x/usr/share/libonnx-testdata/data

It reads the supported operator types from the importer's registrations (table["Op"] = ... in
src/DeepDream.Net/Models/Onnx/Operators/*.cs), keeps every case whose nodes all use supported default-domain operators
(minus cases over 900 kB), and replaces tests/DeepDream.Net.Tests/TestData/onnx-backend/<suite>/ with them.
expected-failures.txt, README.md and LICENSE there are kept.
"""
import glob
import os
import re
import shutil
import sys

import onnx

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple']
MAX_BYTES = 900_000


def supported_ops():
    ops = set()
    for path in glob.glob(os.path.join(REPO, 'src/DeepDream.Net/Models/Onnx/Operators/*.cs')):
        ops.update(re.findall(r'table\["([A-Za-z0-9]+)"\]', open(path, encoding='utf-8').read()))
    return ops


def case_size(folder):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files)


def main(data):
    ops = supported_ops()
    target = os.path.join(REPO, 'tests/DeepDream.Net.Tests/TestData/onnx-backend')
    kept = skipped = 0
    for suite in SUITES:
        shutil.rmtree(os.path.join(target, suite), ignore_errors=True)
        for case in sorted(os.listdir(os.path.join(data, suite))):
            folder = os.path.join(data, suite, case)
            model = onnx.load(os.path.join(folder, 'model.onnx'))
            if not all(n.domain in ('', 'ai.onnx') and n.op_type in ops for n in model.graph.node):
                continue
            if case_size(folder) > MAX_BYTES:
                skipped += 1
                print('too large, left out:', suite + '/' + case)
                continue
            shutil.copytree(folder, os.path.join(target, suite, case))
            kept += 1
    print(f'{len(ops)} supported operators; {kept} cases vendored, {skipped} left out for size')


if __name__ == '__main__':
    main(sys.argv[1])

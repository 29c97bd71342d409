"""Helpers shared by the Python client flows in test/clients (boto2_flow.py, debian_python_flow.py,
gdal_flow.py, libcloud_flow.py). A flow prints one JSON line per step; the TypeScript test reads the
lines (harness.ts flowSteps) and asserts them with what the gateway saw. Imported from the flow's
own directory (Python puts a script's directory first on sys.path); runs on Debian's python3 3.11
and pyenv's."""
import hashlib
import json
import re
import traceback
import urllib.error
import urllib.request

MiB = 1024 * 1024


def step(name):
    """Decorator: run the function now and print its step line (ok with its facts, or the error)."""
    def run(fn):
        try:
            facts = fn() or {}
            print(json.dumps(dict({'step': name, 'ok': True}, **facts)), flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported to the test
            print(json.dumps({'step': name, 'ok': False, 'error': '%s: %s' % (type(e).__name__, e),
                              'trace': traceback.format_exc()[-3000:]}), flush=True)
    return run


def pattern(size, seed):
    """`size` deterministic bytes named by `seed` (a 1 KiB SHA-256 block repeated)."""
    block = hashlib.sha256(seed.encode()).digest() * 32  # 1 KiB
    return (block * (size // len(block) + 1))[:size]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(MiB), b''):
            h.update(block)
    return h.hexdigest()


def fetch(u, method='GET', data=None, headers=None):
    """A plain HTTP request (a presigned URL): (status, body), errors included."""
    req = urllib.request.Request(u, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def code_of(xml):
    """The <Code> of an S3 error body."""
    m = re.search(rb'<Code>([^<]*)</Code>', xml)
    return m.group(1).decode() if m else None

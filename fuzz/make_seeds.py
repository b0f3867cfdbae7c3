#!/usr/bin/env python3
"""Regenerates the seed corpora corpus/fuzz/<harness>/ from the bundled corpus.

  fuzz/make_seeds.py            (from anywhere; writes next to the bundled corpus)

- fuzz_validate, and fuzz_differential (the same inputs): every .json document of corpus/payloads/
  and tests/fixtures/, and every line of the .jsonl files of corpus/payloads/, one document per file.
- fuzz_mock: every scenario of corpus/scenarios/ as the raw bytes a client sends on one
  connection (its steps pipelined, variables filled in), plus hand-made requests for the HTTP
  layer's own paths (chunked and compressed bodies, 100-continue, HEAD, HTTP/1.0, bad framing).
- fuzz_corpus: every scenario line of corpus/scenarios/ on its own, three of them as a .jsonl file, and a
  few malformed scenarios (a bad variable, a bad regex, a duplicate id).

Only the files written here are replaced; corpus/fuzz/<harness>/regressions/ is left alone.
"""
import gzip
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "corpus" / "fuzz"
API_KEY = "sk_test_seed"
IDEMPOTENCY_KEY = "ik_0123456789abcdef0123456789abcdef"


def write(harness, name, data):
    directory = OUT / harness
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (directory / name).write_bytes(data)


def clean(harness):
    directory = OUT / harness
    if directory.is_dir():
        for path in directory.iterdir():
            if path.is_file():
                path.unlink()


def validate_seeds(harness):
    clean(harness)
    sources = sorted((ROOT / "corpus" / "payloads").rglob("*.json*")) + sorted((ROOT / "tests" / "fixtures").glob("*.json"))
    for path in sources:
        rel = path.relative_to(ROOT)
        stem = "-".join(rel.with_suffix("").parts[1:] if rel.parts[0] == "corpus" else rel.with_suffix("").parts)
        stem = stem.replace("payloads-", "")
        if path.suffix == ".jsonl":
            for number, line in enumerate(path.read_bytes().splitlines(), 1):
                if line.strip():
                    write(harness, f"{stem}-{number:02d}.json", line)
        else:
            write(harness, f"{stem}.json", path.read_bytes())


def substitute(text):
    return text.replace("${ALGUNA_API_KEY}", API_KEY).replace("${IDEMPOTENCY_KEY}", IDEMPOTENCY_KEY)


def raw_request(request):
    body = b""
    if "raw_body" in request:
        body = substitute(request["raw_body"]).encode()
    elif "body" in request:
        body = substitute(json.dumps(request["body"], separators=(",", ":"))).encode()
    lines = [f"{request['method']} {substitute(request['path'])} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in request.get("headers", {}).items():
        lines.append(f"{name}: {substitute(value)}")
    if body or request["method"] == "PATCH":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def mock_seeds():
    clean("fuzz_mock")
    for line in (ROOT / "corpus" / "scenarios" / "mock-behaviours.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        scenario = json.loads(line)
        steps = scenario.get("steps") or [scenario]
        write("fuzz_mock", f"scenario-{scenario['id']}.http", b"".join(raw_request(s["request"]) for s in steps))

    auth = f"Authorization: Bearer {API_KEY}\r\nAlguna-Version: 2026-04-01\r\n"
    head = "PATCH /customers/cust_abc123 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
    body = b'{"name":"Acme Corp","currency":"EUR"}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    compressed = gzip.compress(body, mtime=0)
    hand_made = {
        "http-chunked.http": (head + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + chunked,
        "http-gzip.http": (head + f"Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {len(compressed)}\r\n\r\n").encode() + compressed,
        "http-expect-100.http": (head + f"Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body,
        "http-head.http": f"HEAD /customers/acme HTTP/1.1\r\nHost: x\r\n{auth}\r\n".encode(),
        "http-1.0-get.http": f"GET /customers/cust_abc123?expand=1 HTTP/1.0\r\n{auth}Connection: keep-alive\r\n\r\n".encode(),
        "http-two-lengths.http": (head + "Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}").encode(),
        "http-length-and-chunked.http": (head + "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").encode(),
        "http-over-limit.http": (head + "Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n").encode() + b"{" + b" " * 4094 + b"}",
        "http-range.http": f"GET /customers/cust_abc123 HTTP/1.1\r\n{auth}Range: bytes=0-10,20-30\r\n\r\n".encode(),
        "http-bad-line.http": b"PATCH  /customers/cust_abc123 HTTP/1.1\r\n\r\n",
        "http-lf-only.http": f"GET /customers/cust_abc123 HTTP/1.1\n{auth}\n".replace("\r\n", "\n").encode(),
        "http-options.http": b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
        "http-percent-id.http": f"GET /customers/cust%5Fabc123 HTTP/1.1\r\n{auth}\r\n".encode(),
    }
    for name, data in hand_made.items():
        write("fuzz_mock", name, data)


def corpus_seeds():
    clean("fuzz_corpus")
    path = ROOT / "corpus" / "scenarios" / "mock-behaviours.jsonl"
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    # Three scenarios as a .jsonl file (the whole file is 15 KB: slow to run, no new paths).
    write("fuzz_corpus", "three-scenarios.jsonl", "\n".join(lines[:3]) + "\n")
    for line in lines:
        if line.strip():
            write("fuzz_corpus", f"scenario-{json.loads(line)['id']}.json", line)
    hand_made = {
        "bad-variable.json": '{"id":"v","request":{"method":"GET","path":"/customers/${NOPE}"},"response":{"status":200}}',
        "bad-regex.json": '{"id":"r","request":{"method":"GET","path":"/customers/x"},"response":{"status":"2xx"},"match":{"/id":"regex:(a"}}',
        "duplicate-id.jsonl": '{"id":"d","request":{"method":"GET","path":"/"},"response":{"status":200}}\n\n'
                              '{"id":"d","request":{"method":"GET","path":"/"},"response":{"status":404}}\r\n',
        "raw-body-literal.json": '{"id":"l","request":{"method":"PATCH","path":"/customers/a","raw_body":"$${HOME} ${IDEMPOTENCY_KEY}"},'
                                 '"response":{"status":400,"headers":{"Content-Type":"application/json","content-type":"x"},'
                                 '"body":{"status":400,"n":[1,2.5,-0.0,18446744073709551615]}},"match":{"/detail":"any","/x~1y":"type"}}',
    }
    for name, data in hand_made.items():
        write("fuzz_corpus", name, data)


if __name__ == "__main__":
    validate_seeds("fuzz_validate")
    validate_seeds("fuzz_differential")
    mock_seeds()
    corpus_seeds()
    for harness in ("fuzz_validate", "fuzz_differential", "fuzz_mock", "fuzz_corpus"):
        files = [p for p in (OUT / harness).iterdir() if p.is_file()]
        print(f"{harness}: {len(files)} seeds, {sum(p.stat().st_size for p in files)} bytes")

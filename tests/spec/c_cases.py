"""Writes the C form of tests/spec/contract.json: a header of cases in C's unit (milliseconds),
with each expected result field as the compact JSON text `"key":value` the C runner looks for."""

import json
import sys
from pathlib import Path


def in_ms(value):
    if isinstance(value, dict):
        if set(value) == {"s", "ms"}:
            return value["ms"]
        return {k: in_ms(v) for k, v in value.items()}
    if isinstance(value, list):
        return [in_ms(v) for v in value]
    return value


def c_string(value):
    return "NULL" if value is None else json.dumps(value)


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def main(out):
    spec = json.loads((Path(__file__).parent / "contract.json").read_text())
    rows = []
    for case in spec["cases"]:
        a = in_ms(case["args"])
        expect = [f"\"{path.split('.')[-1]}\":{compact(v)}" for path, v in in_ms(case.get("result", {})).items()]
        expect += [f"\"{key}\":" for key in case.get("keys", [])]
        fields = {
            "name": c_string(case["name"]),
            "op": c_string(case["op"]),
            "subject": c_string(a.get("subject")),
            "stream": c_string(a.get("stream")),
            "url": c_string(a.get("url")),
            "queue": c_string(a.get("queue")),
            "config_json": c_string(compact(a["config"]) if "config" in a else None),
            "options_json": c_string(compact({"ttl": a["ttl"]}) if "ttl" in a else None),
            "headers_json": c_string(compact(a["headers"]) if "headers" in a else None),
            "bucket": c_string(a.get("bucket")),
            "key": c_string(a.get("key")),
            "timeout_ms": str(int(a.get("timeout", -1))),
            "delay_ms": str(int(a.get("delay", 0))),
            "sequence": str(a.get("sequence", 0)),
            "error": c_string(case.get("error")),
            "server_code": str(case.get("server_code", 0)),
            "expect": "{" + ", ".join([c_string(e) for e in expect] + ["NULL"]) + "}",
        }
        rows.append("    {" + ", ".join(f".{k} = {v}" for k, v in fields.items()) + "},")
    Path(out).write_text(
        "/* Generated from tests/spec/contract.json by tests/spec/c_cases.py; do not edit. */\n"
        "static const spec_case SPEC_CASES[] = {\n" + "\n".join(rows) + "\n};\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])

"""zeep baseline for the page-decode benchmark: parses the same GetIncrementalUpdates pages the
criterion benchmark writes to target/bench/ (run `cargo bench --bench codec` first) with zeep
and our WSDL, and prints records per second. Usage (from the crate root):
    python3 benches/zeep_decode.py
"""
import time

import zeep
from lxml import etree


def main():
    client = zeep.Client("schemas/soap/convio.wsdl")
    operation = client.service._binding._operations["GetIncrementalUpdates"]
    pages = [("page", 20), ("page", 50), ("page", 200), ("page-escape-heavy", 50)]
    for name, populated in pages:
        with open("target/bench/%s-%d.xml" % (name, populated), "rb") as f:
            data = f.read()
        rounds, records, started = 0, 0, time.perf_counter()
        while time.perf_counter() - started < 3.0:
            envelope = etree.fromstring(data)
            result = operation.output.deserialize(envelope)
            records += len(result)
            rounds += 1
        seconds = time.perf_counter() - started
        print("zeep %s of 200 records, %d fields: %.0f records/s (%.1f ms per page, %d rounds)"
              % (name, populated, records / seconds, 1000 * seconds / rounds, rounds))


if __name__ == "__main__":
    main()

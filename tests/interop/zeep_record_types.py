"""zeep against `convio emulator --wsdl tests/fixtures/large-site/site.wsdl`: zeep builds a type
for each of the 63 record type names (schemas/soap/record-types.txt) from the WSDL the emulator
serves, and DescribeRecordType through zeep names each one back.
Usage: python3 zeep_record_types.py http://127.0.0.1:PORT/1.0/SITE/wsdl schemas/soap/record-types.txt
"""
import sys

import zeep

ENS = "{urn:object.soap.convio.com}"


def main(wsdl, names_file):
    with open(names_file, encoding="utf-8") as names:
        record_types = [line.strip() for line in names
                        if line.strip() and not line.startswith("#")]
    assert len(record_types) == 63, len(record_types)
    client = zeep.Client(wsdl)
    for name in record_types:
        client.get_type(ENS + name)
    session_id = client.service.Login(UserName="apiuser", Password="secret")
    header = {"Session": {"SessionId": session_id}}
    described = 0
    for name in record_types:
        answer = client.service.DescribeRecordType(RecordType=name, _soapheaders=header)
        assert answer.Name == name, (name, answer.Name)
        described += 1
    print(f"zeep record types: {len(record_types)} types built, {described} described "
          f"against {wsdl}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

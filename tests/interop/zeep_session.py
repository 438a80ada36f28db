"""zeep, an independent SOAP client, against `convio emulator`: loads the WSDL the emulator
serves, logs in, sends the Session header, creates, updates with values and with xsd.Nil,
queries, and checks every answer. Usage: python3 zeep_session.py http://127.0.0.1:PORT/1.0/SITE/wsdl
"""
import sys

import zeep
from zeep import xsd

ENS = "{urn:object.soap.convio.com}"


def main(wsdl):
    client = zeep.Client(wsdl)
    service = client.service
    Constituent = client.get_type(ENS + "Constituent")
    Name = client.get_type(ENS + "Name")

    # zeep unwraps a response of one element: LoginResponse/Result/SessionId comes back as text.
    session_id = service.Login(UserName="apiuser", Password="secret")
    assert isinstance(session_id, str) and session_id, session_id
    header = {"Session": {"SessionId": session_id}}
    checks = 0

    results = service.Create(
        PartitionId=1001,
        Record=[Constituent(PrimaryEmail="zeep@example.org", AcceptsEmail=True,
                            ConsName=Name(FirstName="Zeep", LastName="Client"))],
        _soapheaders=header,
    )
    assert len(results) == 1 and results[0].ResultCode == "OK", results
    cons_id = results[0].Record.ConsId
    assert cons_id, results
    checks += 1

    def middle_name():
        records = service.Query(
            QueryString="select ConsId, ConsName.MiddleName from Constituent where ConsId = %d" % cons_id,
            _soapheaders=header)
        assert len(records) == 1, records
        return records[0].ConsName.MiddleName

    results = service.Update(PartitionId=1001, Record=[Constituent(ConsId=cons_id, ConsName=Name(MiddleName="Williamson"))],
                             _soapheaders=header)
    assert results[0].ResultCode == "OK", results
    assert middle_name() == "Williamson"
    checks += 1

    results = service.Update(PartitionId=1001, Record=[Constituent(ConsId=cons_id, ConsName=Name(MiddleName=xsd.Nil))],
                             _soapheaders=header)
    assert results[0].ResultCode == "OK", results
    assert middle_name() is None
    checks += 1

    results = service.Update(PartitionId=1001, Record=[Constituent(ConsId=999999999)], _soapheaders=header)
    assert results[0].ResultCode == "RECORD_NOT_FOUND", results
    checks += 1

    try:
        service.GetServerTime(_soapheaders={"Session": {"SessionId": "not-a-session"}})
        raise AssertionError("an unknown session must fault")
    except zeep.exceptions.Fault as fault:
        assert fault.code == "SESSION", fault.code
    checks += 1

    partitions = service.Query(QueryString="select PartitionId, Name from Partition", _soapheaders=header)
    assert [p.PartitionId for p in partitions] == [1001], partitions
    checks += 1

    service.Logout(_soapheaders=header)
    print("zeep: %d checks passed against %s" % (checks, wsdl))


if __name__ == "__main__":
    main(sys.argv[1])

"""zeep against `convio emulator --wsdl tests/fixtures/site/site.wsdl`: zeep builds its types
from the site WSDL the emulator serves (schemas inline, six custom Constituent fields), then
creates a constituent with every custom field, reads them back with Query, clears one with
xsd.Nil and leaves the others unchanged.
Usage: python3 zeep_custom_fields.py http://127.0.0.1:PORT/1.0/SITE/wsdl
"""
import datetime
import decimal
import sys

import zeep
from zeep import xsd

ENS = "{urn:object.soap.convio.com}"
CUSTOM = ["CustomFavoriteColor", "CustomIsVolunteer", "CustomFirstGiftDate",
          "CustomLifetimeGifts", "CustomHouseholdSize", "CustomNickname"]


def main(wsdl):
    client = zeep.Client(wsdl)
    service = client.service
    Constituent = client.get_type(ENS + "Constituent")
    session_id = service.Login(UserName="apiuser", Password="secret")
    header = {"Session": {"SessionId": session_id}}

    values = {
        "CustomFavoriteColor": "teal & gold",
        "CustomIsVolunteer": True,
        "CustomFirstGiftDate": datetime.date(2019, 4, 1),
        "CustomLifetimeGifts": decimal.Decimal("1234.50"),
        "CustomHouseholdSize": 4,
        "CustomNickname": "Ace",
    }
    results = service.Create(PartitionId=1001,
                             Record=[Constituent(PrimaryEmail="zeep-custom@example.org", **values)],
                             _soapheaders=header)
    assert results[0].ResultCode == "OK", results
    cons_id = results[0].Record.ConsId

    def stored():
        records = service.Query(
            QueryString="select ConsId, %s from Constituent where ConsId = %d" % (", ".join(CUSTOM), cons_id),
            _soapheaders=header)
        assert len(records) == 1, records
        return {name: getattr(records[0], name) for name in CUSTOM}

    assert stored() == values, stored()

    results = service.Update(PartitionId=1001,
                             Record=[Constituent(ConsId=cons_id, CustomNickname=xsd.Nil, CustomIsVolunteer=False)],
                             _soapheaders=header)
    assert results[0].ResultCode == "OK", results
    expected = dict(values, CustomNickname=None, CustomIsVolunteer=False)
    assert stored() == expected, stored()
    print("zeep custom fields: 3 checks passed against", wsdl)


if __name__ == "__main__":
    main(sys.argv[1])

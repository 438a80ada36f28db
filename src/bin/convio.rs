//! `convio`: command-line front end of the crate.
//!
//! `convio demo` walks through the SOAP codec offline: the three Update cases of the
//! documentation's table (value sets, nil clears, absent leaves), the refusal of an empty
//! value, and the decoding of a result and of a fault. Exit status: 0 on success, 1 when a
//! step fails.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use convio::generated::{ens, tns};
use convio::soap::{decode_response, Body, Encoder, Envelope};
use convio::{AnyRecord, Error, Field, Text};

#[derive(Parser)]
#[command(
    name = "convio",
    version,
    about = "Convio / Luminate Online API bindings"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show, offline, how requests are written and responses read.
    Demo,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Demo => match demo() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

fn update_middle_name(middle: Field<Text>) -> Body {
    let record = ens::ConstituentType {
        cons_id: Some(1001081),
        cons_name: Field::Value(ens::NameType {
            first_name: Field::Value("Albus".into()),
            middle_name: middle,
            ..Default::default()
        }),
        ..Default::default()
    };
    Body::Update(tns::UpdateElementType {
        partition_id: Some(1001),
        force: None,
        record: vec![AnyRecord::Constituent(record)],
    })
}

fn demo() -> Result<(), Error> {
    let encoder = Encoder::new().indent(2);
    let cases = [
        (
            "Field::Value(\"Williamson\") sets MiddleName",
            Field::Value("Williamson".into()),
        ),
        ("Field::Nil clears MiddleName", Field::Nil),
        ("Field::Absent leaves MiddleName unchanged", Field::Absent),
    ];
    for (title, middle) in cases {
        println!("== Update: {title}");
        let envelope =
            Envelope::request(Some("<session id from Login>"), update_middle_name(middle));
        println!("{}\n", String::from_utf8_lossy(&encoder.encode(&envelope)?));
    }

    println!("== Update: Field::Value(\"\") is refused (the server would ignore an empty element)");
    let empty = Envelope::request(
        Some("<session id from Login>"),
        update_middle_name(Field::Value("".into())),
    );
    match encoder.encode(&empty) {
        Err(error) => println!("refused: {error}\n"),
        Ok(_) => {
            return Err(Error::Encode(convio::EncodeError::Xml {
                element: "MiddleName".into(),
                message: "an empty value was not refused".into(),
            }))
        }
    }

    println!("== Decoding an UpdateResponse");
    let response = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<UpdateResponse xmlns="urn:soap.convio.com" xmlns:ens="urn:object.soap.convio.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<Result><ResultCode>OK</ResultCode><Message>User updated.</Message>
<Record xsi:type="ens:Constituent"><ens:ConsId>1001081</ens:ConsId><ens:MemberId xsi:nil="true"/></Record></Result>
</UpdateResponse></soap:Body></soap:Envelope>"#;
    if let Body::UpdateResponse(update) = decode_response(response)? {
        for result in &update.result {
            println!(
                "result code: {}, message: {:?}",
                result.result_code,
                result.message.as_option()
            );
            if let Some(AnyRecord::Constituent(record)) = &result.record {
                println!(
                    "  ConsId: {:?}, MemberId: {:?}",
                    record.cons_id, record.member_id
                );
            }
        }
    }

    println!("\n== Decoding a fault");
    let fault = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
<faultcode>SESSION</faultcode><faultstring>Session has expired</faultstring>
<detail><SessionFault xmlns="urn:soap.convio.com"/></detail></soap:Fault></soap:Body></soap:Envelope>"#;
    match decode_response(fault) {
        Err(Error::Fault(fault)) => println!(
            "{fault} (re-login and replay: {})",
            fault.is_session_fault()
        ),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}

//! A fake SOAP endpoint on loopback that answers Login and then every other request with
//! canned envelopes: for trying the client and the CLI against responses a real site might
//! send (which our emulator, written from our schema, would not).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// Chooses the response body (a whole SOAP envelope) for a request body.
pub type Answer = dyn Fn(&str) -> String + Send + Sync;

/// A running fake endpoint; requests it saw are kept.
pub struct FakeSite {
    pub url: String,
    pub seen: Arc<Mutex<Vec<String>>>,
}

/// The envelope of a Login response.
pub fn login_response() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><LoginResponse xmlns="urn:soap.convio.com"><Result><SessionId>fake-session</SessionId></Result></LoginResponse></soap:Body></soap:Envelope>"#.to_string()
}

impl FakeSite {
    /// Serves `answer` (Login is answered by the site itself) until the process ends.
    pub fn start(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> FakeSite {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!(
            "http://{}/1.0/fake",
            listener.local_addr().expect("address")
        );
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let answer: Arc<Answer> = Arc::new(answer);
        let log = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let answer = Arc::clone(&answer);
                let log = Arc::clone(&log);
                thread::spawn(move || serve(stream, answer.as_ref(), &log));
            }
        });
        FakeSite { url, seen }
    }
}

/// Answers the requests of one connection (kept alive) until the client closes it.
fn serve(stream: TcpStream, answer: &Answer, log: &Mutex<Vec<String>>) {
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if first {
                first = false;
                continue;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        log.lock().expect("log").push(body.clone());
        let response = if body.contains(":Login>") {
            login_response()
        } else {
            answer(&body)
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
            response.len()
        );
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(response.as_bytes()).is_err()
        {
            return;
        }
    }
}
